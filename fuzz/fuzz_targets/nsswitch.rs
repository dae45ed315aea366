//! Feeds arbitrary bytes to the nsswitch.conf parser (its `hosts:` line and the actions in
//! brackets), then asks each step what every status does. Any panic or hang is a bug, and so
//! is an empty source list (glibc's default applies then).
//! Run: `cargo +nightly fuzz run nsswitch` in this folder.
#![no_main]

extern crate alloc;

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../src/resolve/nsswitch.rs"]
mod nsswitch;

use nsswitch::{HostsLine, Status};

fuzz_target!(|data: &[u8]| {
    let line = HostsLine::parse(Some(data));
    // Each source is a word of at least three bytes; glibc's default has two.
    assert!(line.steps.len() <= data.len() / 3 + 2);
    for step in &line.steps {
        for status in [
            Status::Success,
            Status::NotFound,
            Status::Unavail,
            Status::TryAgain,
        ] {
            let _ = step.action(status);
        }
    }
});
