//! Files: enough to read configuration files and write log lines.

use super::{decode, decode_fd, decode_unit, syscall, Errno, RawFd};

/// openat(AT_FDCWD, path, flags, mode). `path` must end with a NUL byte.
pub fn open(path: &[u8], flags: i32, mode: u32) -> Result<RawFd, Errno> {
    if path.last() != Some(&0) {
        return Err(Errno::INVAL);
    }
    // SAFETY: `path` is a live NUL-terminated buffer; the kernel reads up to the NUL.
    decode_fd(unsafe { syscall!(libc::SYS_openat, libc::AT_FDCWD, path.as_ptr(), flags, mode) })
}

/// read(2) into `buf`.
pub fn read(fd: RawFd, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: `buf` is writable for `buf.len()` bytes.
    decode(unsafe { syscall!(libc::SYS_read, fd, buf.as_mut_ptr(), buf.len()) })
}

/// write(2) from `buf`.
pub fn write(fd: RawFd, buf: &[u8]) -> Result<usize, Errno> {
    // SAFETY: `buf` is readable for `buf.len()` bytes.
    decode(unsafe { syscall!(libc::SYS_write, fd, buf.as_ptr(), buf.len()) })
}

/// close(2). The fd is gone afterwards even on EINTR (Linux semantics): never retry.
pub fn close(fd: RawFd) -> Result<(), Errno> {
    // SAFETY: close takes an integer and touches no user memory.
    decode_unit(unsafe { syscall!(libc::SYS_close, fd) })
}

/// Moves a descriptor of netshim's that landed on 0, 1 or 2 (the program had closed them,
/// e.g. a daemon after closefrom) to the lowest free number from 3 (close-on-exec), so that
/// the program's next open still gets the standard stream number it expects. On failure
/// the descriptor stays where it is.
pub fn above_stdio(fd: RawFd) -> RawFd {
    if !(0..3).contains(&fd) {
        return fd;
    }
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) takes two integers and touches no user memory.
    match decode(unsafe { syscall!(libc::SYS_fcntl, fd, libc::F_DUPFD_CLOEXEC, 3) }) {
        Ok(moved) => {
            let _ = close(fd);
            moved as RawFd
        }
        Err(_) => fd,
    }
}

/// What a configuration cache needs to know whether a file changed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
    pub size: i64,
    pub mtime_sec: i64,
    pub mtime_nsec: i64,
    /// st_mode: the file type bits tell pipes and sockets from files.
    pub mode: u32,
}

fn file_id(st: &libc::stat) -> FileId {
    FileId {
        dev: st.st_dev,
        ino: st.st_ino,
        size: st.st_size,
        mtime_sec: st.st_mtime,
        mtime_nsec: st.st_mtime_nsec,
        mode: st.st_mode,
    }
}

/// fstat(2), reduced to a [`FileId`].
pub fn fstat(fd: RawFd) -> Result<FileId, Errno> {
    // SAFETY: all-zero bytes are a valid `struct stat`.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: `st` is a live, writable `struct stat`; on both ISAs the kernel's layout for
    // fstat/newfstatat is the libc crate's `stat`.
    decode_unit(unsafe { syscall!(libc::SYS_fstat, fd, &mut st as *mut libc::stat) })?;
    Ok(file_id(&st))
}

/// stat(2) of a NUL-terminated path, reduced to a [`FileId`].
pub fn stat(path: &[u8]) -> Result<FileId, Errno> {
    if path.last() != Some(&0) {
        return Err(Errno::INVAL);
    }
    // SAFETY: all-zero bytes are a valid `struct stat`.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: `path` is NUL-terminated and `st` is writable; see `fstat` for the layout.
    decode_unit(unsafe {
        syscall!(
            libc::SYS_newfstatat,
            libc::AT_FDCWD,
            path.as_ptr(),
            &mut st as *mut libc::stat,
            0
        )
    })?;
    Ok(file_id(&st))
}

/// Reads a whole file into a vector, up to `limit` bytes (anything longer is an error, so
/// that a runaway file cannot exhaust memory).
pub fn read_file(path: &[u8], limit: usize) -> Result<alloc::vec::Vec<u8>, Errno> {
    let fd = open(path, libc::O_RDONLY | libc::O_CLOEXEC, 0)?;
    let result = read_all(fd, limit);
    let _ = close(fd);
    result
}

fn read_all(fd: RawFd, limit: usize) -> Result<alloc::vec::Vec<u8>, Errno> {
    // Sized from fstat, so a file is read in one call into a vector of its size (+1 for
    // the read that sees the end), not grown chunk by chunk: no slack kept, few syscalls.
    let hint = fstat(fd).map_or(0, |id| usize::try_from(id.size).unwrap_or(0));
    let mut out = alloc::vec::Vec::with_capacity(hint.min(limit) + 1);
    loop {
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(4096));
        }
        let got = read_spare(fd, &mut out);
        match got {
            Ok(0) => return Ok(out),
            Ok(_) if out.len() > limit => return Err(Errno::NOMEM),
            Ok(_) | Err(Errno::INTR) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// read(2) into the vector's spare capacity, extending it by what was read.
fn read_spare(fd: RawFd, out: &mut alloc::vec::Vec<u8>) -> Result<usize, Errno> {
    let spare = out.spare_capacity_mut();
    // SAFETY: `spare` is writable for `spare.len()` bytes; the kernel writes at most that
    // many and reports how many it wrote.
    let n = decode(unsafe { syscall!(libc::SYS_read, fd, spare.as_mut_ptr(), spare.len()) })?;
    let n = n.min(spare.len());
    // SAFETY: the kernel initialised the first `n` spare bytes (n ≤ the spare capacity).
    unsafe { out.set_len(out.len() + n) };
    Ok(n)
}
