//! Feeds arbitrary bytes to the time-zone reader the syslog sink uses: as a TZif file and
//! as a POSIX TZ string, then asks both for offsets at times across their whole range.
//! Any panic (an overflow included: fuzz builds check arithmetic) or hang is a bug.
//! Run: `cargo +nightly fuzz run tzif` in this folder.
#![no_main]

extern crate alloc;

use libfuzzer_sys::fuzz_target;

// Siblings at the crate root, so that tz.rs's `super::date` finds its date arithmetic.
#[allow(dead_code)]
#[path = "../../src/log/date.rs"]
mod date;
#[allow(dead_code)]
#[path = "../../src/log/tz.rs"]
mod tz;

const TIMES: [i64; 8] = [i64::MIN, -(1 << 40), -1, 0, 1_764_579_870, 4_102_444_800, 1 << 40, i64::MAX];

fuzz_target!(|data: &[u8]| {
    if let Some(zone) = tz::parse_tzif(data) {
        for t in TIMES {
            let _ = zone.offset_at(t);
        }
    }
    let zone = tz::load(Some(data), |_| None);
    for t in TIMES {
        let _ = zone.offset_at(t);
    }
});
