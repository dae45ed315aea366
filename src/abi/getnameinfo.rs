//! getnameinfo(3): C in, `resolve::gni` in Rust, C out.

use super::getaddrinfo::fail;
use crate::resolve::gni::{self, Peer, NI_IDN, NI_NAMEREQD};
use crate::resolve::GaiError;
use core::ffi::{c_char, c_int};
use core::mem::size_of;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use libc::{sockaddr, sockaddr_in, sockaddr_in6, sockaddr_un, socklen_t};

/// getnameinfo(3): see <https://man7.org/linux/man-pages/man3/getnameinfo.3.html>.
///
/// # Safety
/// `addr` is null or readable for `addrlen` bytes; `host` and `serv` are null or writable
/// for `hostlen` and `servlen` bytes: the contract of getnameinfo(3).
#[no_mangle]
pub unsafe extern "C" fn getnameinfo(
    addr: *const sockaddr,
    addrlen: socklen_t,
    host: *mut c_char,
    hostlen: socklen_t,
    serv: *mut c_char,
    servlen: socklen_t,
    flags: c_int,
) -> c_int {
    // A cancellation that acts in a DNS wait is passed on once the lookup has returned
    // and dropped everything (sys::cancel).
    crate::sys::cancel::point(|| {
        // SAFETY: forwarded contract.
        unsafe { lookup(addr, addrlen, host, hostlen, serv, servlen, flags) }
    })
}

/// getnameinfo's body.
///
/// # Safety
/// As for [`getnameinfo`].
unsafe fn lookup(
    addr: *const sockaddr,
    addrlen: socklen_t,
    host: *mut c_char,
    hostlen: socklen_t,
    serv: *mut c_char,
    servlen: socklen_t,
    flags: c_int,
) -> c_int {
    if let Err(e) = gni::check_flags(flags) {
        return fail(e);
    }
    // glibc's order: no family field, then NI_NAMEREQD with nothing to fill, then the
    // family and its length.
    if addr.is_null() || (addrlen as usize) < size_of::<libc::sa_family_t>() {
        return fail(GaiError::Family);
    }
    if flags & NI_NAMEREQD != 0 && host.is_null() && serv.is_null() {
        return fail(GaiError::NoName);
    }
    // SAFETY: forwarded contract: `addr` is readable for `addrlen` bytes when non-null.
    let Some(peer) = (unsafe { peer_of(addr, addrlen) }) else {
        return fail(GaiError::Family);
    };
    if !host.is_null() && hostlen > 0 {
        // libidn2 and the loader may change errno even when they succeed; netshim never does.
        let errno_before = super::errno::saved();
        let text = gni::host(&peer, flags);
        if flags & NI_IDN != 0 {
            super::errno::restore(errno_before);
        }
        let text = match text {
            Ok(text) => text,
            Err(e) => return fail(e),
        };
        // SAFETY: `host` is writable for `hostlen` bytes.
        if let Err(e) = unsafe { copy_out(&text, host, hostlen) } {
            return fail(e);
        }
    }
    if !serv.is_null() && servlen > 0 {
        let text = gni::serv(&peer, flags);
        // SAFETY: `serv` is writable for `servlen` bytes.
        if let Err(e) = unsafe { copy_out(&text, serv, servlen) } {
            return fail(e);
        }
    }
    0
}

/// Reads the socket address after glibc's length checks (EAI_FAMILY when too short or of
/// another family).
///
/// # Safety
/// `addr` is null or readable for `addrlen` bytes.
unsafe fn peer_of<'a>(addr: *const sockaddr, addrlen: socklen_t) -> Option<Peer<'a>> {
    let len = addrlen as usize;
    if addr.is_null() || len < size_of::<libc::sa_family_t>() {
        return None;
    }
    // SAFETY: at least the family field is readable (checked above).
    let family = unsafe { (*addr).sa_family } as c_int;
    match family {
        libc::AF_INET if len >= size_of::<sockaddr_in>() => {
            // SAFETY: `len` covers a sockaddr_in; read_unaligned accepts any alignment.
            let sin = unsafe { (addr as *const sockaddr_in).read_unaligned() };
            let ip = IpAddr::V4(Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes()));
            Some(Peer::Inet {
                ip,
                port: u16::from_be(sin.sin_port),
                scope_id: 0,
            })
        }
        libc::AF_INET6 if len >= size_of::<sockaddr_in6>() => {
            // SAFETY: `len` covers a sockaddr_in6; read_unaligned accepts any alignment.
            let sin6 = unsafe { (addr as *const sockaddr_in6).read_unaligned() };
            let ip = IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr));
            Some(Peer::Inet {
                ip,
                port: u16::from_be(sin6.sin6_port),
                scope_id: sin6.sin6_scope_id,
            })
        }
        libc::AF_UNIX if len >= core::mem::offset_of!(sockaddr_un, sun_path) => {
            let start = core::mem::offset_of!(sockaddr_un, sun_path);
            let avail = len.min(size_of::<sockaddr_un>()) - start;
            // SAFETY: `avail` bytes after the family are inside the caller's `addrlen`.
            let bytes =
                unsafe { core::slice::from_raw_parts((addr as *const u8).add(start), avail) };
            let path = bytes.split(|&b| b == 0).next().unwrap_or_default();
            Some(Peer::Local { path })
        }
        _ => None,
    }
}

/// Copies `text` and a NUL into `dst`, or EAI_OVERFLOW when it does not fit.
///
/// # Safety
/// `dst` is writable for `len` bytes.
unsafe fn copy_out(text: &[u8], dst: *mut c_char, len: socklen_t) -> Result<(), GaiError> {
    if text.len() + 1 > len as usize {
        return Err(GaiError::Overflow);
    }
    // SAFETY: `text.len() + 1 <= len` bytes are written.
    unsafe {
        core::ptr::copy_nonoverlapping(text.as_ptr(), dst as *mut u8, text.len());
        *dst.add(text.len()) = 0;
    }
    Ok(())
}
