//! getrandom(2): DNS query IDs must not be guessable (RFC 5452 §4).

use super::{decode, syscall, Errno};

/// Fills `buf` from the kernel's CSPRNG without blocking after boot-time seeding.
pub fn getrandom(buf: &mut [u8]) -> Result<(), Errno> {
    let mut filled = 0;
    while filled < buf.len() {
        let rest = &mut buf[filled..];
        // SAFETY: `rest` is writable for `rest.len()` bytes.
        match decode(unsafe { syscall!(libc::SYS_getrandom, rest.as_mut_ptr(), rest.len(), 0) }) {
            Ok(n) => filled += n,
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
