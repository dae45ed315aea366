//! Feeds arbitrary bytes to the first-page check the exec hooks make of every image a traced
//! tree execs (src/log/image.rs): ELF headers, program headers and notes, `#!` lines. Checks
//! beyond "no panic, no hang": an interpreter path lies inside the `#!` line, and only
//! input starting with the ELF magic is ever called an ELF image.
//! Run: `cargo +nightly fuzz run exec_image` in this folder.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../src/log/image.rs"]
mod image;

fuzz_target!(|data: &[u8]| {
    let head = &data[..data.len().min(image::PAGE)];
    match image::classify(data) {
        image::Image::Script(interpreter) => {
            assert!(head.starts_with(b"#!"));
            let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
            assert!(interpreter.len() < line.len());
            assert!(!interpreter.contains(&b'\n') && !interpreter.contains(&b' '));
        }
        image::Image::Other => assert!(!head.starts_with(b"\x7fELF")),
        _ => assert!(head.starts_with(b"\x7fELF")),
    }
});
