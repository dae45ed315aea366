//! What the parsers' files name outside themselves, for the fuzz targets that compile them
//! alone (`#[path]`): the crate root's `Address`, and a `sys` whose calls all fail, so that a
//! parser never reaches the kernel. Each target re-exports these at its root, where the
//! files' `super::` and `crate::sys` paths look.
#![allow(dead_code)]

use core::net::IpAddr;

/// The shape of `resolve::Address` (src/resolve/mod.rs), all the hosts parser uses of it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Address {
    pub ip: IpAddr,
    pub scope_id: u32,
}

impl Address {
    pub const fn new(ip: IpAddr) -> Self {
        Address { ip, scope_id: 0 }
    }
}

pub mod sys {
    pub type RawFd = i32;

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct Errno(i32);

    impl Errno {
        pub const INTR: Errno = Errno(libc::EINTR);
        pub const AGAIN: Errno = Errno(libc::EAGAIN);
        pub const INVAL: Errno = Errno(libc::EINVAL);
    }

    pub mod env {
        /// No variable is set: the files alone decide.
        pub fn var(_name: &[u8]) -> Option<&'static [u8]> {
            None
        }
    }

    pub mod net {
        use super::{Errno, RawFd};

        const NO: Errno = Errno(libc::ENOSYS);

        pub fn socket(_domain: i32, _ty: i32, _protocol: i32) -> Result<RawFd, Errno> {
            Err(NO)
        }
        pub fn bind(_fd: RawFd, _addr: &[u8]) -> Result<(), Errno> {
            Err(NO)
        }
        pub fn sendto(_fd: RawFd, _data: &[u8], _flags: i32, _dest: &[u8]) -> Result<usize, Errno> {
            Err(NO)
        }
        pub fn recvfrom(
            _fd: RawFd,
            _buf: &mut [u8],
            _flags: i32,
            _from: &mut [u8],
        ) -> Result<(usize, usize), Errno> {
            Err(NO)
        }
        /// No interface exists here (nameserver fe80::1%eth0 in resolv.conf).
        pub fn if_nametoindex(_name: &[u8]) -> u32 {
            0
        }
    }

    pub mod fs {
        use super::{Errno, RawFd};

        pub fn close(_fd: RawFd) -> Result<(), Errno> {
            Ok(())
        }
    }

    pub mod cancel {
        /// No thread is ever cancelled here.
        pub fn test() -> Result<(), super::Errno> {
            Ok(())
        }
    }

    pub mod time {
        pub fn monotonic() -> u64 {
            0
        }
    }
}
