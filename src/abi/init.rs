//! The library's constructor: glibc calls `.init_array` functions with (argc, argv, envp)
//! when netshim is loaded (preloaded, linked or dlopen()ed), before the program's main and
//! before any other thread exists. Configuration is read here, once.

use core::ffi::c_char;

extern "C" fn init(_argc: i32, _argv: *const *const c_char, envp: *const *const c_char) {
    // SAFETY: the loader passes the process's envp, valid for this call (or null).
    unsafe { crate::sys::env::capture(envp) };
    crate::sys::vdso::init();
    crate::sys::fork::init();
    crate::log::init();
}

// Miri runs `.init_array` entries without arguments and cannot run the syscalls they make:
// under Miri (`make miri`, pure modules only) the constructor is left out.
#[cfg(not(miri))]
#[used]
#[link_section = ".init_array"]
static INIT: extern "C" fn(i32, *const *const c_char, *const *const c_char) = init;
