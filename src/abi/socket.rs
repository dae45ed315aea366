use super::errno;
use crate::sys;
use libc::c_int;

/// socket(2): see <https://man7.org/linux/man-pages/man2/socket.2.html>.
/// Every domain, type flag (SOCK_NONBLOCK, SOCK_CLOEXEC) and protocol goes to the kernel
/// as given; return value and errno are the kernel's, as with glibc's wrapper.
/// cbindgen:postfix=__THROW
#[no_mangle]
pub extern "C" fn socket(domain: c_int, r#type: c_int, protocol: c_int) -> c_int {
    errno::finish_fd(sys::net::socket(domain, r#type, protocol))
}
