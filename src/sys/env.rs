//! The environment as it was when netshim was loaded, captured by an ELF constructor:
//! glibc calls `.init_array` functions with (argc, argv, envp). Configuration is read
//! once at load (DESIGN.md), so later setenv() calls are deliberately not seen. The
//! variables netshim reads are copied then: after a setenv() the array envp points to may
//! be reallocated and freed (a dlopen()ed library is handed such a copy).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ffi::c_char;
use core::sync::atomic::{AtomicUsize, Ordering};
use once_cell::race::OnceBox;

/// The copied `NAME=value` entries netshim cares about.
static VARS: OnceBox<Vec<Vec<u8>>> = OnceBox::new();
/// Prefixes of the variables netshim reads.
const WANTED: [&[u8]; 6] = [
    b"TZ=",
    b"NETSHIM_",
    b"RES_OPTIONS=",
    b"LOCALDOMAIN=",
    b"RESOLV_",
    b"HOSTALIASES=",
];
/// AT_SECURE from the auxiliary vector: 1 secure, 0 not, 2 not known yet.
static SECURE: AtomicUsize = AtomicUsize::new(2);

/// Copies the variables netshim reads and learns AT_SECURE. Called once, by the library's
/// constructor (abi/init.rs).
///
/// # Safety
/// `envp` is null or the NULL-terminated array of NUL-terminated strings the loader passes
/// to constructors, valid for the duration of the call.
pub unsafe fn capture(envp: *const *const c_char) {
    if envp.is_null() {
        return;
    }
    SECURE.store(at_secure(), Ordering::Release);
    let mut vars = Vec::new();
    let mut i = 0usize;
    loop {
        // SAFETY: `envp` is the NULL-terminated array of NUL-terminated strings the loader
        // passes to constructors, valid for the duration of this call.
        let entry = unsafe { *envp.add(i) };
        if entry.is_null() {
            break;
        }
        // SAFETY: as above.
        let bytes = unsafe { core::ffi::CStr::from_ptr(entry) }.to_bytes();
        if WANTED.iter().any(|w| bytes.starts_with(w)) {
            vars.push(bytes.to_vec());
        }
        i += 1;
    }
    let _ = VARS.set(Box::new(vars));
}

/// AT_SECURE, read from /proc/self/auxv with our own syscalls (a dlopen()ed library is
/// given a copy of environ, so the auxv is not reliably found after envp in memory).
/// Without /proc, real and effective ids are compared instead, as torsocks does.
fn at_secure() -> usize {
    if let Some(value) = auxv(libc::AT_SECURE as usize) {
        return usize::from(value != 0);
    }
    // SAFETY: these syscalls take no arguments and cannot fail.
    let ids = unsafe {
        [
            super::syscall!(libc::SYS_getuid),
            super::syscall!(libc::SYS_geteuid),
            super::syscall!(libc::SYS_getgid),
            super::syscall!(libc::SYS_getegid),
        ]
    };
    usize::from(ids[0] != ids[1] || ids[2] != ids[3])
}

/// One entry of the auxiliary vector, from /proc/self/auxv.
pub fn auxv(kind: usize) -> Option<usize> {
    const WORD: usize = core::mem::size_of::<usize>();
    let mut buf = [0u8; 1024]; // the auxv is about 20 pairs of words: ~400 bytes on 64-bit
    let fd = super::fs::open(b"/proc/self/auxv\0", libc::O_RDONLY | libc::O_CLOEXEC, 0).ok()?;
    let n = super::fs::read(fd, &mut buf).unwrap_or(0).min(buf.len());
    let _ = super::fs::close(fd);
    buf[..n].chunks_exact(2 * WORD).find_map(|pair| {
        let word = |i: usize| {
            let mut w = [0u8; WORD];
            w.copy_from_slice(&pair[i * WORD..(i + 1) * WORD]);
            usize::from_ne_bytes(w)
        };
        (word(0) == kind).then(|| word(1))
    })
}

/// The value of `name` when netshim was loaded, if set (only the variables in WANTED).
/// None in secure-execution mode, where glibc too drops such variables.
pub fn var(name: &[u8]) -> Option<&'static [u8]> {
    if secure() {
        return None;
    }
    VARS.get()?
        .iter()
        .find_map(|entry| entry.strip_prefix(name)?.strip_prefix(b"="))
}

/// Whether the process runs in secure-execution mode (set-uid, set-gid, capabilities):
/// then, as glibc ignores LD_* variables, netshim ignores its own. Unknown (no constructor
/// ran yet) counts as secure: ignoring the variables is the safe side.
pub fn secure() -> bool {
    SECURE.load(Ordering::Acquire) != 0
}
