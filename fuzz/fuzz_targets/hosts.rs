//! Feeds arbitrary bytes to the hosts-file parser, then looks up every word of the input as a
//! name and every address it accepted. Any panic or hang is a bug, and so is an answer that
//! breaks what a lookup promises (a hit's canonical name is itself a name of the file, its
//! addresses reverse-resolve).
//! Run: `cargo +nightly fuzz run hosts` in this folder (`make fuzz-smoke` runs every target).
#![no_main]

extern crate alloc;

use libfuzzer_sys::fuzz_target;

#[path = "../shim/mod.rs"]
mod shim;
use shim::Address;

// At the crate root, where the parser's `super::` paths look.
#[allow(dead_code)]
#[path = "../../src/resolve/hosts.rs"]
mod hosts;
#[allow(dead_code)]
#[path = "../../src/resolve/lines.rs"]
mod lines;
#[allow(dead_code)]
#[path = "../../src/resolve/numeric.rs"]
mod numeric;
#[allow(dead_code)]
#[path = "../../src/resolve/services.rs"]
mod services;

fuzz_target!(|data: &[u8]| {
    let file = hosts::parse(data);
    let words = data
        .split(|b| b.is_ascii_whitespace() || *b == b'#')
        .filter(|w| !w.is_empty())
        .take(16);
    for word in words {
        let Some(found) = file.lookup(word) else {
            continue;
        };
        assert!(!found.is_empty());
        assert_eq!(found.len(), found.iter().count());
        let canonical = found.canonical();
        // The canonical name is a name of the file. (Not always bytes of the input: glibc's
        // memmove quirk, src/resolve/lines.rs, repeats the end of an indented last line.)
        assert!(!canonical.is_empty() && file.lookup(canonical).is_some());
        // (The first lines only: a file of one name repeated would make this harness slow.)
        for entry in found.iter().take(8) {
            // The reverse lookup finds a name for every address a name lookup gave.
            assert!(file.name_of(&entry.address).is_some());
        }
    }
    let _ = file.name_of(&Address::new(core::net::Ipv4Addr::LOCALHOST.into()));
});
