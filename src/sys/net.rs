//! Socket syscalls. Pointers from C go to the kernel untouched (`*_raw`), so the kernel's
//! own checks (EFAULT, EINVAL) produce exactly the errno glibc's thin wrappers would.

use super::{decode, decode_fd, decode_unit, syscall, Errno, RawFd};
use libc::{c_void, sockaddr, socklen_t};

/// socket(2).
pub fn socket(domain: i32, ty: i32, protocol: i32) -> Result<RawFd, Errno> {
    // SAFETY: socket takes three integers and touches no user memory.
    decode_fd(unsafe { syscall!(libc::SYS_socket, domain, ty, protocol) })
}

/// The value in an argument register the kernel ignores (connect's 4th, getsockopt's 6th)
/// by which the `netshim run` tracer's seccomp filter knows a call that netshim logs itself
/// or never logs (its own DNS and probe sockets): the filter lets those through without a
/// stop, so each connect is logged exactly once. ASCII "netshim!"; launcher/src/filter.rs
/// holds the same value.
pub const TRACE_MARKER: u64 = 0x6e65_7473_6869_6d21;

/// Whether a call carries `TRACE_MARKER`: `Logged` for calls netshim logs (or must never
/// log), `ForTracer` for a program's calls that the library does not log (logging off),
/// which the tracer then logs if it runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Logged,
    ForTracer,
}

impl Mark {
    pub(super) fn value(self) -> usize {
        match self {
            Mark::Logged => TRACE_MARKER as usize,
            Mark::ForTracer => 0,
        }
    }
}

/// connect(2) with a pointer and length exactly as the caller gave them. The kernel
/// copies at most `len` bytes from `addr` and answers EFAULT for a bad pointer.
pub fn connect_raw(
    fd: RawFd,
    addr: *const sockaddr,
    len: socklen_t,
    mark: Mark,
) -> Result<(), Errno> {
    // SAFETY: the kernel validates `addr` against the caller's address space before it
    // reads it (copy_from_user); nothing in this process is read or written by us. The
    // fourth argument is unused by connect (the tracer's marker).
    decode_unit(unsafe { syscall!(libc::SYS_connect, fd, addr, len, mark.value()) })
}

/// connect(2) to an address held in a byte buffer (the resolver's own sockets): a
/// cancellation point, as glibc's resolver and source probes use its cancellable `__connect`.
pub fn connect(fd: RawFd, addr: &[u8]) -> Result<(), Errno> {
    super::cancel::connect(fd, addr.as_ptr().cast(), addr.len() as socklen_t)
}

/// getsockopt(2) with caller pointers, untouched.
pub fn getsockopt_raw(
    fd: RawFd,
    level: i32,
    name: i32,
    value: *mut c_void,
    len: *mut socklen_t,
    mark: Mark,
) -> Result<(), Errno> {
    // SAFETY: the kernel validates `value` and `len` (EFAULT) before writing them; the
    // sixth argument is unused by getsockopt (the tracer's marker).
    decode_unit(unsafe {
        syscall!(
            libc::SYS_getsockopt,
            fd,
            level,
            name,
            value,
            len,
            mark.value()
        )
    })
}

/// getsockopt(2) for an `int` option.
pub fn getsockopt_int(fd: RawFd, level: i32, name: i32) -> Result<i32, Errno> {
    let mut value: i32 = 0;
    let mut len = core::mem::size_of::<i32>() as socklen_t;
    getsockopt_raw(
        fd,
        level,
        name,
        (&mut value as *mut i32).cast(),
        &mut len,
        Mark::Logged,
    )?;
    Ok(value)
}

/// setsockopt(2) from a byte slice.
pub fn setsockopt(fd: RawFd, level: i32, name: i32, value: &[u8]) -> Result<(), Errno> {
    // SAFETY: `value` is a live slice of `value.len()` bytes; the kernel only reads it.
    decode_unit(unsafe {
        syscall!(
            libc::SYS_setsockopt,
            fd,
            level,
            name,
            value.as_ptr(),
            value.len()
        )
    })
}

/// bind(2) to an address held in a byte buffer.
pub fn bind(fd: RawFd, addr: &[u8]) -> Result<(), Errno> {
    // SAFETY: `addr` is a live slice; the kernel reads at most `addr.len()` bytes.
    decode_unit(unsafe { syscall!(libc::SYS_bind, fd, addr.as_ptr(), addr.len()) })
}

/// getsockname(2) into `buf`; returns the kernel's full address length (may exceed `buf`).
pub fn getsockname(fd: RawFd, buf: &mut [u8]) -> Result<usize, Errno> {
    let mut len = buf.len() as socklen_t;
    // SAFETY: `buf` is writable for `len` bytes and `len` is a live local; the kernel writes
    // at most `len` bytes and then the real length into `len`.
    decode_unit(unsafe {
        syscall!(
            libc::SYS_getsockname,
            fd,
            buf.as_mut_ptr(),
            &mut len as *mut socklen_t
        )
    })?;
    Ok(len as usize)
}

/// sendto(2); `dest` empty means a connected socket.
pub fn sendto(fd: RawFd, data: &[u8], flags: i32, dest: &[u8]) -> Result<usize, Errno> {
    let (ptr, len) = if dest.is_empty() {
        (core::ptr::null(), 0)
    } else {
        (dest.as_ptr(), dest.len())
    };
    // SAFETY: `data` and `dest` are live slices the kernel only reads.
    decode(unsafe {
        syscall!(
            libc::SYS_sendto,
            fd,
            data.as_ptr(),
            data.len(),
            flags,
            ptr,
            len
        )
    })
}

/// recvfrom(2): fills `buf`, writes the sender into `from` and returns (bytes, from length).
pub fn recvfrom(
    fd: RawFd,
    buf: &mut [u8],
    flags: i32,
    from: &mut [u8],
) -> Result<(usize, usize), Errno> {
    let mut from_len = from.len() as socklen_t;
    // SAFETY: `buf` and `from` are writable slices of the given lengths; `from_len` is a
    // live local the kernel updates.
    let n = decode(unsafe {
        syscall!(
            libc::SYS_recvfrom,
            fd,
            buf.as_mut_ptr(),
            buf.len(),
            flags,
            from.as_mut_ptr(),
            &mut from_len as *mut socklen_t
        )
    })?;
    Ok((n, from_len as usize))
}

/// recv(2) into the spare capacity of `buf`, which is left holding exactly the datagram
/// (its length set to what the kernel wrote). A 64 KiB reply buffer is then never zeroed:
/// the resolver reads only the bytes received.
pub fn recv_into(fd: RawFd, buf: &mut alloc::vec::Vec<u8>, flags: i32) -> Result<usize, Errno> {
    buf.clear();
    let room = buf.capacity();
    // SAFETY: the kernel writes at most `room` bytes at `buf`'s start, inside its
    // allocation; nothing is read from there before `set_len`.
    let n = decode(unsafe {
        syscall!(
            libc::SYS_recvfrom,
            fd,
            buf.as_mut_ptr(),
            room,
            flags,
            core::ptr::null_mut::<u8>(),
            core::ptr::null_mut::<socklen_t>()
        )
    })?;
    let n = n.min(room);
    // SAFETY: the kernel initialised the first `n` bytes (n ≤ capacity).
    unsafe { buf.set_len(n) };
    Ok(n)
}

/// sendmmsg(2) on a connected socket: sends each slice as one datagram and returns how
/// many went out (glibc sends A and AAAA this way, in one syscall).
pub fn sendmmsg(fd: RawFd, datagrams: &[&[u8]], flags: i32) -> Result<usize, Errno> {
    const MAX: usize = 2; // the resolver sends at most A and AAAA together
    let count = datagrams.len().min(MAX);
    // SAFETY: all-zero bytes are a valid iovec and mmsghdr (null pointers, zero lengths).
    let mut iov: [libc::iovec; MAX] = unsafe { core::mem::zeroed() };
    // SAFETY: as above.
    let mut msgs: [libc::mmsghdr; MAX] = unsafe { core::mem::zeroed() };
    for (i, d) in datagrams.iter().take(count).enumerate() {
        iov[i].iov_base = d.as_ptr() as *mut c_void;
        iov[i].iov_len = d.len();
    }
    for (i, m) in msgs.iter_mut().take(count).enumerate() {
        m.msg_hdr.msg_iov = &mut iov[i];
        m.msg_hdr.msg_iovlen = 1;
    }
    // SAFETY: `msgs` and `iov` are live locals describing live, read-only slices; the kernel
    // reads them and writes only `msg_len` inside `msgs`.
    decode(unsafe { syscall!(libc::SYS_sendmmsg, fd, msgs.as_mut_ptr(), count, flags) })
}

/// The kernel's `struct ifreq` for SIOCGIFINDEX / SIOCGIFNAME: a 16-byte name and a union
/// whose first member is the index (the union is 24 bytes on 64-bit ABIs).
#[repr(C)]
struct IfReq {
    name: [u8; libc::IFNAMSIZ],
    index: i32,
    _pad: [u8; 20],
}
const _: () = assert!(core::mem::size_of::<IfReq>() == core::mem::size_of::<libc::ifreq>());

fn ifreq_ioctl(request: u64, req: &mut IfReq) -> Result<(), Errno> {
    let fd = socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0)?;
    // SAFETY: `req` is a live, writable ifreq-sized struct; SIOCGIFINDEX/SIOCGIFNAME read
    // and write only within it.
    let ret = decode_unit(unsafe { syscall!(libc::SYS_ioctl, fd, request, req as *mut IfReq) });
    let _ = super::fs::close(fd);
    ret
}

/// if_nametoindex(3): 0 when there is no such interface (or the name does not fit).
pub fn if_nametoindex(name: &[u8]) -> u32 {
    if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains(&0) {
        return 0;
    }
    let mut req = IfReq {
        name: [0; libc::IFNAMSIZ],
        index: 0,
        _pad: [0; 20],
    };
    req.name[..name.len()].copy_from_slice(name);
    match ifreq_ioctl(libc::SIOCGIFINDEX, &mut req) {
        Ok(()) if req.index > 0 => req.index as u32,
        _ => 0,
    }
}

/// if_indextoname(3): writes the name into `out` and returns its length.
pub fn if_indextoname(index: u32, out: &mut [u8; libc::IFNAMSIZ]) -> Option<usize> {
    if index == 0 || index > i32::MAX as u32 {
        return None;
    }
    let mut req = IfReq {
        name: [0; libc::IFNAMSIZ],
        index: index as i32,
        _pad: [0; 20],
    };
    ifreq_ioctl(libc::SIOCGIFNAME, &mut req).ok()?;
    let len = req
        .name
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(libc::IFNAMSIZ);
    out[..len].copy_from_slice(&req.name[..len]);
    Some(len)
}
