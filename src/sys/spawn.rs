//! The syscalls of a posix_spawn made here (abi/spawn.rs): a child made with
//! clone(CLONE_VFORK) without CLONE_VM — its own copy of memory, so nothing it does can
//! touch the parent's, and the parent suspended until it execs or exits — and the steps
//! glibc 2.36's __spawni_child takes before the exec, as raw syscalls. An error found in the
//! child goes back through a shared anonymous page, which no file action can close.

use super::{decode, decode_unit, syscall, Errno, RawFd};

/// The attributes of <spawn.h>'s posix_spawnattr_t that the child applies (glibc's layout).
#[repr(C)]
pub struct Attr {
    pub flags: i16,
    pub pgrp: i32,
    pub sd: [u64; 16],
    pub ss: [u64; 16],
    pub sched_priority: i32,
    pub policy: i32,
    pub pad: [i32; 16],
}

/// One file action (glibc's private `struct __spawn_action`, posix/spawn_int.h of 2.36: an
/// enum tag, then at offset 8 a union whose largest member is the open action).
#[repr(C)]
pub struct Action {
    pub tag: i32,
    pad: i32,
    union: [u8; 24],
}

impl Action {
    fn int(&self, at: usize) -> i32 {
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.union[at..at + 4]);
        i32::from_ne_bytes(b)
    }
    fn word(&self, at: usize) -> usize {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.union[at..at + 8]);
        u64::from_ne_bytes(b) as usize
    }
    /// close_action.fd, dup2_action.fd, open_action.fd, fchdir_action.fd,
    /// closefrom_action.from, setpgrp_action.fd: the union's first int.
    fn fd(&self) -> i32 {
        self.int(0)
    }
}

/// <spawn.h>'s posix_spawn_file_actions_t.
#[repr(C)]
pub struct Actions {
    pub allocated: i32,
    pub used: i32,
    pub actions: *const Action,
    pub pad: [i32; 16],
}

pub const CLOSE: i32 = 0;
pub const DUP2: i32 = 1;
pub const OPEN: i32 = 2;
pub const CHDIR: i32 = 3;
pub const FCHDIR: i32 = 4;
pub const CLOSEFROM: i32 = 5;
pub const TCSETPGRP: i32 = 6;

pub const RESETIDS: i16 = 0x01;
pub const SETPGROUP: i16 = 0x02;
pub const SETSIGDEF: i16 = 0x04;
pub const SETSIGMASK: i16 = 0x08;
pub const SETSCHEDPARAM: i16 = 0x10;
pub const SETSCHEDULER: i16 = 0x20;
pub const SETSID: i16 = 0x80;

/// The kernel's struct sigaction (rt_sigaction with an 8-byte mask).
#[repr(C)]
struct KernelSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

/// A page both processes see after the fork: the child's error number.
pub struct Shared(*mut i32);

impl Shared {
    pub fn new() -> Result<Shared, Errno> {
        // SAFETY: an anonymous mapping: no pointer in, a new page out.
        let p = decode(unsafe {
            syscall!(
                libc::SYS_mmap,
                0,
                4096,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1i64,
                0
            )
        })?;
        Ok(Shared(p as *mut i32))
    }
    pub fn set(&self, e: i32) {
        // SAFETY: the page is mapped, writable and 4-byte aligned for both processes.
        unsafe { core::ptr::write_volatile(self.0, e) }
    }
    pub fn get(&self) -> i32 {
        // SAFETY: as in `set`.
        unsafe { core::ptr::read_volatile(self.0) }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // SAFETY: the page this value mapped.
        unsafe { syscall!(libc::SYS_munmap, self.0, 4096) };
    }
}

/// fork() with the parent suspended until the child execs or exits: the child's pid in the
/// parent, 0 in the child.
pub fn vfork_copy() -> Result<i32, Errno> {
    // SAFETY: clone without CLONE_VM and without a new stack is fork: the child goes on in a
    // copy of this stack. The caller's child code makes raw syscalls only (no allocation,
    // no lock another thread could hold) until it execs or exits.
    decode(unsafe {
        syscall!(
            libc::SYS_clone,
            libc::CLONE_VFORK | libc::SIGCHLD,
            0,
            0,
            0,
            0
        )
    })
    .map(|p| p as i32)
}

/// In the child: every handled signal back to SIG_DFL (and those of `sigdef`), glibc's two
/// internal signals ignored, ignored ones left ignored, as __spawni_child does.
pub fn reset_handlers(sigdef: Option<u64>) {
    for sig in 1..=64usize {
        let bit = 1u64 << (sig - 1);
        let mut old = KernelSigaction {
            handler: 0,
            flags: 0,
            restorer: 0,
            mask: 0,
        };
        let new_handler = if sigdef.is_some_and(|d| d & bit != 0) {
            0 // SIG_DFL
        } else if sig == 32 || sig == 33 {
            1 // SIG_IGN: glibc's SIGCANCEL and SIGSETXID
        } else {
            // SAFETY: a live struct of the kernel's layout for the old action.
            if decode(unsafe {
                syscall!(
                    libc::SYS_rt_sigaction,
                    sig,
                    0,
                    &mut old as *mut KernelSigaction,
                    8
                )
            })
            .is_err()
            {
                continue;
            }
            if old.handler == 1 {
                continue; // SIG_IGN stays
            }
            0
        };
        let new = KernelSigaction {
            handler: new_handler,
            flags: 0,
            restorer: 0,
            mask: 0,
        };
        // SAFETY: a live struct of the kernel's layout; SIGKILL and SIGSTOP answer EINVAL.
        unsafe {
            syscall!(
                libc::SYS_rt_sigaction,
                sig,
                &new as *const KernelSigaction,
                0,
                8
            )
        };
    }
}

/// In the child: the attributes before the file actions, in glibc's order.
pub fn apply_attr(attr: &Attr) -> Result<(), Errno> {
    let f = attr.flags;
    let param = attr.sched_priority;
    if f & (SETSCHEDPARAM | SETSCHEDULER) == SETSCHEDPARAM {
        // SAFETY: a live int (struct sched_param).
        decode_unit(unsafe { syscall!(libc::SYS_sched_setparam, 0, &param as *const i32) })?;
    } else if f & SETSCHEDULER != 0 {
        // SAFETY: as above.
        decode_unit(unsafe {
            syscall!(
                libc::SYS_sched_setscheduler,
                0,
                attr.policy,
                &param as *const i32
            )
        })?;
    }
    if f & SETSID != 0 {
        // SAFETY: no arguments.
        decode(unsafe { syscall!(libc::SYS_setsid) })?;
    }
    if f & SETPGROUP != 0 {
        // SAFETY: integers only.
        decode_unit(unsafe { syscall!(libc::SYS_setpgid, 0, attr.pgrp) })?;
    }
    if f & RESETIDS != 0 {
        // SAFETY: integers only.
        unsafe {
            let uid = syscall!(libc::SYS_getuid);
            decode_unit(syscall!(
                libc::SYS_setresuid,
                -1i32 as u32,
                uid,
                -1i32 as u32
            ))?;
            let gid = syscall!(libc::SYS_getgid);
            decode_unit(syscall!(
                libc::SYS_setresgid,
                -1i32 as u32,
                gid,
                -1i32 as u32
            ))?;
        }
    }
    Ok(())
}

/// Whether glibc's file actions are all of kinds this module performs.
pub fn known(actions: &[Action]) -> bool {
    actions.iter().all(|a| (CLOSE..=TCSETPGRP).contains(&a.tag))
}

/// In the child: one file action, as __spawni_child performs it. `pgrp` is the process
/// group tcsetpgrp gives the terminal.
///
/// # Safety
/// The paths in `a` are the caller's NUL-terminated strings (the kernel validates them).
pub unsafe fn apply_action(a: &Action, pgrp: i32) -> Result<(), Errno> {
    // SAFETY: every call below hands integers, or the caller's paths, to the kernel.
    unsafe {
        match a.tag {
            CLOSE => {
                let fd = a.fd();
                if let Err(e) = decode_unit(syscall!(libc::SYS_close, fd)) {
                    // Errors count only for numbers out of range.
                    let mut lim = [0u64; 2];
                    syscall!(
                        libc::SYS_prlimit64,
                        0,
                        libc::RLIMIT_NOFILE,
                        0,
                        lim.as_mut_ptr()
                    );
                    if fd < 0 || fd as u64 >= lim[0] {
                        return Err(e);
                    }
                }
                Ok(())
            }
            OPEN => {
                // open_action: fd at 0, path at 8, oflag at 16, mode at 20.
                let (want, path, oflag, mode) = (a.fd(), a.word(8), a.int(16), a.int(20) as u32);
                syscall!(libc::SYS_close, want);
                let fd = decode(syscall!(
                    libc::SYS_openat,
                    libc::AT_FDCWD,
                    path,
                    oflag | libc::O_LARGEFILE,
                    mode
                ))? as RawFd;
                if fd != want {
                    decode(syscall!(libc::SYS_dup3, fd, want, 0))?;
                    decode_unit(syscall!(libc::SYS_close, fd))?;
                }
                Ok(())
            }
            DUP2 => {
                let (fd, newfd) = (a.fd(), a.int(4));
                if fd == newfd {
                    let flags = decode(syscall!(libc::SYS_fcntl, fd, libc::F_GETFD))?;
                    decode(syscall!(
                        libc::SYS_fcntl,
                        fd,
                        libc::F_SETFD,
                        flags & !(libc::FD_CLOEXEC as usize)
                    ))?;
                } else {
                    decode(syscall!(libc::SYS_dup3, fd, newfd, 0))?;
                }
                Ok(())
            }
            CHDIR => decode_unit(syscall!(libc::SYS_chdir, a.word(0))),
            FCHDIR => decode_unit(syscall!(libc::SYS_fchdir, a.fd())),
            CLOSEFROM => close_from(a.fd()),
            TCSETPGRP => {
                let pgid = pgrp;
                decode_unit(syscall!(
                    libc::SYS_ioctl,
                    a.fd(),
                    libc::TIOCSPGRP,
                    &pgid as *const i32
                ))
            }
            _ => Err(Errno::INVAL),
        }
    }
}

/// closefrom(low): close_range, or where the kernel lacks it (before 5.9) every number
/// /proc/self/fd lists from `low` up, as glibc's fallback does.
fn close_from(low: i32) -> Result<(), Errno> {
    // SAFETY: integers only.
    if decode_unit(unsafe { syscall!(libc::SYS_close_range, low, !0u32, 0) }).is_ok() {
        return Ok(());
    }
    let dir = super::fs::open(
        b"/proc/self/fd\0",
        libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        0,
    )?;
    let mut buf = [0u8; 2048];
    loop {
        let mut closed = false;
        loop {
            // SAFETY: `buf` is writable for its length.
            let n = match decode(unsafe {
                syscall!(libc::SYS_getdents64, dir, buf.as_mut_ptr(), buf.len())
            }) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let mut at = 0;
            while at + 19 < n {
                let reclen = usize::from(u16::from_ne_bytes([buf[at + 16], buf[at + 17]]));
                if reclen == 0 {
                    break;
                }
                let name = &buf[at + 19..(at + reclen).min(n)];
                let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
                let fd = name.iter().try_fold(0i32, |v, &d| {
                    d.is_ascii_digit()
                        .then(|| v.saturating_mul(10).saturating_add(i32::from(d - b'0')))
                });
                if let Some(fd) = fd.filter(|&fd| fd >= low && fd != dir && !name.is_empty()) {
                    let _ = super::fs::close(fd);
                    closed = true;
                }
                at += reclen;
            }
        }
        // Closing while reading may hide entries: read again until a pass closes nothing.
        // SAFETY: integers only.
        if !closed || unsafe { syscall!(libc::SYS_lseek, dir, 0, libc::SEEK_SET) } != 0 {
            break;
        }
    }
    let _ = super::fs::close(dir);
    Ok(())
}

/// The calling process's process group.
pub fn getpgid() -> i32 {
    // SAFETY: an integer only.
    unsafe { syscall!(libc::SYS_getpgid, 0) as i32 }
}

/// Reaps a child (waitpid(pid, NULL, 0)).
pub fn reap(pid: i32) {
    loop {
        // SAFETY: no status pointer.
        let r = decode(unsafe { syscall!(libc::SYS_wait4, pid, 0, 0, 0) });
        if r != Err(Errno::INTR) {
            return;
        }
    }
}

/// Ends the child: exit_group(127), glibc's SPAWN_ERROR.
pub fn child_exit() -> ! {
    loop {
        // SAFETY: an integer only.
        unsafe { syscall!(libc::SYS_exit_group, 127) };
    }
}
