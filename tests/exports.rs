//! The library's dynamic symbol table is exactly the public API (DESIGN.md, "The C ABI
//! contract"): no Rust internals, no allocator or panic symbols leak into programs.

use std::process::Command;

/// Grows as each exported function lands; `docs/COMPATIBILITY.md` lists the same set.
const EXPORTS: &[&str] = &["connect", "socket"];

fn library() -> std::path::PathBuf {
    let dir = std::env::var("NETSHIM_LIB_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target/release").into());
    std::path::Path::new(&dir).join("libnetshim.so")
}

#[test]
fn defined_dynamic_symbols_are_exactly_the_api() {
    let lib = library();
    assert!(
        lib.exists(),
        "{} missing: run `make` (cargo build --release) first",
        lib.display()
    );
    let out = Command::new("nm")
        .args(["-D", "--defined-only", "--format=posix"])
        .arg(&lib)
        .output()
        .expect("nm runs");
    assert!(
        out.status.success(),
        "nm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|n| n.split('@').next().unwrap_or(n).to_string())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(
        names, EXPORTS,
        "exported symbols differ from the public API"
    );
}

#[test]
fn soname_is_versioned() {
    let out = Command::new("readelf")
        .args(["-d"])
        .arg(library())
        .output()
        .expect("readelf runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Library soname: [libnetshim.so.0]"),
        "soname missing or wrong:\n{text}"
    );
}
