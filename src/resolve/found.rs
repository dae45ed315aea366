//! What the resolver's steps hand each other: the addresses a node resolved to (`Found`,
//! from the numeric, files and dns steps) and the addrinfo nodes to be (`Entry`, paired
//! with socket types, then sorted). Below gai.rs, sources.rs, from_dns.rs and sort.rs, so
//! that none of them needs another for its types.

use super::Address;
use alloc::vec::Vec;

/// One addrinfo node to be: an address with a socket type, protocol and port.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Entry {
    pub addr: Address,
    pub socktype: i32,
    pub protocol: i32,
    pub port: u16,
}

/// The addresses a node resolved to, before pairing with socket types.
pub struct Found {
    pub addrs: Vec<Address>,
    pub canon: Option<Vec<u8>>,
    /// An IPv6 answer was found (decides whether v4-mapped ones are dropped).
    pub got_ipv6: bool,
}

impl Found {
    pub fn empty() -> Self {
        Found {
            addrs: Vec::new(),
            canon: None,
            got_ipv6: false,
        }
    }
}
