use super::errno;
use crate::sys::net::Mark;
use crate::{log, sys};
use libc::{c_int, c_void, socklen_t};

/// getsockopt(2): see <https://man7.org/linux/man-pages/man2/getsockopt.2.html>. A raw
/// pass-through; netshim exports it so that the connect logger sees how non-blocking
/// connects end (event loops ask SO_ERROR once the socket is writable).
/// cbindgen:postfix=__THROW
#[no_mangle]
pub extern "C" fn getsockopt(
    sockfd: c_int,
    level: c_int,
    optname: c_int,
    optval: *mut c_void,
    optlen: *mut socklen_t,
) -> c_int {
    // With logging on, the library logs the connect-done itself; else the tracer may.
    let mark = if log::enabled() {
        Mark::Logged
    } else {
        Mark::ForTracer
    };
    let result = sys::net::getsockopt_raw(sockfd, level, optname, optval, optlen, mark);
    if result.is_ok()
        && log::enabled()
        && level == libc::SOL_SOCKET
        && optname == libc::SO_ERROR
        && !optval.is_null()
        && !optlen.is_null()
    {
        // SAFETY: the kernel just wrote an int option through `optval` and its length
        // through `optlen` (it answered success), so both are readable.
        let so_error = unsafe {
            if *optlen as usize >= core::mem::size_of::<c_int>() {
                (optval as *const c_int).read_unaligned()
            } else {
                0
            }
        };
        log::connect_done(sockfd, so_error);
    }
    errno::finish_unit(result)
}
