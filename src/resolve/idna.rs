//! IDN as glibc 2.36 does it (inet/idna.c): names converted by libidn2 in the character set
//! of the locale the program chose with setlocale; see `sys::idn2` for how it is loaded.

use super::GaiError;
use crate::sys::idn2::{self, Class, Failure};
use alloc::vec::Vec;

/// AI_IDN (__idna_to_dns_encoding): None for an ASCII name (used as it is), else the name
/// libidn2 makes of it. EAI_IDN_ENCODE for a name the locale cannot decode, a non-ASCII
/// name with a backslash, one libidn2 rejects, or when libidn2 is missing.
pub fn to_dns(name: &[u8]) -> Result<Option<Vec<u8>>, GaiError> {
    match idn2::classify(name) {
        Class::Ascii => Ok(None),
        Class::NonAscii => match idn2::lookup_ul(name) {
            Ok(encoded) => Ok(Some(encoded)),
            Err(Failure::Memory) => Err(GaiError::Memory),
            Err(Failure::Rejected | Failure::Unavailable) => Err(GaiError::IdnEncode),
        },
        Class::NonAsciiBackslash | Class::EncodingError => Err(GaiError::IdnEncode),
        Class::Memory => Err(GaiError::Memory),
        Class::Other => Err(GaiError::System(crate::sys::Errno::INVAL)),
    }
}

/// AI_CANONIDN and NI_IDN (__idna_from_dns_encoding): the name in the locale's character
/// set; the name as it is when libidn2 is missing. Err(IdnEncode) tells the caller to keep
/// the DNS form, as glibc falls back to it.
pub fn from_dns(name: &[u8]) -> Result<Vec<u8>, GaiError> {
    match idn2::to_unicode_lzlz(name) {
        Ok(text) => Ok(text),
        Err(Failure::Unavailable) => Ok(name.to_vec()),
        Err(Failure::Memory) => Err(GaiError::Memory),
        Err(Failure::Rejected) => Err(GaiError::IdnEncode),
    }
}

/// from_dns with glibc's fallback: the DNS form when the locale cannot hold the result.
pub fn from_dns_or_same(name: Vec<u8>) -> Result<Vec<u8>, GaiError> {
    match from_dns(&name) {
        Ok(text) => Ok(text),
        Err(GaiError::IdnEncode) => Ok(name),
        Err(e) => Err(e),
    }
}
