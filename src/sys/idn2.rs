//! libidn2, loaded as glibc 2.36 loads it (inet/idna.c) for AI_IDN, AI_CANONIDN and NI_IDN:
//! `dlopen("libidn2.so.0")` at first use, `idn2_lookup_ul` and `idn2_to_unicode_lzlz` taken
//! at the version `IDN2_0.0.0`, a failed load never cached (the library may appear later);
//! and the locale's multibyte decoding (`mbrtowc`), which glibc uses to tell ASCII names
//! from others. These are the library's only calls into C code other than memory and
//! errno; none of them is made unless a program asks for IDN and (for the encoding) its
//! name is not ASCII.

use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_void, CStr};
use core::sync::atomic::{AtomicPtr, Ordering};

const SONAME: &CStr = c"libidn2.so.0";
const VERSION: &CStr = c"IDN2_0.0.0";
/// libidn2's IDN2_MALLOC: its only code glibc tells apart from the others.
const IDN2_MALLOC: c_int = -100;

type Convert = unsafe extern "C" fn(*const c_char, *mut *mut c_char, c_int) -> c_int;

extern "C" {
    // glibc's; the libc crate does not declare it. `mbstate_t` is glibc's 8-byte state.
    fn mbrtowc(
        pwc: *mut libc::wchar_t,
        s: *const c_char,
        n: usize,
        ps: *mut libc::mbstate_t,
    ) -> usize;
}

static LOOKUP_UL: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());
static TO_UNICODE_LZLZ: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());

/// The two functions, loading libidn2 if no earlier call did. None when it cannot be
/// loaded or lacks them (glibc then treats the name as not convertible).
fn functions() -> Option<(Convert, Convert)> {
    let (mut lookup, mut unicode) = (
        LOOKUP_UL.load(Ordering::Acquire),
        TO_UNICODE_LZLZ.load(Ordering::Acquire),
    );
    if lookup.is_null() || unicode.is_null() {
        // SAFETY: SONAME is a NUL-terminated string; dlopen has no other precondition.
        let handle = unsafe { libc::dlopen(SONAME.as_ptr(), libc::RTLD_LAZY) };
        if handle.is_null() {
            return None;
        }
        // SAFETY: `handle` is a live handle from dlopen; the names are C strings.
        (lookup, unicode) = unsafe {
            (
                libc::dlvsym(handle, c"idn2_lookup_ul".as_ptr(), VERSION.as_ptr()),
                libc::dlvsym(handle, c"idn2_to_unicode_lzlz".as_ptr(), VERSION.as_ptr()),
            )
        };
        if lookup.is_null() || unicode.is_null() {
            // SAFETY: `handle` came from dlopen above and nothing of it is kept.
            unsafe { libc::dlclose(handle) };
            return None;
        }
        // Two threads may both load it: dlopen counts references, and the library stays
        // loaded for the life of the process either way, as it does in glibc.
        TO_UNICODE_LZLZ.store(unicode, Ordering::Release);
        LOOKUP_UL.store(lookup, Ordering::Release);
    }
    // SAFETY: both pointers are the addresses of libidn2's functions of these signatures
    // (idn2.h: int f(const char *, char **, int)), and libidn2 is never unloaded.
    unsafe {
        Some((
            core::mem::transmute::<*mut c_void, Convert>(lookup),
            core::mem::transmute::<*mut c_void, Convert>(unicode),
        ))
    }
}

/// Why a conversion did not happen.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Failure {
    /// libidn2 cannot be loaded here.
    Unavailable,
    /// IDN2_MALLOC.
    Memory,
    /// Any other libidn2 error (a name it rejects, a character the locale cannot hold).
    Rejected,
}

/// idn2_lookup_ul(name, flags 0): the name, in the locale's character set, as DNS ASCII.
pub fn lookup_ul(name: &[u8]) -> Result<Vec<u8>, Failure> {
    let (lookup, _) = functions().ok_or(Failure::Unavailable)?;
    convert(lookup, name)
}

/// idn2_to_unicode_lzlz(name, flags 0): a DNS name back in the locale's character set.
pub fn to_unicode_lzlz(name: &[u8]) -> Result<Vec<u8>, Failure> {
    let (_, unicode) = functions().ok_or(Failure::Unavailable)?;
    convert(unicode, name)
}

fn convert(f: Convert, name: &[u8]) -> Result<Vec<u8>, Failure> {
    let input = c_copy(name).ok_or(Failure::Memory)?;
    let mut output: *mut c_char = core::ptr::null_mut();
    // SAFETY: `input` is NUL-terminated and lives across the call; `output` is a valid
    // place for the result pointer; flags 0 are glibc's.
    let rc = unsafe { f(input.as_ptr().cast(), &mut output, 0) };
    let result = match rc {
        0 if !output.is_null() => {
            // SAFETY: on success libidn2 stores a NUL-terminated malloc'd string.
            let text = unsafe { CStr::from_ptr(output) }.to_bytes().to_vec();
            Ok(text)
        }
        IDN2_MALLOC => Err(Failure::Memory),
        _ => Err(Failure::Rejected),
    };
    // SAFETY: `output` is null or libidn2's malloc'd result (idn2_free is free, as glibc
    // assumes too).
    unsafe { libc::free(output.cast()) };
    result
}

fn c_copy(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(bytes.len() + 1).ok()?;
    v.extend_from_slice(bytes);
    v.push(0);
    Some(v)
}

/// How glibc's __idna_name_classify reads a name in the calling thread's locale.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Class {
    Ascii,
    NonAscii,
    /// Non-ASCII with a backslash somewhere.
    NonAsciiBackslash,
    /// Not a valid string in the locale's encoding (any byte ≥ 0x80 in the C locale).
    EncodingError,
    Memory,
    Other,
}

/// Decodes `name` character by character with mbrtowc, as glibc does.
pub fn classify(name: &[u8]) -> Class {
    let Some(text) = c_copy(name) else {
        return Class::Memory;
    };
    // SAFETY: mbstate_t is plain data whose all-zero value is the initial state.
    let mut state: libc::mbstate_t = unsafe { core::mem::zeroed() };
    let (mut nonascii, mut backslash) = (false, false);
    let mut at = 0;
    while at < text.len() {
        let mut wc: libc::wchar_t = 0;
        // SAFETY: `text[at..]` is readable for `text.len() - at` bytes and ends with a NUL;
        // `wc` and `state` are valid for writes.
        let n = unsafe {
            mbrtowc(
                &mut wc,
                text.as_ptr().add(at).cast(),
                text.len() - at,
                &mut state,
            )
        };
        match n {
            0 => break,
            // (size_t)-2: an incomplete character at the end of the whole name.
            n if n == usize::MAX - 1 => return Class::EncodingError,
            usize::MAX => {
                // SAFETY: reads the calling thread's errno slot.
                return match unsafe { *libc::__errno_location() } {
                    libc::EILSEQ => Class::EncodingError,
                    libc::ENOMEM => Class::Memory,
                    _ => Class::Other,
                };
            }
            n => {
                at += n;
                if wc == b'\\' as libc::wchar_t {
                    backslash = true;
                } else if wc > 127 {
                    nonascii = true;
                }
            }
        }
    }
    match (nonascii, backslash) {
        (false, _) => Class::Ascii,
        (true, false) => Class::NonAscii,
        (true, true) => Class::NonAsciiBackslash,
    }
}

#[cfg(test)]
mod tests {
    use super::{classify, Class};

    /// The test process never calls setlocale: the C locale, where glibc's mbrtowc refuses
    /// every byte ≥ 0x80.
    #[test]
    fn c_locale_classes() {
        assert_eq!(classify(b"example.test"), Class::Ascii);
        assert_eq!(classify(b"a\\b.test"), Class::Ascii);
        assert_eq!(classify(b""), Class::Ascii);
        assert_eq!(
            classify("b\u{fc}cher.test".as_bytes()),
            Class::EncodingError
        );
        assert_eq!(classify(b"\xff"), Class::EncodingError);
    }
}
