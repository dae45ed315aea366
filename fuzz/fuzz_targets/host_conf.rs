//! Feeds arbitrary bytes to the host.conf parser (`multi on|off`, other keywords ignored).
//! Any panic or hang is a bug. Run: `cargo +nightly fuzz run host_conf` in this folder.
#![no_main]

extern crate alloc;

use libfuzzer_sys::fuzz_target;

#[path = "../shim/mod.rs"]
mod shim;
use shim::sys;

#[allow(dead_code)]
#[path = "../../src/resolve/hostconf.rs"]
mod hostconf;

fuzz_target!(|data: &[u8]| {
    let conf = hostconf::HostConf::parse(Some(data));
    // Without a "multi" word the answer is glibc's default, off.
    if !data.windows(5).any(|w| w.eq_ignore_ascii_case(b"multi")) {
        assert!(!conf.multi());
    }
});
