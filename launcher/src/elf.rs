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
}
