//! The calling thread's id without a gettid(2) per log line.
//!
//! netshim keeps one word of ELF thread-local storage of its own (a `.tbss` symbol, reached
//! through the initial-exec model: a GOT slot holding its offset from the thread pointer,
//! `fs` on x86_64 and `tpidr_el0` on aarch64). That is the System V TLS ABI every Linux
//! dynamic loader implements for any shared object; it reads nothing of glibc's own thread
//! descriptor. A table keyed by the thread pointer alone would be wrong: glibc reuses the
//! descriptor (and so the thread pointer) of an exited thread for the next one. The loader,
//! by contrast, zero-fills every `.tbss` block for each new thread, reused stack or not, so
//! a zero word means "not known yet" in every fresh thread.
//!
//! The word holds `(fork epoch << 32) | tid`. After fork the child's single thread carries
//! its parent thread's word, but the epoch (sys::fork) differs, so it asks the kernel again.
//! A vfork child shares its parent's memory, TLS included: on a miss there, the word is
//! left alone when getpid(2) shows another process than the one the epoch belongs to, so
//! the parent never inherits the child's id (on a hit the child is given its parent's ids,
//! as glibc's own `pthread_self`/`raise` do there; POSIX allows only exec and _exit in a
//! vfork child). Without a wiped page (Linux < 4.14, epoch 1) nothing is cached.

use super::syscall;
use core::arch::{asm, global_asm};

#[cfg(target_arch = "x86_64")]
global_asm!(
    ".pushsection .tbss,\"awT\",@nobits",
    ".balign 8",
    ".globl __netshim_tid_word",
    ".hidden __netshim_tid_word",
    ".type __netshim_tid_word, @object",
    ".size __netshim_tid_word, 8",
    "__netshim_tid_word:",
    ".zero 8",
    ".popsection",
);

#[cfg(target_arch = "aarch64")]
global_asm!(
    ".pushsection .tbss,\"awT\",%nobits",
    ".balign 8",
    ".globl __netshim_tid_word",
    ".hidden __netshim_tid_word",
    ".type __netshim_tid_word, %object",
    ".size __netshim_tid_word, 8",
    "__netshim_tid_word:",
    ".zero 8",
    ".popsection",
);

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn load() -> u64 {
    let value: u64;
    // SAFETY: the GOT slot holds the (negative) offset of our 8-byte, 8-aligned TLS word
    // from the thread pointer, fixed by the loader's TPOFF64 relocation at load; `fs:` is
    // the calling thread's TLS block, which contains the word for the thread's lifetime.
    unsafe {
        asm!(
            "mov {v}, qword ptr [rip + __netshim_tid_word@GOTTPOFF]",
            "mov {v}, qword ptr fs:[{v}]",
            v = out(reg) value,
            options(nostack, readonly, preserves_flags)
        );
    }
    value
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn store(value: u64) {
    // SAFETY: as in `load`; the word is this thread's own, written only by this thread (a
    // signal handler on it writes the same value), so a plain store cannot race.
    unsafe {
        asm!(
            "mov {o}, qword ptr [rip + __netshim_tid_word@GOTTPOFF]",
            "mov qword ptr fs:[{o}], {v}",
            o = out(reg) _,
            v = in(reg) value,
            options(nostack, preserves_flags)
        );
    }
}

#[cfg(target_arch = "aarch64")]
#[inline(always)]
fn load() -> u64 {
    let value: u64;
    // SAFETY: as for x86_64: the GOT slot holds the word's offset from tpidr_el0, the
    // calling thread's TLS block, which holds the word for the thread's lifetime.
    unsafe {
        asm!(
            "adrp {o}, :gottprel:__netshim_tid_word",
            "ldr {o}, [{o}, #:gottprel_lo12:__netshim_tid_word]",
            "mrs {t}, tpidr_el0",
            "ldr {v}, [{t}, {o}]",
            o = out(reg) _,
            t = out(reg) _,
            v = out(reg) value,
            options(nostack, readonly, preserves_flags)
        );
    }
    value
}

#[cfg(target_arch = "aarch64")]
#[inline(always)]
fn store(value: u64) {
    // SAFETY: as in `load`; only this thread writes its own word.
    unsafe {
        asm!(
            "adrp {o}, :gottprel:__netshim_tid_word",
            "ldr {o}, [{o}, #:gottprel_lo12:__netshim_tid_word]",
            "mrs {t}, tpidr_el0",
            "str {v}, [{t}, {o}]",
            o = out(reg) _,
            t = out(reg) _,
            v = in(reg) value,
            options(nostack, preserves_flags)
        );
    }
}

/// gettid(2), asked of the kernel once per thread (and again after fork).
#[inline]
pub fn tid() -> i32 {
    let epoch = super::fork::epoch();
    let word = load();
    if epoch != 1 && (word >> 32) as u32 == epoch {
        return word as u32 as i32;
    }
    refresh(epoch)
}

#[cold]
fn refresh(epoch: u32) -> i32 {
    let tid = super::process::gettid();
    // A vfork child shares this word with its parent: keep the parent's cache clean.
    // SAFETY: getpid takes no arguments and cannot fail.
    let pid = unsafe { syscall!(libc::SYS_getpid) } as i32;
    if epoch != 1 && super::process::getpid() == pid {
        store((u64::from(epoch) << 32) | u64::from(tid as u32));
    }
    tid
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_thread_sees_its_own_id() {
        crate::sys::fork::init();
        let main = super::tid();
        assert_eq!(main, crate::sys::process::gettid());
        assert_eq!(super::tid(), main);
        let ids: std::vec::Vec<(i32, i32)> = (0..8)
            .map(|_| std::thread::spawn(|| (super::tid(), crate::sys::process::gettid())))
            .map(|h| h.join().unwrap())
            .collect();
        for (cached, real) in ids {
            assert_eq!(cached, real);
            assert_ne!(cached, main);
        }
    }
}
