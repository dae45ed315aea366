//! Process identity and the last resort.

use super::{syscall, RawFd};

/// The pid, cached per fork epoch (sys::fork): a syscall only in a new process.
pub fn getpid() -> i32 {
    use core::sync::atomic::{AtomicU64, Ordering};
    /// (epoch << 32) | pid, 0 when not known yet.
    static CACHED: AtomicU64 = AtomicU64::new(0);
    let epoch = super::fork::epoch();
    let cached = CACHED.load(Ordering::Relaxed);
    if cached != 0 && (cached >> 32) as u32 == epoch && epoch != 1 {
        return cached as u32 as i32;
    }
    // SAFETY: getpid takes no arguments and cannot fail.
    let pid = unsafe { syscall!(libc::SYS_getpid) as i32 };
    CACHED.store(
        (u64::from(epoch) << 32) | u64::from(pid as u32),
        Ordering::Relaxed,
    );
    pid
}

pub fn gettid() -> i32 {
    // SAFETY: gettid takes no arguments and cannot fail.
    unsafe { syscall!(libc::SYS_gettid) as i32 }
}

/// Ends the process with SIGABRT, as `abort(3)` would, without calling into libc
/// (libc's abort may run handlers or take locks that a broken state cannot afford).
pub fn abort() -> ! {
    let pid = getpid();
    let tid = gettid();
    // SAFETY: tgkill and exit_group take integers only.
    unsafe {
        syscall!(libc::SYS_tgkill, pid, tid, libc::SIGABRT);
        loop {
            syscall!(libc::SYS_exit_group, 127);
        }
    }
}

/// Whether `fd` is open (fcntl F_GETFD succeeds).
pub fn fd_is_open(fd: RawFd) -> bool {
    // SAFETY: fcntl(F_GETFD) reads no user memory.
    super::decode(unsafe { syscall!(libc::SYS_fcntl, fd, libc::F_GETFD) }).is_ok()
}

/// uname(2)'s nodename (the host name), if the call succeeds.
pub fn nodename() -> Option<alloc::vec::Vec<u8>> {
    // SAFETY: all-zero bytes are a valid `struct utsname`.
    let mut uts: libc::utsname = unsafe { core::mem::zeroed() };
    // SAFETY: `uts` is a live, writable utsname.
    super::decode(unsafe { syscall!(libc::SYS_uname, &mut uts as *mut libc::utsname) }).ok()?;
    let bytes: alloc::vec::Vec<u8> = uts
        .nodename
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    Some(bytes)
}
