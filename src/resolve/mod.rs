//! The resolver: plain safe Rust, no C types. `abi` turns its answers into C.
//!
//! Pipeline (musl's lookup_name.c order, glibc's answers): validate hints → service →
//! node (null, numeric, then the nsswitch `hosts:` sources: files, dns) → socktype and
//! protocol triples → sort (glibc's RFC 3484 rules, gai.conf) → the C list (in abi).
#![forbid(unsafe_code)]

pub mod addrconfig;
mod config;
pub mod dns;
mod found;
mod from_dns;
pub mod gai;
pub mod gaiconf;
pub mod gni;
mod hostconf;
pub mod hostnet;
pub mod hosts;
pub mod idna;
pub mod lines;
mod nsswitch;
pub mod numeric;
pub mod request;
pub mod resolvconf;
pub mod services;
pub mod sockaddr;
pub mod sort;
mod sources;
mod triples;

use core::net::IpAddr;

/// One resolved address. `scope_id` is meaningful for IPv6 only (0 otherwise).
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

/// getaddrinfo's failures, one per glibc EAI_* code; `abi` maps them to glibc's values.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GaiError {
    BadFlags,
    NoName,
    Again,
    Fail,
    NoData,
    Family,
    SockType,
    Service,
    AddrFamily,
    Memory,
    System(crate::sys::Errno),
    Overflow,
    /// EAI_IDN_ENCODE: AI_IDN asked for a name that cannot be converted.
    IdnEncode,
}
