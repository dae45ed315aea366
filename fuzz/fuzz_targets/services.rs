//! Feeds arbitrary bytes to the services-file parser, then looks up every word of the input
//! as a name and every number as a port, for tcp, udp and sctp; and to getaddrinfo's numeric
//! service rule. Any panic or hang is a bug, and so is a name lookup whose port does not
//! name a service back.
//! Run: `cargo +nightly fuzz run services` in this folder.
#![no_main]

extern crate alloc;

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../src/resolve/lines.rs"]
mod lines;
#[allow(dead_code)]
#[path = "../../src/resolve/services.rs"]
mod services;

const PROTOCOLS: [&[u8]; 3] = [b"tcp", b"udp", b"sctp"];

fuzz_target!(|data: &[u8]| {
    let file = services::parse(data);
    let words = data
        .split(|b| b.is_ascii_whitespace() || *b == b'#' || *b == b'/')
        .filter(|w| !w.is_empty())
        .take(64);
    for word in words {
        let _ = services::parse_port(word);
        for proto in PROTOCOLS {
            if let Some(port) = file.port_of(word, proto) {
                assert!(file.name_of(port, proto).is_some());
            }
        }
    }
    for port in [0u16, 1, 21, 53, 80, 443, 7001, 65535] {
        for proto in PROTOCOLS {
            let _ = file.name_of(port, proto);
        }
    }
    let _ = services::parse_port(data);
});
