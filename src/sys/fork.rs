//! Knowing, without a syscall, whether this process was forked since a lock was taken.
//!
//! A lock held by another thread when the program calls fork() stays held forever in the
//! child, where that thread does not exist. glibc solves this with atfork handlers; netshim
//! uses a page the kernel wipes in the child (MADV_WIPEONFORK, Linux 4.14): it holds the
//! current "epoch", a number that changes in a child, and each lock records the epoch it
//! was taken in. A lock from an older epoch was inherited through fork and is free.

use super::{decode, syscall};
use core::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

/// The wiped page's first word (null until `init`, or if the kernel cannot wipe pages).
static PAGE: AtomicPtr<AtomicU32> = AtomicPtr::new(core::ptr::null_mut());
/// Epochs handed out so far (1 means "no wiped page"); a child continues from the parent's
/// count, so its epoch is one no lock in it was ever taken in.
static NEXT: AtomicU32 = AtomicU32::new(2);
const MADV_WIPEONFORK: usize = 18;
const PAGE_SIZE: usize = 4096;

/// Sets the page up (once, from the library's constructor).
pub fn init() {
    // SAFETY: an anonymous private mapping of one page; no memory of ours is touched.
    let addr = unsafe {
        syscall!(
            libc::SYS_mmap,
            0usize,
            PAGE_SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1isize,
            0usize
        )
    };
    let Ok(addr) = decode(addr) else { return };
    // SAFETY: `addr` is the page just mapped; madvise only changes its fork behaviour.
    if decode(unsafe { syscall!(libc::SYS_madvise, addr, PAGE_SIZE, MADV_WIPEONFORK) }).is_err() {
        // SAFETY: unmapping the page mapped above, which nothing else uses.
        let _ = unsafe { syscall!(libc::SYS_munmap, addr, PAGE_SIZE) };
        return;
    }
    let word = addr as *mut AtomicU32;
    // SAFETY: the page is mapped read-write for the process's lifetime, page-aligned (so
    // aligned for AtomicU32) and zero-filled (a valid AtomicU32); it is never unmapped.
    unsafe { (*word).store(NEXT.fetch_add(1, Ordering::Relaxed), Ordering::Release) };
    PAGE.store(word, Ordering::Release);
}

/// The current epoch: never 0; different in a forked child from any epoch of its parent.
pub fn epoch() -> u32 {
    let word = PAGE.load(Ordering::Acquire);
    if word.is_null() {
        return 1;
    }
    // SAFETY: set by `init` to the first word of a page that stays mapped (see there).
    let word = unsafe { &*word };
    match word.load(Ordering::Acquire) {
        0 => {
            // The first look since fork: take a fresh epoch (one thread wins the race).
            let fresh = NEXT.fetch_add(1, Ordering::Relaxed).max(1);
            match word.compare_exchange(0, fresh, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => fresh,
                Err(current) => current,
            }
        }
        e => e,
    }
}
