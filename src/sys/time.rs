//! Clocks and waiting.

use super::{decode, syscall, Errno, RawFd};

/// A point in time in nanoseconds since the clock's epoch.
pub type Nanos = u64;

fn clock(id: libc::clockid_t) -> Nanos {
    if let Some(ts) = super::vdso::clock_gettime(id) {
        return (ts.tv_sec as u64)
            .wrapping_mul(1_000_000_000)
            .wrapping_add(ts.tv_nsec as u64);
    }
    clock_syscall(id)
}

/// The clock through the syscall (before the vDSO is found, or where there is none).
fn clock_syscall(id: libc::clockid_t) -> Nanos {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a live, writable timespec.
    let _ =
        decode(unsafe { syscall!(libc::SYS_clock_gettime, id, &mut ts as *mut libc::timespec) });
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64)
}

/// CLOCK_MONOTONIC, for durations and timeouts.
pub fn monotonic() -> Nanos {
    clock(libc::CLOCK_MONOTONIC)
}

#[cfg(test)]
pub fn monotonic_syscall() -> Nanos {
    clock_syscall(libc::CLOCK_MONOTONIC)
}

/// CLOCK_REALTIME, for timestamps in logs.
pub fn realtime() -> Nanos {
    clock(libc::CLOCK_REALTIME)
}

/// One fd to wait on and what for.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PollFd {
    pub fd: RawFd,
    pub events: i16,
    pub revents: i16,
}
const _: () = assert!(core::mem::size_of::<PollFd>() == core::mem::size_of::<libc::pollfd>());

/// ppoll(2) with a relative timeout in milliseconds (negative: forever). Returns the
/// number of ready fds; EINTR is the caller's to handle (it knows the deadline).
pub fn poll(fds: &mut [PollFd], timeout_ms: i64) -> Result<usize, Errno> {
    let ts;
    let tp = if timeout_ms < 0 {
        core::ptr::null()
    } else {
        ts = libc::timespec {
            tv_sec: timeout_ms / 1000,
            tv_nsec: (timeout_ms % 1000) * 1_000_000,
        };
        &ts as *const libc::timespec
    };
    // SAFETY: `fds` is a live array of pollfd-layout structs the kernel updates in place;
    // `tp` is null or points at a live timespec; no signal mask is passed.
    decode(unsafe {
        syscall!(
            libc::SYS_ppoll,
            fds.as_mut_ptr(),
            fds.len(),
            tp,
            0usize,
            0usize
        )
    })
}
