//! The exported C functions, and nothing else.
//!
//! # Safety
//! Each export receives raw pointers from C. An export either hands a pointer to the
//! kernel untouched (which validates it and answers EFAULT), or checks it for null and
//! length before reading it, and says so in a `// SAFETY:` line. Nothing here panics on
//! caller input.
#![allow(unsafe_code)]

mod check;
mod connect;
pub(crate) mod errno;
pub(crate) mod exec;
mod getaddrinfo;
mod getnameinfo;
mod getsockopt;
mod init;
mod socket;
mod spawn;
