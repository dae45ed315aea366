//! Just enough signal handling for the logger to write into a pipe whose reader is gone
//! without the program receiving SIGPIPE.

use super::{decode, decode_unit, syscall, Errno};

/// The kernel's sigset_t is 64 bits on x86_64 and aarch64.
const SIGSET_SIZE: usize = 8;

fn bit(sig: i32) -> u64 {
    1u64 << (sig - 1)
}

/// Blocks SIGPIPE for the calling thread; returns the previous mask.
pub fn block_sigpipe() -> Result<u64, Errno> {
    let set = bit(libc::SIGPIPE);
    let mut old: u64 = 0;
    // SAFETY: `set` and `old` are live 8-byte values, the kernel's sigset size here.
    decode_unit(unsafe {
        syscall!(
            libc::SYS_rt_sigprocmask,
            libc::SIG_BLOCK,
            &set as *const u64,
            &mut old as *mut u64,
            SIGSET_SIZE
        )
    })?;
    Ok(old)
}

/// Whether a mask returned by `block_sigpipe` already blocked SIGPIPE (the program's own).
pub fn blocks_sigpipe(mask: u64) -> bool {
    mask & bit(libc::SIGPIPE) != 0
}

/// Blocks every signal for the calling thread; returns the previous mask.
pub fn block_all() -> u64 {
    let all = !0u64;
    let mut old = 0u64;
    // SAFETY: two live 8-byte masks, the kernel's sigset size.
    let _ = unsafe {
        syscall!(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &all as *const u64,
            &mut old as *mut u64,
            SIGSET_SIZE
        )
    };
    old
}

/// Sets the calling thread's mask to one saved by `block_sigpipe` or `block_all`.
pub fn restore_mask(old: u64) {
    // SAFETY: `old` is a live 8-byte value; no old mask is asked for.
    let _ = unsafe {
        syscall!(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &old as *const u64,
            0usize,
            SIGSET_SIZE
        )
    };
}

/// Whether SIGPIPE is pending for the thread or the process.
pub fn sigpipe_pending() -> bool {
    let mut set: u64 = 0;
    // SAFETY: `set` is a live 8-byte value the kernel writes.
    let ok =
        decode(unsafe { syscall!(libc::SYS_rt_sigpending, &mut set as *mut u64, SIGSET_SIZE) });
    ok.is_ok() && set & bit(libc::SIGPIPE) != 0
}

/// Takes a pending SIGPIPE without waiting (rt_sigtimedwait with a zero timeout).
pub fn consume_sigpipe() {
    let set = bit(libc::SIGPIPE);
    let zero = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `set` and `zero` are live; no siginfo is asked for.
    let _ = unsafe {
        syscall!(
            libc::SYS_rt_sigtimedwait,
            &set as *const u64,
            0usize,
            &zero as *const libc::timespec,
            SIGSET_SIZE
        )
    };
}
