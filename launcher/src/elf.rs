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
