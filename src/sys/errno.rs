//! A typed errno. The value travels as data; only `abi::errno` ever stores it in C's `errno`.

/// An error number from the kernel (a positive `E*` value).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Errno(i32);

impl Errno {
    pub const INTR: Errno = Errno(libc::EINTR);
    pub const AGAIN: Errno = Errno(libc::EAGAIN);
    pub const INPROGRESS: Errno = Errno(libc::EINPROGRESS);
    pub const INVAL: Errno = Errno(libc::EINVAL);
    pub const FAULT: Errno = Errno(libc::EFAULT);
    pub const NOENT: Errno = Errno(libc::ENOENT);
    pub const NOMEM: Errno = Errno(libc::ENOMEM);
    pub const AFNOSUPPORT: Errno = Errno(libc::EAFNOSUPPORT);
    pub const NOSPC: Errno = Errno(libc::ENOSPC);
    pub const PIPE: Errno = Errno(libc::EPIPE);
    pub const TIMEDOUT: Errno = Errno(libc::ETIMEDOUT);
    pub const CONNREFUSED: Errno = Errno(libc::ECONNREFUSED);
    pub const NETUNREACH: Errno = Errno(libc::ENETUNREACH);
    // the exec family's
    pub const ACCES: Errno = Errno(libc::EACCES);
    pub const NOEXEC: Errno = Errno(libc::ENOEXEC);
    pub const NOSYS: Errno = Errno(libc::ENOSYS);
    pub const NOTDIR: Errno = Errno(libc::ENOTDIR);
    pub const NODEV: Errno = Errno(libc::ENODEV);
    pub const STALE: Errno = Errno(libc::ESTALE);
    pub const NAMETOOLONG: Errno = Errno(libc::ENAMETOOLONG);
    pub const TOOBIG: Errno = Errno(libc::E2BIG);
    /// A cancellation point's answer when the thread's cancellation acted (sys::cancel).
    pub const CANCELED: Errno = Errno(libc::ECANCELED);

    pub const fn from_raw(raw: i32) -> Self {
        Errno(raw)
    }

    pub const fn raw(self) -> i32 {
        self.0
    }
}
