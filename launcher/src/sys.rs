//! The few kernel calls nix does not wrap (PTRACE_LISTEN, seccomp, pidfd_getfd), and the
//! register and memory access the tracer needs, in one place. Every unsafe block is here.
#![allow(unsafe_code)]

use crate::filter::Refused;
use libc::sock_filter;
use nix::errno::Errno;
use nix::sys::ptrace;
use nix::sys::uio::{process_vm_readv, process_vm_writev, RemoteIoVec};
use nix::unistd::Pid;
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// Sets no_new_privs unless `privileged`, then installs `program` as this thread's filter
/// (inherited by every thread and child created after it). A root that is refused without
/// no_new_privs (no CAP_SYS_ADMIN in this namespace) tries again with it.
pub fn install_seccomp(program: &[sock_filter], privileged: bool) -> Result<(), Refused> {
    let prog = libc::sock_fprog {
        len: program.len() as u16,
        filter: program.as_ptr() as *mut sock_filter,
    };
    let no_new_privs = || {
        // SAFETY: PR_SET_NO_NEW_PRIVS takes integers only.
        if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
            return Err(Refused("no_new_privs", std::io::Error::last_os_error()));
        }
        Ok(())
    };
    let set = || {
        // SAFETY: `prog` points to `program`, live for the call; the kernel copies it.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                0,
                &prog as *const libc::sock_fprog,
            )
        };
        if ret != 0 {
            return Err(Refused("seccomp", std::io::Error::last_os_error()));
        }
        Ok(())
    };
    if !privileged {
        no_new_privs()?;
        return set();
    }
    set().or_else(|_| {
        no_new_privs()?;
        set()
    })
}

/// PTRACE_LISTEN: leave a tracee in its group-stop but let the next SIGCONT (or signal)
/// wake it, as if it were not traced (nix has no wrapper).
pub fn ptrace_listen(tid: Pid) -> Result<(), Errno> {
    // SAFETY: PTRACE_LISTEN takes no addresses.
    let ret = unsafe {
        libc::ptrace(
            libc::PTRACE_LISTEN,
            tid.as_raw(),
            std::ptr::null_mut::<libc::c_void>(),
            std::ptr::null_mut::<libc::c_void>(),
        )
    };
    Errno::result(ret).map(drop)
}

/// A syscall-entry or -exit stop as PTRACE_GET_SYSCALL_INFO describes it (seccomp stops
/// are read through `Regs`).
#[derive(Clone, Copy, Debug)]
pub enum SyscallStop {
    Entry {
        nr: u64,
        args: [u64; 6],
    },
    Exit {
        rval: i64,
    },
    /// A stop that is not at a syscall, or a syscall of another architecture.
    Other,
}

pub fn syscall_stop(tid: Pid) -> Result<SyscallStop, Errno> {
    let info = ptrace::syscall_info(tid)?;
    if info.arch != crate::filter::AUDIT_ARCH {
        return Ok(SyscallStop::Other);
    }
    // SAFETY: the kernel filled the union member that `op` names.
    Ok(unsafe {
        match info.op {
            libc::PTRACE_SYSCALL_INFO_ENTRY => SyscallStop::Entry {
                nr: info.u.entry.nr,
                args: info.u.entry.args,
            },
            libc::PTRACE_SYSCALL_INFO_EXIT => SyscallStop::Exit {
                rval: info.u.exit.sval,
            },
            _ => SyscallStop::Other,
        }
    })
}

/// The registers at a seccomp stop: the syscall's number and arguments (one PTRACE_GETREGS,
/// which skipping the call needs anyway).
#[cfg(target_arch = "x86_64")]
pub struct Regs(libc::user_regs_struct);

#[cfg(target_arch = "x86_64")]
impl Regs {
    pub fn at_stop(tid: Pid) -> Result<Regs, Errno> {
        ptrace::getregs(tid).map(Regs)
    }
    pub fn nr(&self) -> u64 {
        self.0.orig_rax
    }
    pub fn args(&self) -> [u64; 6] {
        let r = &self.0;
        [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9]
    }
}

/// At a seccomp stop: skip the syscall and make it return `ret` (a value, or -errno).
#[cfg(target_arch = "x86_64")]
pub fn skip_syscall(tid: Pid, regs: &Regs, ret: i64) -> Result<(), Errno> {
    let mut r = regs.0;
    r.orig_rax = u64::MAX; // syscall -1: the kernel skips it and returns rax as set
    r.rax = ret as u64;
    ptrace::setregs(tid, r)
}

// Elsewhere the tracer does not run (run.rs `can_trace`); these keep the crate building.
#[cfg(not(target_arch = "x86_64"))]
pub struct Regs;

#[cfg(not(target_arch = "x86_64"))]
impl Regs {
    pub fn at_stop(_tid: Pid) -> Result<Regs, Errno> {
        Err(Errno::ENOSYS)
    }
    pub fn nr(&self) -> u64 {
        u64::MAX
    }
    pub fn args(&self) -> [u64; 6] {
        [0; 6]
    }
}

#[cfg(not(target_arch = "x86_64"))]
pub fn skip_syscall(_tid: Pid, _regs: &Regs, _ret: i64) -> Result<(), Errno> {
    Err(Errno::ENOSYS)
}

#[cfg(not(target_arch = "x86_64"))]
pub fn clone_flags(_tid: Pid) -> Option<u64> {
    None
}

/// The flags of a clone or clone3 call, read at its PTRACE_EVENT_CLONE stop.
#[cfg(target_arch = "x86_64")]
pub fn clone_flags(tid: Pid) -> Option<u64> {
    let regs = ptrace::getregs(tid).ok()?;
    match regs.orig_rax as i64 {
        libc::SYS_clone => Some(regs.rdi),
        libc::SYS_clone3 => {
            let mut flags = [0u8; 8];
            read_memory(tid, regs.rdi, &mut flags).ok()?;
            Some(u64::from_ne_bytes(flags))
        }
        _ => Some(0), // fork, vfork
    }
}

/// Reads `buf.len()` bytes of the tracee's memory at `addr`; how many were readable.
pub fn read_memory(tid: Pid, addr: u64, buf: &mut [u8]) -> Result<usize, Errno> {
    if buf.is_empty() {
        return Ok(0);
    }
    let remote = [RemoteIoVec {
        base: addr as usize,
        len: buf.len(),
    }];
    process_vm_readv(tid, &mut [IoSliceMut::new(buf)], &remote)
}

/// Writes `data` into the tracee's memory at `addr`, all of it or an error.
pub fn write_memory(tid: Pid, addr: u64, data: &[u8]) -> Result<(), Errno> {
    let remote = [RemoteIoVec {
        base: addr as usize,
        len: data.len(),
    }];
    match process_vm_writev(tid, &[IoSlice::new(data)], &remote)? {
        n if n == data.len() => Ok(()),
        _ => Err(Errno::EFAULT),
    }
}

/// pidfd_open(2).
pub fn pidfd_open(pid: Pid) -> Result<OwnedFd, Errno> {
    // SAFETY: pidfd_open takes integers and returns a new fd we own.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    Errno::result(fd).map(|fd| {
        // SAFETY: the kernel just returned this fd, owned by nobody else.
        unsafe { OwnedFd::from_raw_fd(fd as RawFd) }
    })
}

/// pidfd_getfd(2): a duplicate of the tracee's `fd` (the same open file: same socket, same
/// O_NONBLOCK), allowed to a tracer by the ptrace access check.
pub fn pidfd_getfd(pidfd: &OwnedFd, fd: i32) -> Result<OwnedFd, Errno> {
    use std::os::fd::AsRawFd;
    // SAFETY: integers in, a new close-on-exec fd we own out.
    let dup = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0) };
    Errno::result(dup).map(|fd| {
        // SAFETY: as above.
        unsafe { OwnedFd::from_raw_fd(fd as RawFd) }
    })
}

/// connect(2) on the tracer's duplicate of a tracee's socket, with the address bytes the
/// tracee passed: 0 or -errno, as the tracee's own call would have returned.
pub fn connect_dup(fd: &OwnedFd, addr: &[u8]) -> i64 {
    use std::os::fd::AsRawFd;
    // SAFETY: `addr` is a live slice of `addr.len()` bytes; the kernel only reads it.
    let ret = unsafe {
        libc::connect(
            fd.as_raw_fd(),
            addr.as_ptr().cast(),
            addr.len() as libc::socklen_t,
        )
    };
    if ret == 0 {
        0
    } else {
        -(Errno::last_raw() as i64)
    }
}

/// Whether a connecting socket is done (writable, or in error or hung up) right now.
pub fn writable_now(fd: &OwnedFd) -> bool {
    use std::os::fd::AsRawFd;
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one live pollfd; a zero timeout never waits.
    let n = unsafe { libc::poll(&mut p, 1, 0) };
    n == 1 && p.revents & (libc::POLLOUT | libc::POLLERR | libc::POLLHUP) != 0
}

/// How many CPUs this process may run on.
pub fn cpus_allowed() -> usize {
    // SAFETY: a zeroed cpu_set_t is valid; the kernel fills it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return 1;
        }
        libc::CPU_COUNT(&set) as usize
    }
}

/// getsockopt(2) for an int option on the tracer's duplicate: the value, or -errno.
pub fn getsockopt_int(fd: &OwnedFd, level: i32, name: i32) -> Result<i32, i64> {
    use std::os::fd::AsRawFd;
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are live locals of the sizes the kernel is told.
    let ret = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if ret == 0 {
        Ok(value)
    } else {
        Err(-(Errno::last_raw() as i64))
    }
}

/// fcntl(F_GETFL) on a duplicate: whether the tracee's socket is non-blocking.
pub fn is_nonblocking(fd: &OwnedFd) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: F_GETFL takes no pointer.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    flags >= 0 && flags & libc::O_NONBLOCK != 0
}

/// Dies of `signal` as the program did, so the shell reports the same thing; no core file of
/// the launcher's own. Falls back to 128 + signal if the signal does not kill.
pub fn die_of(signal: i32) -> ! {
    let zero = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain libc calls with live arguments; the handler reset and unblock make the
    // signal's default action (termination) happen.
    unsafe {
        libc::setrlimit(libc::RLIMIT_CORE, &zero);
        libc::signal(signal, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signal);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(signal);
    }
    std::process::exit(128 + signal)
}

/// Signals to the launcher that it passes on to the program, and which came last.
static PENDING: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

extern "C" fn on_signal(signal: i32, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // A terminal's Ctrl-C or hangup reaches the whole foreground group, the program
    // included: only signals sent to the launcher alone are passed on.
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let from_kernel = unsafe { (*info).si_code } == libc::SI_KERNEL;
    if !from_kernel {
        PENDING.store(signal, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The signals whose dispositions the launcher changes, kept as the launcher found them so
/// that the program starts with exactly those (a `nohup`'s ignored SIGHUP stays ignored).
pub const CHANGED: [i32; 8] = [
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGTSTP,
    libc::SIGTTIN,
    libc::SIGTTOU,
    libc::SIGPIPE,
];

/// The dispositions of `CHANGED` as they were.
pub struct Saved([libc::sigaction; 8]);

/// Saves the dispositions of `CHANGED` (SIGPIPE as SIG_DFL: Rust's runtime ignores it, and
/// programs started through std's Command get it back as the default).
pub fn save_signals() -> Saved {
    // SAFETY: zeroed sigactions are valid outputs; sigaction only writes them.
    unsafe {
        let mut saved: [libc::sigaction; 8] = std::mem::zeroed();
        for (signal, old) in CHANGED.iter().zip(saved.iter_mut()) {
            libc::sigaction(*signal, std::ptr::null(), old);
        }
        saved[7].sa_sigaction = libc::SIG_DFL;
        Saved(saved)
    }
}

/// In the child before exec: the dispositions the launcher found.
pub fn restore_signals(saved: &Saved) {
    for (signal, old) in CHANGED.iter().zip(saved.0.iter()) {
        // SAFETY: `old` is a sigaction the kernel filled (or SIG_DFL).
        unsafe { libc::sigaction(*signal, old, std::ptr::null_mut()) };
    }
}

/// The waiting launcher: catches SIGINT, SIGTERM, SIGHUP and SIGQUIT to pass them on (no
/// SA_RESTART, so a blocked read returns EINTR) and ignores SIGTSTP, SIGTTIN and SIGTTOU: it
/// stops when the program does, never on its own.
pub fn catch_signals() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        // SAFETY: a zeroed sigaction with a valid SA_SIGINFO handler and an empty mask.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
    ignore(&[libc::SIGTSTP, libc::SIGTTIN, libc::SIGTTOU]);
}

/// The tracer process ignores what a terminal sends the whole group (the program gets its
/// own copy) and SIGTERM: its tracees die with it, so only SIGKILL, or the waiting
/// launcher's death, ends it early.
pub fn tracer_signals() {
    ignore(&CHANGED[..7]);
}

fn ignore(signals: &[i32]) {
    for &signal in signals {
        // SAFETY: SIG_IGN for a signal that may be ignored.
        unsafe { libc::signal(signal, libc::SIG_IGN) };
    }
}

/// The tracer dies with the waiting launcher (SIGKILL, taking its tracees with it), or
/// `false` once the program is done and the launcher may exit without that.
pub fn die_with_parent(yes: bool) {
    let signal = if yes { libc::SIGKILL } else { 0 };
    // SAFETY: PR_SET_PDEATHSIG takes an integer.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, signal as libc::c_ulong, 0, 0, 0) };
}

/// The last signal to pass on, once.
pub fn take_signal() -> Option<i32> {
    match PENDING.swap(0, std::sync::atomic::Ordering::Relaxed) {
        0 => None,
        s => Some(s),
    }
}

/// Whether `fd` has something to read (or was closed) within `ms` milliseconds; false on a
/// timeout or a signal.
pub fn readable(fd: &OwnedFd, ms: i32) -> bool {
    use std::os::fd::AsRawFd;
    let mut pfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one live pollfd.
    unsafe { libc::poll(&mut pfd, 1, ms) > 0 }
}

/// The launcher stops itself (SIGSTOP), as a shell's job does when its program stops.
pub fn stop_self() {
    // SAFETY: raise takes an integer.
    unsafe { libc::raise(libc::SIGSTOP) };
}

/// A close-on-exec duplicate of one of the launcher's own fds (stderr, or an fd:N it
/// inherited), so that the log writer can own a File without closing the original.
pub fn dup_fd(fd: RawFd) -> Option<std::fs::File> {
    // SAFETY: F_DUPFD_CLOEXEC takes integers and returns a new fd we own.
    let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    // SAFETY: the kernel just returned this fd, owned by nobody else.
    (dup >= 0).then(|| unsafe { std::fs::File::from_raw_fd(dup) })
}

/// The library's unzeroed stack buffer, which its line helpers (src/log/line.rs, used by
/// event.rs for the syslog header) are built on.
#[allow(dead_code)]
#[path = "../../src/sys/stackbuf.rs"]
pub mod stackbuf;

/// The pid and uid of a unix socket's peer (SO_PEERCRED), as the kernel recorded them at
/// connect time.
pub fn peer_cred(fd: &impl std::os::fd::AsRawFd) -> Option<(i32, u32)> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are live locals of the size given.
    let ret = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    (ret == 0).then_some((cred.pid, cred.uid))
}

/// Catches SIGIO without SA_RESTART and does nothing with it: its only effect is that a
/// tracing thread blocked in waitpid returns EINTR (attach.rs wakes it so).
pub fn catch_sigio() {
    extern "C" fn on_io(_: i32) {}
    // SAFETY: a zeroed sigaction with a valid handler and an empty mask.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_io as *const () as usize;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGIO, &action, std::ptr::null_mut());
    }
}

/// Blocks every signal in the calling thread (a helper thread: process-directed signals
/// then go to the tracing thread).
pub fn block_all_signals() {
    // SAFETY: a filled set, applied to the calling thread only.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, std::ptr::null_mut());
    }
}

/// SIGIO to one thread of this process.
pub fn wake(tid: Pid) {
    // SAFETY: tgkill takes integers only.
    unsafe {
        libc::syscall(libc::SYS_tgkill, libc::getpid(), tid.as_raw(), libc::SIGIO);
    }
}

/// CLOCK_MONOTONIC in nanoseconds (the library's clock for its requests).
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a live timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}
