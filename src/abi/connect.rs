use super::errno;
use crate::sys;
use libc::{c_int, socklen_t};

/// `const struct sockaddr *` under the name glibc's <sys/socket.h> gives it, so that the
/// generated prototype is the system's own even where glibc makes it a transparent union
/// (C with _GNU_SOURCE).
#[allow(non_camel_case_types)]
pub type __CONST_SOCKADDR_ARG = *const libc::sockaddr;

/// connect(2): see <https://man7.org/linux/man-pages/man2/connect.2.html>.
/// The address goes to the kernel untouched, whatever its family (AF_INET, AF_INET6,
/// AF_UNIX paths and abstract names, AF_NETLINK, …); return value and errno are the
/// kernel's. Unlike glibc's, this connect is not a pthread cancellation point.
#[no_mangle]
pub extern "C" fn connect(sockfd: c_int, addr: __CONST_SOCKADDR_ARG, addrlen: socklen_t) -> c_int {
    errno::finish_unit(sys::net::connect_raw(sockfd, addr, addrlen))
}
