//! What an executable file says about how it will run: whether the dynamic loader (and so
//! LD_PRELOAD) reaches it at all.

use object::elf;
use object::read::elf::{FileHeader, ProgramHeader};
use object::Endianness;

/// Whether an ELF image has a PT_INTERP program header (64- or 32-bit, either byte order).
/// Anything that is not a readable ELF image answers false.
pub fn has_interp(image: &[u8]) -> bool {
    match image.get(4) {
        // e_ident[EI_CLASS]
        Some(&elf::ELFCLASS64) => interp_in::<elf::FileHeader64<Endianness>>(image),
        Some(&elf::ELFCLASS32) => interp_in::<elf::FileHeader32<Endianness>>(image),
        _ => false,
    }
}

fn interp_in<H: FileHeader<Endian = Endianness>>(image: &[u8]) -> bool {
    let Ok(header) = H::parse(image) else {
        return false;
    };
    let Ok(endian) = header.endian() else {
        return false;
    };
    header
        .program_headers(endian, image)
        .is_ok_and(|phdrs| phdrs.iter().any(|ph| ph.p_type(endian) == elf::PT_INTERP))
}

/// Whether an image is a Go program, dynamic or static: Go writes its build information
/// behind this magic (the `.go.buildinfo` section, also in stripped binaries), and Go's
/// net package makes its own syscalls whether or not the image loads libc.
pub fn is_go(image: &[u8]) -> bool {
    const MAGIC: &[u8] = b"\xff Go buildinf:";
    image.starts_with(b"\x7fELF") && image.windows(MAGIC.len()).any(|w| w == MAGIC)
}

/// The library's first-page check (src/log/image.rs), the one the exec hooks make: the
/// launcher makes the same for the program it starts.
#[path = "../../src/log/image.rs"]
pub mod image;

/// Whether the preload will see a program run from `path`: a dynamically linked ELF of
/// this machine's kind that is not Go, or a `#!` script whose interpreter is one (one
/// level, as the library's exec hooks read it).
pub fn preload_sees(path: &std::path::Path) -> bool {
    use std::io::Read;
    let head = |p: &std::path::Path| -> Option<Vec<u8>> {
        let mut b = vec![0u8; image::PAGE];
        let n = std::fs::File::open(p).ok()?.read(&mut b).ok()?;
        b.truncate(n);
        Some(b)
    };
    let Some(bytes) = head(path) else {
        return true; // the exec fails: nothing to trace
    };
    let native = |b: &[u8]| {
        let machine = if cfg!(target_arch = "x86_64") {
            62u16
        } else {
            183
        };
        b.len() > 20 && b[4] == 2 && b[5] == 1 && u16::from_le_bytes([b[18], b[19]]) == machine
    };
    match image::classify(&bytes) {
        image::Image::Dynamic => native(&bytes),
        image::Image::Script(interpreter) => {
            let interpreter = std::path::Path::new(
                <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(interpreter),
            );
            match head(interpreter) {
                Some(b) => match image::classify(&b) {
                    image::Image::Dynamic => native(&b),
                    image::Image::Script(_) => true,
                    _ => false,
                },
                None => true,
            }
        }
        image::Image::Other => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pt_interp_is_found_in_dynamic_programs_only() {
        assert!(has_interp(&std::fs::read("/bin/sh").unwrap()));
        assert!(!has_interp(b"\x7fELF\x02\x01"));
        assert!(!has_interp(b"#!/bin/sh\n"));
        assert!(!has_interp(&[]));
    }

    #[test]
    fn go_programs_are_known_by_their_build_information() {
        assert!(!is_go(&std::fs::read("/bin/sh").unwrap()));
        let mut fake = b"\x7fELF\x02\x01".to_vec();
        fake.extend(b"....\xff Go buildinf:\x08\x02");
        assert!(is_go(&fake));
        assert!(!is_go(&fake[6..]));
    }
}
