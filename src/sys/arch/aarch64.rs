//! aarch64 `svc #0`: number in x8, arguments in x0..x5, return in x0.

use core::arch::asm;

/// # Safety
/// The caller guarantees that syscall `n` with these arguments touches only memory it
/// may touch, as for the corresponding C call.
#[inline(always)]
pub unsafe fn syscall6(n: usize, a: [usize; 6]) -> isize {
    let ret: isize;
    // SAFETY: the caller upholds the syscall's memory contract; the register use is the
    // aarch64 Linux syscall ABI.
    unsafe {
        asm!(
            "svc 0",
            in("x8") n,
            inlateout("x0") a[0] as isize => ret,
            in("x1") a[1], in("x2") a[2], in("x3") a[3], in("x4") a[4], in("x5") a[5],
            options(nostack, preserves_flags)
        );
    }
    ret
}
