//! x86_64 `syscall`: number in rax, arguments in rdi, rsi, rdx, r10, r8, r9; the kernel
//! clobbers rcx and r11 and returns in rax.

use core::arch::asm;

/// # Safety
/// The caller guarantees that syscall `n` with these arguments touches only memory it
/// may touch, as for the corresponding C call.
#[inline(always)]
pub unsafe fn syscall6(n: usize, a: [usize; 6]) -> isize {
    let ret: isize;
    // SAFETY: the caller upholds the syscall's memory contract; the register use is the
    // x86_64 Linux syscall ABI.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") n as isize => ret,
            in("rdi") a[0], in("rsi") a[1], in("rdx") a[2],
            in("r10") a[3], in("r8") a[4], in("r9") a[5],
            lateout("rcx") _, lateout("r11") _,
            options(nostack, preserves_flags)
        );
    }
    ret
}
