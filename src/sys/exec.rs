//! The exec family's syscalls, and what the exec hooks read of the image before it:
//! its first page, its mode and owner, and whether it carries file capabilities.
//! Nothing here allocates: the hooks run in vfork children too.

use super::{decode, decode_fd, decode_unit, syscall, Errno, RawFd};
use core::ffi::c_char;

/// execve(2). Returns only on failure, with the kernel's error.
///
/// # Safety
/// `path`, `argv` and `envp` come from the caller of the exported function and go to the
/// kernel untouched; it validates them (EFAULT).
pub unsafe fn execve(
    path: *const c_char,
    argv: *const *const c_char,
    envp: *const *const c_char,
) -> Errno {
    // SAFETY: see the function's contract.
    match decode(unsafe { syscall!(libc::SYS_execve, path, argv, envp) }) {
        Ok(_) => Errno::INVAL, // execve never returns success
        Err(e) => e,
    }
}

/// execveat(2). Returns only on failure, with the kernel's error.
///
/// # Safety
/// As for [`execve`].
pub unsafe fn execveat(
    dirfd: RawFd,
    path: *const c_char,
    argv: *const *const c_char,
    envp: *const *const c_char,
    flags: i32,
) -> Errno {
    // SAFETY: see the function's contract.
    match decode(unsafe { syscall!(libc::SYS_execveat, dirfd, path, argv, envp, flags) }) {
        Ok(_) => Errno::INVAL,
        Err(e) => e,
    }
}

/// openat(dirfd, path, O_RDONLY|O_CLOEXEC|extra) of a caller's NUL-terminated path.
///
/// # Safety
/// `path` is null or NUL-terminated (the kernel validates the address).
pub unsafe fn open_image(dirfd: RawFd, path: *const c_char, extra: i32) -> Result<RawFd, Errno> {
    // SAFETY: see the function's contract; the kernel reads up to the NUL or fails EFAULT.
    decode_fd(unsafe {
        syscall!(
            libc::SYS_openat,
            dirfd,
            path,
            libc::O_RDONLY | libc::O_CLOEXEC | extra,
            0
        )
    })
}

/// A private anonymous mapping of zeroed pointers, for argument lists too long for a stack
/// frame: made and unmapped by raw syscalls, so that no malloc lock is taken (the exec
/// family runs in vfork children, where another thread of the parent may hold it).
pub struct Pointers {
    addr: *mut *const c_char,
    len: usize,
    bytes: usize,
}

impl Pointers {
    pub fn new(len: usize) -> Result<Pointers, Errno> {
        let bytes = len
            .checked_mul(core::mem::size_of::<*const c_char>())
            .ok_or(Errno::TOOBIG)?;
        // SAFETY: an anonymous mapping: no pointer in, new zero-filled pages out.
        let addr = decode(unsafe {
            syscall!(
                libc::SYS_mmap,
                0usize,
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1isize,
                0usize
            )
        })?;
        Ok(Pointers {
            addr: addr as *mut *const c_char,
            len,
            bytes,
        })
    }

    pub fn as_mut_slice(&mut self) -> &mut [*const c_char] {
        // SAFETY: the mapping holds `len` pointer-sized, page-aligned, zeroed (null) slots,
        // and is ours until drop.
        unsafe { core::slice::from_raw_parts_mut(self.addr, self.len) }
    }
}

impl Drop for Pointers {
    fn drop(&mut self) {
        // SAFETY: the mapping this value made.
        let _ = unsafe { syscall!(libc::SYS_munmap, self.addr, self.bytes) };
    }
}

/// pread(2) from offset 0 until `buf` is full or the file ends.
pub fn read_head(fd: RawFd, buf: &mut [u8]) -> usize {
    let mut got = 0;
    while got < buf.len() {
        let rest = &mut buf[got..];
        // SAFETY: `rest` is writable for its length.
        match decode(unsafe { syscall!(libc::SYS_pread64, fd, rest.as_mut_ptr(), rest.len(), got) })
        {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(Errno::INTR) => continue,
            Err(_) => break,
        }
    }
    got
}

/// What the kernel's exec looks at to grant privilege: the set-uid and set-gid bits (with
/// the owner and group they would give) and a `security.capability` attribute.
pub struct Privilege {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub capabilities: bool,
}

impl Privilege {
    /// Whether exec would change the credentials of a process with these real and
    /// effective ids (the kernel grants set-uid only to another uid, and the same for gid;
    /// file capabilities always count: they may raise the permitted set).
    pub fn gains(&self, euid: u32, egid: u32) -> bool {
        (self.mode & libc::S_ISUID != 0 && self.uid != euid)
            || (self.mode & libc::S_ISGID != 0
                && self.mode & libc::S_IXGRP != 0
                && self.gid != egid)
            || self.capabilities
    }
}

/// The privilege an exec of the file open at `fd` (any mode, O_PATH too) would give;
/// `proc_path` is its /proc/self/fd/N name, NUL-terminated (an O_PATH fd takes no fgetxattr).
pub fn privilege(fd: RawFd, proc_path: &[u8]) -> Result<Privilege, Errno> {
    // SAFETY: all-zero bytes are a valid `struct stat`.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: `st` is a live, writable `struct stat` of the kernel's layout.
    decode_unit(unsafe { syscall!(libc::SYS_fstat, fd, &mut st as *mut libc::stat) })?;
    // A size query: the attribute's value is not needed, only whether it exists.
    // SAFETY: both names are NUL-terminated; a null buffer of size 0 asks for the size only.
    let caps = unsafe {
        syscall!(
            libc::SYS_getxattr,
            proc_path.as_ptr(),
            c"security.capability".as_ptr(),
            core::ptr::null_mut::<u8>(),
            0
        )
    };
    Ok(Privilege {
        mode: st.st_mode,
        uid: st.st_uid,
        gid: st.st_gid,
        capabilities: decode(caps).is_ok(),
    })
}

/// The effective user and group ids.
pub fn effective_ids() -> (u32, u32) {
    // SAFETY: geteuid and getegid take no arguments and cannot fail.
    unsafe {
        (
            syscall!(libc::SYS_geteuid) as u32,
            syscall!(libc::SYS_getegid) as u32,
        )
    }
}

/// Copies `buf.len()` bytes from this process's own address `addr` with process_vm_readv,
/// which answers EFAULT where a plain read would crash: for pointers a caller passed that
/// the kernel has not validated yet (an exec's environment). The number of bytes copied:
/// fewer when the memory ends (or is not mapped) before.
pub fn read_own(addr: usize, buf: &mut [u8]) -> usize {
    if addr == 0 || buf.is_empty() {
        return 0;
    }
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: getpid takes no arguments (the raw call: a vfork child has its own pid).
    let pid = unsafe { syscall!(libc::SYS_getpid) };
    // SAFETY: `local` describes `buf`, writable for its length; the kernel checks `remote`.
    let got = decode(unsafe {
        syscall!(
            libc::SYS_process_vm_readv,
            pid,
            &local as *const libc::iovec,
            1,
            &remote as *const libc::iovec,
            1,
            0
        )
    });
    match got {
        Ok(n) => n,
        // A range that crosses into an unmapped page fails as a whole: read up to the page
        // boundary alone then.
        Err(_) => {
            let to_page = 4096 - (addr & 4095);
            if to_page < buf.len() {
                read_own(addr, &mut buf[..to_page])
            } else {
                0
            }
        }
    }
}

/// Whether a NUL-terminated path names a regular file this process may execute: the
/// kernel's own check with the effective ids (faccessat2 AT_EACCESS; it also refuses a file
/// on a noexec mount), then not a directory.
pub fn executable(path: &[u8]) -> bool {
    if path.last() != Some(&0) {
        return false;
    }
    // SAFETY: a NUL-terminated path.
    let r = decode(unsafe {
        syscall!(
            libc::SYS_faccessat2,
            libc::AT_FDCWD,
            path.as_ptr(),
            libc::X_OK,
            libc::AT_EACCESS
        )
    });
    let ok = match r {
        Ok(_) => true,
        // SAFETY: as above (kernels before 5.8: the real ids, which a program that is not
        // set-uid shares).
        Err(Errno::NOSYS) => decode(unsafe {
            syscall!(
                libc::SYS_faccessat,
                libc::AT_FDCWD,
                path.as_ptr(),
                libc::X_OK
            )
        })
        .is_ok(),
        Err(_) => false,
    };
    ok && super::fs::stat(path).is_ok_and(|id| id.mode & libc::S_IFMT == libc::S_IFREG)
}

/// Opens an image for the exec hooks' checks without ever blocking (an O_RDONLY open of a
/// FIFO or a device would): O_PATH first, and only a regular file is then opened for
/// reading, through /proc/self/fd. Some((fd, true)) readable; Some((fd, false)) an O_PATH
/// fd of a file the caller may not read (it may still execute it); None for anything else.
///
/// # Safety
/// As for [`open_image`].
pub unsafe fn open_for_check(
    dirfd: RawFd,
    path: *const c_char,
    extra: i32,
) -> Option<(RawFd, bool)> {
    // SAFETY: see the function's contract.
    let fd = unsafe { open_image(dirfd, path, libc::O_PATH | extra) }.ok()?;
    if !super::fs::fstat(fd).is_ok_and(|id| id.mode & libc::S_IFMT == libc::S_IFREG) {
        let _ = super::fs::close(fd);
        return None;
    }
    let mut proc_path = [0u8; 32];
    let n = proc_fd_path(fd, &mut proc_path);
    match super::fs::open(&proc_path[..n], libc::O_RDONLY | libc::O_CLOEXEC, 0) {
        Ok(readable) => {
            let _ = super::fs::close(fd);
            Some((readable, true))
        }
        Err(Errno::ACCES) => Some((fd, false)),
        Err(_) => {
            let _ = super::fs::close(fd);
            None
        }
    }
}

/// [`open_for_check`] of a NUL-terminated path of our own.
pub fn open_path_for_check(path: &[u8]) -> Option<(RawFd, bool)> {
    if path.last() != Some(&0) {
        return None;
    }
    // SAFETY: a live NUL-terminated buffer.
    unsafe { open_for_check(libc::AT_FDCWD, path.as_ptr().cast(), 0) }
}

/// [`open_for_check`] of the file an fd names (fexecve, execveat with AT_EMPTY_PATH).
pub fn reopen_for_check(fd: RawFd) -> Option<(RawFd, bool)> {
    if fd < 0 {
        return None;
    }
    let mut proc_path = [0u8; 32];
    let n = proc_fd_path(fd, &mut proc_path);
    open_path_for_check(&proc_path[..n])
}

/// "/proc/self/fd/N\0" in `out`; its length with the NUL.
pub fn proc_fd_path(fd: RawFd, out: &mut [u8; 32]) -> usize {
    const PREFIX: &[u8] = b"/proc/self/fd/";
    out[..PREFIX.len()].copy_from_slice(PREFIX);
    let mut digits = [0u8; 10];
    let mut v = fd.unsigned_abs();
    let mut d = 0;
    loop {
        digits[d] = b'0' + (v % 10) as u8;
        d += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let mut n = PREFIX.len();
    for i in (0..d).rev() {
        out[n] = digits[i];
        n += 1;
    }
    out[n] = 0;
    n + 1
}
