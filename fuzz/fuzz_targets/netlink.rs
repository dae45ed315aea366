//! Feeds arbitrary bytes to the NETLINK_ROUTE address-dump reader (src/resolve/addrconfig.rs)
//! as the buffers one dump's reads return. The first four bytes are the request's sequence
//! number and the next two split the rest into two reads. Any panic or hang is a bug, and so
//! is an address that no RTM_NEWADDR message in the input could hold.
//! Run: `cargo +nightly fuzz run netlink` in this folder.
#![no_main]

extern crate alloc;

use libfuzzer_sys::fuzz_target;

#[path = "../shim/mod.rs"]
mod shim;
use shim::sys;

#[allow(dead_code)]
#[path = "../../src/resolve/addrconfig.rs"]
mod addrconfig;

use addrconfig::{parse_dump, Interfaces, Progress};

/// nlmsghdr (16) + ifaddrmsg (8) + one rtattr header (4) + an IPv4 address (4).
const SMALLEST_ADDRESS_MESSAGE: usize = 32;

fuzz_target!(|data: &[u8]| {
    let [a, b, c, d, s0, s1, rest @ ..] = data else {
        return;
    };
    let seq = u32::from_ne_bytes([*a, *b, *c, *d]);
    let split = usize::from(u16::from_ne_bytes([*s0, *s1])).min(rest.len());
    let mut found = Interfaces::default();
    for buf in [&rest[..split], &rest[split..]] {
        if parse_dump(buf, seq, &mut found) != Progress::More {
            break;
        }
    }
    assert!(found.addrs.len() <= rest.len() / SMALLEST_ADDRESS_MESSAGE);
});
