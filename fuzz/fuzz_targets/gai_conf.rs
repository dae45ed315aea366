//! Feeds arbitrary bytes to the gai.conf parser (label, precedence, scopev4, reload). Any
//! panic or hang is a bug, and so is a label or precedence table without its ::/0 entry.
//! Run: `cargo +nightly fuzz run gai_conf` in this folder.
#![no_main]

extern crate alloc;

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../src/resolve/gaiconf.rs"]
mod gaiconf;
#[allow(dead_code)]
#[path = "../../src/resolve/numeric.rs"]
mod numeric;

fuzz_target!(|data: &[u8]| {
    let policy = gaiconf::Policy::parse(Some(data));
    for table in [&policy.labels, &policy.precedence] {
        assert!(table.iter().any(|e| e.bits == 0), "no ::/0 entry");
        assert!(table.iter().all(|e| e.bits <= 128));
    }
    assert!(!policy.scopes.is_empty());
});
