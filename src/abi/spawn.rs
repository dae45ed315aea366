//! posix_spawn and posix_spawnp. glibc's exec their program through an internal call that no
//! library can interpose, so under `netshim run`'s subtree tracing (NETSHIM_TRACER set) a
//! static, Go or 32-bit program started this way would escape the tracer. Here: when the
//! program needs the tracer (log/subtree.rs), the spawn is made by netshim — a child with its
//! own copy of memory and the parent suspended until it execs (sys/spawn.rs), the attributes
//! and file actions applied as glibc 2.36's __spawni_child applies them, the tracer asked,
//! then the exec; every other call goes to glibc's own function untouched (found with
//! dlvsym at its first use), so nothing changes for programs outside `netshim run`.
//! Not in netshim.h (<spawn.h> declares them).

use super::exec::{preloads, search_and_exec, Argv, Search};
use crate::log::subtree::{self, Need};
use crate::sys::{self, signal, spawn, Errno, RawFd};
use core::ffi::{c_char, c_int, c_void};
use core::sync::atomic::{AtomicUsize, Ordering};

type Spawn = unsafe extern "C" fn(
    *mut libc::pid_t,
    *const c_char,
    *const c_void,
    *const c_void,
    Argv,
    Argv,
) -> c_int;

/// The version of glibc's posix_spawn and posix_spawnp that programs link today.
#[cfg(target_arch = "x86_64")]
const VERSION: &core::ffi::CStr = c"GLIBC_2.15";
#[cfg(target_arch = "aarch64")]
const VERSION: &core::ffi::CStr = c"GLIBC_2.17";

static NEXT_SPAWN: AtomicUsize = AtomicUsize::new(0);
static NEXT_SPAWNP: AtomicUsize = AtomicUsize::new(0);

/// glibc's own function of that name (the next definition after netshim's).
fn next(slot: &AtomicUsize, name: &core::ffi::CStr) -> Option<Spawn> {
    let mut f = slot.load(Ordering::Acquire);
    if f == 0 {
        let saved = super::errno::saved();
        // SAFETY: RTLD_NEXT and two NUL-terminated names; dlvsym returns a function of
        // glibc's posix_spawn type or null.
        f = unsafe { libc::dlvsym(libc::RTLD_NEXT, name.as_ptr(), VERSION.as_ptr()) } as usize;
        super::errno::restore(saved);
        slot.store(f, Ordering::Release);
    }
    // SAFETY: a non-null address dlvsym gave for this name, of this type.
    (f != 0).then(|| unsafe { core::mem::transmute::<usize, Spawn>(f) })
}

/// posix_spawn(3).
#[no_mangle]
pub unsafe extern "C" fn posix_spawn(
    pid: *mut libc::pid_t,
    path: *const c_char,
    actions: *const c_void,
    attr: *const c_void,
    argv: Argv,
    envp: Argv,
) -> c_int {
    // SAFETY: forwarded as the caller passed them.
    unsafe { spawn_common(pid, path, actions, attr, argv, envp, false) }
}

/// posix_spawnp(3).
#[no_mangle]
pub unsafe extern "C" fn posix_spawnp(
    pid: *mut libc::pid_t,
    file: *const c_char,
    actions: *const c_void,
    attr: *const c_void,
    argv: Argv,
    envp: Argv,
) -> c_int {
    // SAFETY: forwarded as the caller passed them.
    unsafe { spawn_common(pid, file, actions, attr, argv, envp, true) }
}

unsafe fn spawn_common(
    pid: *mut libc::pid_t,
    file: *const c_char,
    actions: *const c_void,
    attr: *const c_void,
    argv: Argv,
    envp: Argv,
    search: bool,
) -> c_int {
    let need = match subtree::tracer() {
        Some(socket) => match image_of(file, search) {
            Some((fd, readable)) => {
                let need = subtree::need(fd, readable, preloads(envp));
                let _ = sys::fs::close(fd);
                if need == Need::Privileged {
                    // SAFETY: image_of opened it: a NUL-terminated string.
                    let name = unsafe { core::ffi::CStr::from_ptr(file) }.to_bytes();
                    let _ = subtree::before_exec(socket, need, name);
                }
                need
            }
            None => Need::Nothing,
        },
        None => Need::Nothing,
    };
    let list: &[spawn::Action] = if actions.is_null() {
        &[]
    } else {
        // SAFETY: glibc's file actions layout, read only when non-null (the caller's object).
        let fa = unsafe { &*(actions as *const spawn::Actions) };
        if fa.used <= 0 || fa.actions.is_null() {
            &[]
        } else {
            // SAFETY: glibc keeps `used` initialised actions at `actions`.
            unsafe { core::slice::from_raw_parts(fa.actions, fa.used as usize) }
        }
    };
    // A relative path resolved after a chdir or fchdir action may be another file than the
    // one looked at here: the child then decides itself, after its file actions.
    let moves = list
        .iter()
        .any(|a| a.tag == spawn::CHDIR || a.tag == spawn::FCHDIR);
    let relative = !file.is_null()
        // SAFETY: posix_spawn's path is a NUL-terminated string.
        && unsafe { *file } != b'/' as c_char;
    let ours = need == Need::Trace || (moves && relative && subtree::tracer().is_some());
    if !ours || !spawn::known(list) {
        let (slot, name) = if search {
            (&NEXT_SPAWNP, c"posix_spawnp")
        } else {
            (&NEXT_SPAWN, c"posix_spawn")
        };
        return match next(slot, name) {
            // SAFETY: glibc's function, with the caller's arguments untouched.
            Some(f) => unsafe { f(pid, file, actions, attr, argv, envp) },
            None => libc::ENOSYS,
        };
    }
    let default = spawn::Attr {
        flags: 0,
        pgrp: 0,
        sd: [0; 16],
        ss: [0; 16],
        sched_priority: 0,
        policy: 0,
        pad: [0; 16],
    };
    let attr = if attr.is_null() {
        &default
    } else {
        // SAFETY: <spawn.h>'s posix_spawnattr_t, when given (the caller's object).
        unsafe { &*(attr as *const spawn::Attr) }
    };
    // SAFETY: the caller's pointers, read in the child as glibc reads them.
    unsafe { spawn_traced(pid, file, list, attr, argv, envp, search) }
}

/// The image a spawn would exec, opened for the subtree check: the path itself, or for
/// posix_spawnp a name without a slash looked up in the current PATH (the first entry
/// holding an executable file of that name, as the exec's own search finds it).
fn image_of(file: *const c_char, search: bool) -> Option<(RawFd, bool)> {
    if file.is_null() {
        return None;
    }
    // SAFETY: posix_spawn's path is a NUL-terminated string.
    let name = unsafe { core::ffi::CStr::from_ptr(file) }.to_bytes();
    if !search || name.contains(&b'/') {
        // SAFETY: as above.
        return unsafe { sys::exec::open_for_check(libc::AT_FDCWD, file, 0) };
    }
    super::exec::find_in_path(name)
}

/// The spawn made here: see the module's comment. Returns 0 or an error number, as
/// posix_spawn does (errno untouched).
unsafe fn spawn_traced(
    pid: *mut libc::pid_t,
    file: *const c_char,
    actions: &[spawn::Action],
    attr: &spawn::Attr,
    argv: Argv,
    envp: Argv,
    search: bool,
) -> c_int {
    if argv.is_null() {
        return libc::EFAULT;
    }
    let Ok(shared) = spawn::Shared::new() else {
        return libc::ENOMEM;
    };
    let saved = super::errno::saved();
    let old_mask = signal::block_all();
    let child = spawn::vfork_copy();
    if child == Ok(0) {
        // The child: a copy of this process, alone; raw syscalls only until the exec.
        let sigdef = (attr.flags & spawn::SETSIGDEF != 0).then_some(attr.sd[0]);
        spawn::reset_handlers(sigdef);
        let mut result = spawn::apply_attr(attr);
        for a in actions {
            if result.is_err() {
                break;
            }
            let pgrp = if attr.flags & spawn::SETPGROUP != 0 && attr.pgrp != 0 {
                attr.pgrp
            } else {
                spawn::getpgid()
            };
            // SAFETY: the caller's file actions, whose paths go to the kernel.
            result = unsafe { spawn::apply_action(a, pgrp) };
        }
        let e = match result {
            Err(e) => e,
            Ok(()) => {
                // The exec below asks the tracer (the exec hooks' check, now that the file
                // actions have run: the directory is the program's).
                signal::restore_mask(if attr.flags & spawn::SETSIGMASK != 0 {
                    attr.ss[0]
                } else {
                    old_mask
                });
                let how = if search { Search::Plain } else { Search::No };
                // SAFETY: the caller's path, argv and envp go to the kernel.
                unsafe { search_and_exec(file, argv, envp, how) }.unwrap_or(Errno::NOENT)
            }
        };
        shared.set(if e.raw() > 0 { e.raw() } else { libc::ECHILD });
        spawn::child_exit();
    }
    let ec = match child {
        Ok(child) => {
            let ec = shared.get();
            if ec > 0 {
                spawn::reap(child);
            } else if !pid.is_null() {
                // SAFETY: the caller's pid_t, written only on success as glibc does.
                unsafe { *pid = child };
            }
            ec
        }
        Err(e) => e.raw(),
    };
    signal::restore_mask(old_mask);
    super::errno::restore(saved);
    ec
}
