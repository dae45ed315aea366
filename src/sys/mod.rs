//! The only code that talks to the kernel.
//!
//! # Safety
//! Every syscall goes through [`syscall!`], which is `unsafe`: each wrapper below states
//! why the pointers it hands the kernel are valid for the access the syscall makes. A
//! pointer that came from C untouched (the `*_raw` wrappers) is validated by the kernel
//! itself, which answers EFAULT instead of faulting. Nothing here writes the C `errno`:
//! results are `Result<_, Errno>` until `abi::errno` turns them into C.
#![allow(unsafe_code)]

#[cfg_attr(target_arch = "x86_64", path = "arch/x86_64.rs")]
#[cfg_attr(target_arch = "aarch64", path = "arch/aarch64.rs")]
mod arch;

pub mod cancel;
pub mod env;
pub mod errno;
pub mod exec;
pub mod fork;
pub mod fs;
pub mod idn2;
pub mod net;
pub mod process;
pub mod random;
pub mod seccomp;
pub mod signal;
pub mod spawn;
pub mod stackbuf;
pub mod sync;
pub mod thread;
pub mod time;
pub mod vdso;

pub use errno::Errno;

/// A file descriptor as the kernel sees it.
pub type RawFd = i32;

/// `syscall!(libc::SYS_x, a, b, …)`: up to six arguments, each cast to a register word.
/// Integer arguments are sign-extended, as the C ABI passes them.
macro_rules! syscall {
    ($nr:expr $(, $arg:expr)* $(,)?) => {{
        #[allow(unused_mut)]
        let mut args = [0usize; 6];
        #[allow(unused_mut, unused_variables)]
        let mut i = 0;
        $( args[i] = $arg as usize; i += 1; )*
        let _ = i;
        $crate::sys::raw_syscall($nr as usize, args)
    }};
}
pub(crate) use syscall;

/// # Safety
/// As for the syscall `n`: the pointers in `args` must be valid for what it reads and writes.
#[inline(always)]
pub(crate) unsafe fn raw_syscall(n: usize, args: [usize; 6]) -> isize {
    // SAFETY: forwarded contract, see above.
    unsafe { arch::syscall6(n, args) }
}

/// The kernel's convention (musl's `__syscall_ret`): -4095..=-1 is an error number.
#[inline(always)]
pub(crate) fn decode(ret: isize) -> Result<usize, Errno> {
    if (-4095..0).contains(&ret) {
        Err(Errno::from_raw(-ret as i32))
    } else {
        Ok(ret as usize)
    }
}

#[inline(always)]
pub(crate) fn decode_fd(ret: isize) -> Result<RawFd, Errno> {
    decode(ret).map(|v| v as RawFd)
}

#[inline(always)]
pub(crate) fn decode_unit(ret: isize) -> Result<(), Errno> {
    decode(ret).map(|_| ())
}
