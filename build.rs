//! Sets the soname and generates include/netshim.h with cbindgen.
//!
//! The header is committed. When the generated text differs from the committed file the
//! build rewrites it and warns, except under CI (CI=true) or NETSHIM_HEADER_CHECK=1, where
//! the drift fails the build: a committed header must always be the generated one.

use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libnetshim.so.0");
    // The imports (malloc, __errno_location, the pthread and IDN calls) are libc.so.6's: say
    // so in DT_NEEDED, so that the loader binds them there and `ldd` tells the truth.
    println!("cargo:rustc-link-lib=dylib=c");
    compile_cancellation_points();
    println!("cargo:rerun-if-changed=src/abi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=CI");
    println!("cargo:rerun-if-env-changed=NETSHIM_HEADER_CHECK");

    let root =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let config =
        cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        // cbindgen follows `mod` items from here: every export lives under src/abi.
        .with_src(root.join("src/abi/mod.rs"))
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut generated);
    let generated = c89_comments(&generated);

    let path = root.join("include/netshim.h");
    let committed = fs::read(&path).unwrap_or_default();
    if committed == generated {
        return;
    }
    let strict = env::var("CI").is_ok_and(|v| v == "true")
        || env::var("NETSHIM_HEADER_CHECK").is_ok_and(|v| v == "1");
    if strict {
        panic!("include/netshim.h differs from what cbindgen generates: run `make header` and commit it");
    }
    fs::create_dir_all(root.join("include")).expect("include/ can be created");
    fs::write(&path, &generated).expect("include/netshim.h can be written");
    println!("cargo:warning=include/netshim.h regenerated; commit it");
}

/// cbindgen writes `// __cplusplus` after its `#endif`s and `}`: C90 has no `//` comments,
/// and the system headers compile under `-std=c89 -pedantic`, so the header must too.
fn c89_comments(text: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(text);
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        match body.split_once("// ") {
            Some((code, comment)) if !code.trim().is_empty() => {
                out.push_str(code);
                out.push_str("/* ");
                out.push_str(comment);
                out.push_str(" */");
            }
            _ => out.push_str(body),
        }
        out.push_str(newline);
    }
    out.into_bytes()
}

/// src/sys/cancel.c: the pthread cancellation points (see src/sys/cancel.rs). C, because
/// they use sigsetjmp and <pthread.h>'s unwind buffer as pthread_cleanup_push does, which
/// Rust cannot express. Unwind tables are asked for explicitly: glibc's unwinder must step
/// from the signal frame through the point's frame at any instruction.
fn compile_cancellation_points() {
    println!("cargo:rerun-if-changed=src/sys/cancel.c");
    cc::Build::new()
        .file("src/sys/cancel.c")
        .flag("-std=gnu11")
        .flag("-fasynchronous-unwind-tables")
        .flag("-fvisibility=hidden")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .compile("netshim_cancel");
}
