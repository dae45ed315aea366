//! pthread cancellation points, as glibc 2.36's.
//!
//! glibc's `connect` is a cancellation point, and so are the waits and connects of its
//! resolver (resolv/res_send.c: `__connect`, `__poll`; the RFC 3484 source probes): a
//! thread blocked there by a listener whose backlog is full, or by a silent DNS server, is
//! ended by `pthread_cancel`. glibc does it by switching the thread to asynchronous
//! cancellation around the blocking syscall (SYSCALL_CANCEL); in deferred mode
//! `pthread_cancel` only sets a bit, and sends SIGCANCEL only to a thread that is in such
//! a window. Its handler then unwinds the thread from the signal frame
//! (`_Unwind_ForcedUnwind`), running cleanup handlers on the way.
//!
//! netshim's points (src/sys/cancel.c) open the same window with the public
//! `pthread_setcanceltype`, but a forced unwind must not run through Rust frames that own
//! something (RFC 2945: undefined unless every frame crossed is a plain old frame, and
//! with panic=abort nothing would be dropped: sockets, buffers, a held lock would leak).
//! So each point registers an unwind buffer the way `pthread_cleanup_push` does, glibc's
//! unwinder stops there, and the point returns `ECANCELED` instead of unwinding. The Rust
//! code returns normally from there — every `Drop` runs — and the exported function passes
//! the cancellation on with `pthread_exit(PTHREAD_CANCELED)` ([`point`], `abi::connect`),
//! which is the very code glibc runs once a cancellation has acted (`__do_cancel`). The
//! frames unwound then own nothing. What a program sees is glibc's behaviour: its cleanup
//! handlers run, `pthread_join` returns `PTHREAD_CANCELED`, a disabled cancellation waits.
//!
//! Like glibc 2.36 (its bug 12683), a cancellation that arrives in the instant after the
//! syscall completed still acts, and the syscall's result is lost; for `connect` the
//! socket may then be connected. musl decides from the interrupted program counter
//! whether the syscall had started, which needs its own SIGCANCEL handler; glibc owns
//! that signal here.

use super::{decode, decode_unit, Errno, RawFd};
use core::ffi::{c_int, c_long};
use core::sync::atomic::{AtomicU32, Ordering};

extern "C" {
    fn netshim_cancel_syscall(
        n: c_long,
        a: c_long,
        b: c_long,
        c: c_long,
        d: c_long,
        e: c_long,
        f: c_long,
    ) -> c_long;
    fn netshim_cancel_syscall_export(
        n: c_long,
        a: c_long,
        b: c_long,
        c: c_long,
        d: c_long,
        e: c_long,
        f: c_long,
    ) -> c_long;
    fn netshim_cancel_acted() -> c_int;
    fn netshim_cancel_resume() -> !;
    fn netshim_cancel_defer() -> c_int;
    fn netshim_cancel_restore_async();
    /// How many threads have a cancellation to pass on (written by the C points only).
    static netshim_cancel_acting: AtomicU32;
}

/// # Safety
/// As for the syscall `n`: the pointers in `args` must be valid for what it reads and writes.
unsafe fn syscall(n: c_long, args: [usize; 6]) -> isize {
    let [a, b, c, d, e, f] = args.map(|v| v as c_long);
    // SAFETY: the C point only switches the cancellation type around the syscall and
    // passes the arguments on unchanged; the caller upholds the syscall's memory contract.
    unsafe { netshim_cancel_syscall(n, a, b, c, d, e, f) as isize }
}

/// connect(2) for the resolver's own sockets, as a cancellation point: Err(CANCELED) when
/// the thread's cancellation acted, here or earlier in the same lookup (the caller then
/// returns, dropping what it holds, to an export that passes it on: [`point`]).
pub fn connect(fd: RawFd, addr: *const libc::sockaddr, len: libc::socklen_t) -> Result<(), Errno> {
    // SAFETY: as `net::connect_raw`: the kernel validates `addr` (EFAULT) before reading
    // at most `len` bytes of it.
    decode_unit(unsafe {
        syscall(
            libc::SYS_connect,
            // The tracer's marker: the resolver's own sockets are never logged.
            [
                fd as usize,
                addr as usize,
                len as usize,
                super::net::TRACE_MARKER as usize,
                0,
                0,
            ],
        )
    })
}

/// The program's connect(2), a cancellation point as glibc's: Err(CANCELED) when the
/// thread's cancellation acted; the export then logs and calls [`resume`].
pub fn connect_export(
    fd: RawFd,
    addr: *const libc::sockaddr,
    len: libc::socklen_t,
    mark: super::net::Mark,
) -> Result<(), Errno> {
    // SAFETY: the kernel validates `addr` (EFAULT) before reading at most `len` bytes; the
    // C point passes the arguments on unchanged (the fourth, unused by connect, is the
    // tracer's marker).
    decode_unit(unsafe {
        netshim_cancel_syscall_export(
            libc::SYS_connect,
            fd as c_long,
            addr as c_long,
            len as c_long,
            mark.value() as c_long,
            0,
            0,
        ) as isize
    })
}

/// A cancellation point without a syscall, for the places where glibc reaches one that
/// netshim has no need of (its first source probe for loopback destinations).
pub fn test() -> Result<(), Errno> {
    // SAFETY: a negative number makes no syscall; the arguments are unused.
    decode_unit(unsafe { syscall(-1, [0; 6]) })
}

/// ppoll(2) as `time::poll`, and a cancellation point.
pub fn poll(fds: &mut [super::time::PollFd], timeout_ms: i64) -> Result<usize, Errno> {
    let ts = libc::timespec {
        tv_sec: timeout_ms.max(0) / 1000,
        tv_nsec: (timeout_ms.max(0) % 1000) * 1_000_000,
    };
    let tp = if timeout_ms < 0 {
        core::ptr::null()
    } else {
        &ts as *const libc::timespec
    };
    // SAFETY: `fds` is a live array of pollfd-layout structs the kernel updates in place;
    // `tp` is null or points at a live timespec; no signal mask is passed.
    decode(unsafe {
        syscall(
            libc::SYS_ppoll,
            [fds.as_mut_ptr() as usize, fds.len(), tp as usize, 0, 0, 0],
        )
    })
}

/// Whether a cancellation acted in this thread and is still to be passed on.
#[inline(always)]
pub fn acted() -> bool {
    // SAFETY: an atomic the C side updates atomically, read atomically; then a function
    // that reads a thread-local flag.
    unsafe { netshim_cancel_acting.load(Ordering::Relaxed) != 0 && netshim_cancel_acted() != 0 }
}

/// Ends the thread as its cancellation would have (cleanup handlers, PTHREAD_CANCELED).
/// Call it only from a frame that owns nothing: the frames above are unwound, not dropped.
pub fn resume() -> ! {
    // SAFETY: the cancellation acted in this thread; pthread_exit is what glibc itself
    // runs from there.
    unsafe { netshim_cancel_resume() }
}

/// Runs an exported call's `body` so that a cancellation acting inside it is passed on
/// only after `body` has returned, everything it held dropped. A call made with
/// asynchronous cancellation enabled (undefined in POSIX) runs deferred inside, so that
/// nothing is unwound in the middle of the resolver, and the type is given back at the
/// end (acting then on a cancel requested meanwhile).
#[inline(always)]
pub fn point<T: Copy>(body: impl FnOnce() -> T) -> T {
    // SAFETY: switches this thread's cancellation type; no arguments.
    let was_async = unsafe { netshim_cancel_defer() } != 0;
    let out = body();
    if acted() {
        resume();
    }
    if was_async {
        // SAFETY: gives back the type read above; may unwind this frame, which owns
        // nothing (`out` is Copy).
        unsafe { netshim_cancel_restore_async() };
    }
    out
}

/// Copies up to `out.len()` bytes from `src` in this process's own memory, or fails with
/// EFAULT when they are not readable: process_vm_readv on ourselves, so that a caller's
/// pointer the kernel may never have seen (a connect cancelled before its syscall) is read
/// without risk of a fault.
pub fn read_own_memory(src: *const u8, out: &mut [u8]) -> Result<usize, Errno> {
    let local = libc::iovec {
        iov_base: out.as_mut_ptr().cast(),
        iov_len: out.len(),
    };
    let remote = libc::iovec {
        iov_base: src as *mut libc::c_void,
        iov_len: out.len(),
    };
    // SAFETY: `local` describes `out`, writable for its length; the kernel reads `remote`
    // with its own checks (EFAULT) and the two iovecs are live locals.
    decode(unsafe {
        super::syscall!(
            libc::SYS_process_vm_readv,
            super::process::getpid(),
            &local as *const libc::iovec,
            1,
            &remote as *const libc::iovec,
            1,
            0
        )
    })
}
