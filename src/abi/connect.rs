use super::errno;
use crate::sys::net::Mark;
use crate::{log, sys};
use libc::{c_int, socklen_t};

/// `const struct sockaddr *` under the name glibc's <sys/socket.h> gives it, so that the
/// generated prototype is the system's own even where glibc makes it a transparent union
/// (C with _GNU_SOURCE).
#[allow(non_camel_case_types)]
pub type __CONST_SOCKADDR_ARG = *const libc::sockaddr;

/// The most of a sockaddr the logger looks at: sockaddr_un (110 bytes) fits.
const PEER_MAX: usize = 112;

/// connect(2): see <https://man7.org/linux/man-pages/man2/connect.2.html>.
/// The address goes to the kernel untouched, whatever its family (AF_INET, AF_INET6,
/// AF_UNIX paths and abstract names, AF_NETLINK, …); return value and errno are the
/// kernel's. A pthread cancellation point, as glibc's: a cancellation pending at entry,
/// or requested while it blocks, ends the thread (its cleanup handlers run).
#[no_mangle]
pub extern "C" fn connect(sockfd: c_int, addr: __CONST_SOCKADDR_ARG, addrlen: socklen_t) -> c_int {
    if !log::enabled() {
        // Not logged here: left to the `netshim run` tracer, if one runs (no marker).
        let result = sys::cancel::connect_export(sockfd, addr, addrlen, Mark::ForTracer);
        pass_on_cancellation(&result);
        return errno::finish_unit(result);
    }
    let start = log::now();
    let result = sys::cancel::connect_export(sockfd, addr, addrlen, Mark::Logged);
    let mut peer = [0u8; PEER_MAX];
    let len = copy_peer(addr, addrlen, &result, &mut peer);
    // A cancelled connect is logged too, once, with the result ECANCELED.
    log::connect(sockfd, &peer[..len], result.map_err(|e| e.raw()), start);
    pass_on_cancellation(&result);
    errno::finish_unit(result)
}

/// Ends the thread when the connect's cancellation acted. Nothing in this frame or the
/// export's needs dropping: the unwind that follows crosses plain frames only.
#[inline(always)]
fn pass_on_cancellation(result: &Result<(), sys::Errno>) {
    if *result == Err(sys::Errno::CANCELED) && sys::cancel::acted() {
        sys::cancel::resume();
    }
}

/// Copies the address the kernel read, when it read one: not after EFAULT (the memory is
/// not the caller's) nor EINVAL (the length may be anything).
fn copy_peer(
    addr: __CONST_SOCKADDR_ARG,
    len: socklen_t,
    result: &Result<(), sys::Errno>,
    out: &mut [u8; PEER_MAX],
) -> usize {
    if addr.is_null()
        || matches!(result, Err(e) if *e == sys::Errno::FAULT || *e == sys::Errno::INVAL)
    {
        return 0;
    }
    let n = (len as usize).min(PEER_MAX);
    if *result == Err(sys::Errno::CANCELED) {
        // Cancelled, perhaps before the kernel looked at `addr`: read it only if readable.
        return sys::cancel::read_own_memory(addr.cast(), &mut out[..n]).unwrap_or(0);
    }
    // SAFETY: the kernel accepted `len` bytes at `addr` for this connect (it answers EFAULT
    // or EINVAL otherwise, excluded above), so the first `n <= len` bytes are readable.
    unsafe { core::ptr::copy_nonoverlapping(addr as *const u8, out.as_mut_ptr(), n) };
    n
}
