//! Compile-time proof that every export has exactly the libc crate's signature
//! (c-scape's idea): the build fails if one ever drifts.

use libc::{addrinfo, c_char, c_int, sockaddr, socklen_t};

const _: [extern "C" fn(c_int, c_int, c_int) -> c_int; 1] = [super::socket::socket];
const _: [unsafe extern "C" fn(c_int, c_int, c_int) -> c_int; 2] =
    [super::socket::socket, libc::socket];
const _: [unsafe extern "C" fn(c_int, *const sockaddr, socklen_t) -> c_int; 2] =
    [super::connect::connect, libc::connect];

type Gai = unsafe extern "C" fn(
    *const c_char,
    *const c_char,
    *const addrinfo,
    *mut *mut addrinfo,
) -> c_int;
const _: [Gai; 2] = [super::getaddrinfo::getaddrinfo, libc::getaddrinfo];
const _: [unsafe extern "C" fn(*mut addrinfo); 2] =
    [super::getaddrinfo::freeaddrinfo, libc::freeaddrinfo];
const _: [unsafe extern "C" fn(c_int) -> *const c_char; 2] =
    [super::getaddrinfo::gai_strerror, libc::gai_strerror];
type Gni = unsafe extern "C" fn(
    *const sockaddr,
    socklen_t,
    *mut c_char,
    socklen_t,
    *mut c_char,
    socklen_t,
    c_int,
) -> c_int;
const _: [Gni; 2] = [super::getnameinfo::getnameinfo, libc::getnameinfo];
type Gso = unsafe extern "C" fn(c_int, c_int, c_int, *mut libc::c_void, *mut socklen_t) -> c_int;
const _: [Gso; 2] = [super::getsockopt::getsockopt, libc::getsockopt];
