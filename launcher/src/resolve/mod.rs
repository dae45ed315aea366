//! The library's DNS wire modules (src/resolve/dns: pure `core` byte code, bounds-checked,
//! fuzzed), compiled into the launcher as they are, at the same module path so that their
//! own tests run here too. Their socket transport is left out (build.rs).

#[allow(dead_code, unused_imports)]
#[path = "../../../src/resolve/dns/mod.rs"]
pub mod dns;

/// The library's address formatting, which the shared line helpers' tests
/// (src/log/line.rs) compare against.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../../../src/resolve/numeric.rs"]
pub mod numeric;
