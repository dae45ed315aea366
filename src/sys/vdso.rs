//! clock_gettime through the kernel's vDSO, as the C library does it: reading a clock then
//! costs no syscall. Found once, at load, from AT_SYSINFO_EHDR; when anything about the
//! image is not as expected, netshim keeps using the syscall.

use core::sync::atomic::{AtomicUsize, Ordering};

#[cfg(target_arch = "x86_64")]
const SYMBOL: &[u8] = b"__vdso_clock_gettime";
#[cfg(target_arch = "aarch64")]
const SYMBOL: &[u8] = b"__kernel_clock_gettime";

/// The vDSO clock_gettime, 0 when not found.
static CLOCK_GETTIME: AtomicUsize = AtomicUsize::new(0);

type ClockFn = unsafe extern "C" fn(libc::clockid_t, *mut libc::timespec) -> i32;

/// The vDSO is one small ELF image: 64 KiB bounds every offset we follow in it.
const IMAGE_MAX: usize = 64 * 1024;

/// Looks the function up (called once from the library's constructor).
pub fn init() {
    let Some(base) = super::env::auxv(libc::AT_SYSINFO_EHDR as usize).filter(|&b| b != 0) else {
        return;
    };
    // SAFETY: AT_SYSINFO_EHDR is the address of the vDSO's ELF image, mapped readable for
    // the process's lifetime by the kernel; `find` reads only within IMAGE_MAX of it and
    // checks every offset it follows against that bound.
    if let Some(f) = unsafe { find(base as *const u8) } {
        CLOCK_GETTIME.store(f, Ordering::Release);
    }
}

/// # Safety
/// `base` points to at least IMAGE_MAX readable bytes or to a complete ELF image whose
/// headers say where it ends (the vDSO).
unsafe fn find(base: *const u8) -> Option<usize> {
    // SAFETY: see the function's contract; every read goes through `read`, which checks
    // the offset against IMAGE_MAX.
    let read = |off: usize, n: usize| -> Option<u64> {
        if off.checked_add(n)? > IMAGE_MAX {
            return None;
        }
        let mut v = 0u64;
        for i in 0..n {
            // SAFETY: `off + i < IMAGE_MAX`, inside the mapped image (function contract).
            v |= u64::from(unsafe { *base.add(off + i) }) << (8 * i);
        }
        Some(v)
    };
    // ELF magic, 64-bit, little-endian (x86_64 and aarch64 Linux).
    if read(0, 4)? != 0x464c_457f || read(4, 1)? != 2 || read(5, 1)? != 1 {
        return None;
    }
    let (phoff, phentsize, phnum) = (
        read(0x20, 8)? as usize,
        read(0x36, 2)? as usize,
        read(0x38, 2)? as usize,
    );
    let (shoff, shentsize, shnum) = (
        read(0x28, 8)? as usize,
        read(0x3a, 2)? as usize,
        read(0x3c, 2)? as usize,
    );
    // The load bias: the image's address minus the p_vaddr of its PT_LOAD at offset 0.
    let mut bias = None;
    for i in 0..phnum.min(64) {
        let ph = phoff + i * phentsize;
        if read(ph, 4)? == 1 && read(ph + 8, 8)? == 0 {
            bias = Some((base as usize).wrapping_sub(read(ph + 0x10, 8)? as usize));
        }
    }
    let bias = bias?;
    // The dynamic symbol table (SHT_DYNSYM) and its string table (sh_link).
    for i in 0..shnum.min(64) {
        let sh = shoff + i * shentsize;
        if read(sh + 4, 4)? != 11 {
            continue;
        }
        let (symoff, symsize, link, entsize) = (
            read(sh + 0x18, 8)? as usize,
            read(sh + 0x20, 8)? as usize,
            read(sh + 0x28, 4)? as usize,
            read(sh + 0x38, 8)? as usize,
        );
        let strtab = shoff + link * shentsize;
        let stroff = read(strtab + 0x18, 8)? as usize;
        if entsize < 24 {
            return None;
        }
        for s in 0..(symsize / entsize).min(1024) {
            let sym = symoff + s * entsize;
            let name = stroff + read(sym, 4)? as usize;
            let matches = SYMBOL
                .iter()
                .enumerate()
                .all(|(k, &c)| read(name + k, 1) == Some(u64::from(c)))
                && read(name + SYMBOL.len(), 1) == Some(0);
            let value = read(sym + 8, 8)? as usize;
            // STT_FUNC and defined.
            if matches && read(sym + 4, 1)? & 0xf == 2 && read(sym + 6, 2)? != 0 && value != 0 {
                return Some(bias.wrapping_add(value));
            }
        }
    }
    None
}

/// clock_gettime through the vDSO; None when it is not available (use the syscall).
pub fn clock_gettime(clock: libc::clockid_t) -> Option<libc::timespec> {
    let f = CLOCK_GETTIME.load(Ordering::Acquire);
    if f == 0 {
        return None;
    }
    // SAFETY: `f` is the vDSO's clock_gettime, found in the kernel-provided image by `init`;
    // it has the C signature of clock_gettime on both ISAs.
    let f: ClockFn = unsafe { core::mem::transmute::<usize, ClockFn>(f) };
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a live, writable timespec.
    (unsafe { f(clock, &mut ts) } == 0).then_some(ts)
}

#[cfg(test)]
mod tests {
    #[test]
    fn vdso_clock_agrees_with_the_syscall() {
        super::init();
        let Some(v) = super::clock_gettime(libc::CLOCK_MONOTONIC) else {
            eprintln!("no vDSO clock_gettime here: netshim falls back to the syscall");
            return;
        };
        let s = super::super::time::monotonic_syscall();
        let v = v.tv_sec as u64 * 1_000_000_000 + v.tv_nsec as u64;
        assert!(s.abs_diff(v) < 1_000_000_000, "vdso {v} vs syscall {s}");
    }
}
