//! Feeds arbitrary bytes to every DNS reader: the header, questions, records, names (with
//! their compression pointers), the question check, the A/AAAA walk with CNAMEs and the PTR
//! walk. Any panic or hang is a bug. Run: `cargo +nightly fuzz run dns_parse` in this folder.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unused_imports)]
#[path = "../../src/resolve/dns/mod.rs"]
mod dns;

fuzz_target!(|data: &[u8]| {
    let _ = dns::exercise::exercise(data);
});
