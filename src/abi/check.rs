//! Compile-time proof that every export has exactly the libc crate's signature
//! (c-scape's idea): the build fails if one ever drifts.

use libc::{c_int, sockaddr, socklen_t};

const _: [extern "C" fn(c_int, c_int, c_int) -> c_int; 1] = [super::socket::socket];
const _: [unsafe extern "C" fn(c_int, c_int, c_int) -> c_int; 2] =
    [super::socket::socket, libc::socket];
const _: [unsafe extern "C" fn(c_int, *const sockaddr, socklen_t) -> c_int; 2] =
    [super::connect::connect, libc::connect];
