//! netshim: the C library's socket(), connect() and getaddrinfo() over raw Linux syscalls.
//! See DESIGN.md in the project docs: `abi` → `resolve`/`log` → `sys`.
#![cfg_attr(not(test), no_std)]
#![deny(
    unsafe_code,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks
)]

extern crate alloc;

mod abi;
mod log;
mod malloc;
#[allow(dead_code)] // the resolver is wired to the ABI piece by piece
mod resolve;
// The syscall layer offers what the resolver and logger need; some of it waits for them.
#[allow(dead_code)]
mod sys;

#[global_allocator]
static ALLOCATOR: malloc::CMalloc = malloc::CMalloc;

/// A panic inside a C library has nowhere to unwind to: end the process as abort(3) does.
/// No code path in `abi` panics on caller input; this is the backstop for our own bugs.
#[cfg(not(test))]
#[panic_handler]
fn on_panic(_info: &core::panic::PanicInfo) -> ! {
    sys::process::abort()
}
