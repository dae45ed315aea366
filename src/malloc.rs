//! The global allocator: the C library's malloc, so that memory handed to C (addrinfo
//! lists) can be released with `free`, and so a preloaded netshim shares the program's heap.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};

pub struct CMalloc;

/// glibc's and musl's malloc return memory aligned to 16 bytes on x86_64 and aarch64.
const MALLOC_ALIGN: usize = 16;

// SAFETY: malloc/realloc/free and posix_memalign satisfy GlobalAlloc's contract for the
// layouts we route to them (alignment checked against MALLOC_ALIGN).
unsafe impl GlobalAlloc for CMalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: malloc accepts any size; a null result is reported as failure.
            return unsafe { libc::malloc(layout.size()) }.cast();
        }
        let mut out = core::ptr::null_mut();
        // SAFETY: `out` is a live local; the alignment is a power of two ≥ sizeof(void*).
        match unsafe { libc::posix_memalign(&mut out, layout.align(), layout.size()) } {
            0 => out.cast(),
            _ => core::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from malloc or posix_memalign above.
        unsafe { libc::free(ptr.cast()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: `ptr` came from malloc with a compatible alignment.
            return unsafe { libc::realloc(ptr.cast(), new_size) }.cast();
        }
        // SAFETY: the new layout is valid (GlobalAlloc's caller guarantees it).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: forwarded to our own alloc/dealloc with matching layouts.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}
