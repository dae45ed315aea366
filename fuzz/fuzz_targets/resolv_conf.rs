//! Feeds arbitrary bytes to the resolv.conf parser, as the file and as the LOCALDOMAIN and
//! RES_OPTIONS variables. Any panic or hang is a bug.
//! Run: `cargo +nightly fuzz run resolv_conf` in this folder.
#![no_main]

extern crate alloc;

use libfuzzer_sys::fuzz_target;

#[path = "../shim/mod.rs"]
mod shim;
use shim::sys;

// At the crate root, so that the parser's `super::numeric` finds its sibling.
#[allow(dead_code)]
#[path = "../../src/resolve/numeric.rs"]
mod numeric;
#[allow(dead_code)]
#[path = "../../src/resolve/resolvconf.rs"]
mod resolvconf;

fuzz_target!(|data: &[u8]| {
    // The first two bytes split the input into the file and the two variables.
    let (a, b) = match data {
        [a, b, ..] => (usize::from(*a), usize::from(*b)),
        _ => (0, 0),
    };
    let rest = data.get(2..).unwrap_or_default();
    let (file, vars) = rest.split_at(a.min(rest.len()));
    let (localdomain, res_options) = vars.split_at(b.min(vars.len()));
    let env = resolvconf::Environment {
        localdomain: (!localdomain.is_empty()).then_some(localdomain),
        res_options: (!res_options.is_empty()).then_some(res_options),
        hostname: Some(b"host.example"),
    };
    let conf = resolvconf::parse(Some(file), &env);
    assert!(!conf.nameservers.is_empty() && conf.nameservers.len() <= 3);
    assert!(conf.ndots <= 15 && conf.attempts <= 5 && conf.timeout <= 30);
});
