//! The only writer of the C `errno`: once, on failure, just before returning.

use crate::sys::{Errno, RawFd};
use libc::c_int;

/// Stores `e` in the calling thread's `errno`.
pub fn set(e: Errno) {
    // SAFETY: __errno_location returns the calling thread's errno slot, valid for the
    // thread's lifetime.
    unsafe { *libc::__errno_location() = e.raw() }
}

/// The calling thread's errno, to be put back with `restore` after code that may change it
/// on success (libidn2, the dynamic loader).
pub fn saved() -> c_int {
    // SAFETY: as in `set`.
    unsafe { *libc::__errno_location() }
}

pub fn restore(value: c_int) {
    // SAFETY: as in `set`.
    unsafe { *libc::__errno_location() = value }
}

/// 0 on success (errno untouched), -1 with errno on failure.
pub fn finish_unit(result: Result<(), Errno>) -> c_int {
    match result {
        Ok(()) => 0,
        Err(e) => {
            set(e);
            -1
        }
    }
}

/// The fd on success (errno untouched), -1 with errno on failure.
pub fn finish_fd(result: Result<RawFd, Errno>) -> c_int {
    match result {
        Ok(fd) => fd,
        Err(e) => {
            set(e);
            -1
        }
    }
}
