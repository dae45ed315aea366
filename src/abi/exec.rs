//! The exec family: execve, execv, execvp, execvpe, execveat, fexecve, execl, execle and
//! execlp, each the kernel's execve/execveat as glibc 2.36 makes it (its PATH search, its
//! `#!`-less script fallback to /bin/sh, its errno), with one step first: under
//! `netshim run`'s subtree tracing (NETSHIM_TRACER set, docs/LOGGING.md) an image the preload
//! cannot see is put under the tracer before the exec (log/subtree.rs). Without
//! NETSHIM_TRACER that step is one lookup in the variables read at load.
//!
//! Every function of the family is here because glibc's own call each other, and posix_spawn
//! and system(), through internal aliases that an interposed `execve` never sees. These are
//! libc's functions, declared by <unistd.h>: cbindgen.toml keeps them out of netshim.h.
//!
//! Nothing here allocates (an argument list of more than `ARGV_MAX` entries goes into a mapping
//! of its own, not the heap), and the common path keeps its stack small: the functions are called in vfork children and on
//! small thread stacks.

use super::errno;
use crate::log::subtree::{self, Need};
use crate::sys::exec::proc_fd_path;
use crate::sys::{self, exec, Errno, RawFd};
use core::ffi::{c_char, c_int};

pub(crate) type Argv = *const *const c_char;

/// Arguments kept on the stack for execl*, and for the /bin/sh fallback (32 in the caller's
/// frame, up to this many in a frame of their own); more go to an anonymous mapping.
const ARGV_MAX: usize = 1024;

extern "C" {
    /// The C library's current environment: execv, execvp and execl use it, as glibc's do,
    /// and the PATH search reads PATH from it.
    static environ: Argv;
}

/// The current environment, as <unistd.h>'s `environ` is when the call is made.
fn current_environ() -> Argv {
    // SAFETY: `environ` is the C library's variable; reading the pointer is always valid.
    unsafe { core::ptr::addr_of!(environ).read() }
}

/// execve(2), after the subtree-tracing step.
#[no_mangle]
pub unsafe extern "C" fn execve(path: *const c_char, argv: Argv, envp: Argv) -> c_int {
    hook_path(libc::AT_FDCWD, path, 0, envp);
    // SAFETY: the pointers go to the kernel untouched; it validates them.
    fail(unsafe { exec::execve(path, argv, envp) })
}

/// execv(3): execve with the current environment.
#[no_mangle]
pub unsafe extern "C" fn execv(path: *const c_char, argv: Argv) -> c_int {
    // SAFETY: as for execve.
    unsafe { execve(path, argv, current_environ()) }
}

/// execveat(2), after the subtree-tracing step.
#[no_mangle]
pub unsafe extern "C" fn execveat(
    dirfd: c_int,
    path: *const c_char,
    argv: Argv,
    envp: Argv,
    flags: c_int,
) -> c_int {
    hook_path(dirfd, path, flags, envp);
    // SAFETY: the pointers go to the kernel untouched; it validates them.
    fail(unsafe { exec::execveat(dirfd, path, argv, envp, flags) })
}

/// fexecve(3), as glibc's: EINVAL for a negative fd or a null argv or envp, then
/// execveat(fd, "", AT_EMPTY_PATH), and /proc/self/fd/N where the kernel lacks execveat.
#[no_mangle]
pub unsafe extern "C" fn fexecve(fd: c_int, argv: Argv, envp: Argv) -> c_int {
    if fd < 0 || argv.is_null() || envp.is_null() {
        errno::set(Errno::INVAL);
        return -1;
    }
    if let Some(socket) = subtree::tracer() {
        if let Some((image, readable)) = exec::reopen_for_check(fd) {
            hook_image(socket, image, readable, b"(fexecve)", envp);
        }
    }
    // SAFETY: the pointers go to the kernel untouched; it validates them.
    let e = unsafe { exec::execveat(fd, c"".as_ptr(), argv, envp, libc::AT_EMPTY_PATH) };
    if e != Errno::NOSYS {
        return fail(e);
    }
    let mut path = [0u8; 32];
    let n = proc_fd_path(fd, &mut path);
    // SAFETY: `path` is NUL-terminated; argv and envp go to the kernel untouched.
    fail(unsafe { exec::execve(path[..n].as_ptr().cast(), argv, envp) })
}

/// execvp(3): execvpe with the current environment.
#[no_mangle]
pub unsafe extern "C" fn execvp(file: *const c_char, argv: Argv) -> c_int {
    // SAFETY: as for execvpe.
    unsafe { execvpe(file, argv, current_environ()) }
}

/// execvpe(3), glibc 2.36's posix/execvpe.c: a name with a slash is exec'd as it is; else
/// each PATH entry (the current environment's PATH; "/bin:/usr/bin" without one, an empty
/// entry meaning the current directory) is tried in turn, going on past EACCES (reported at
/// the end if nothing else ran), ENOENT, ESTALE, ENOTDIR, ENODEV and ETIMEDOUT, stopping at
/// any other error. A file the kernel refuses with ENOEXEC is run by /bin/sh.
///
/// # Safety
/// `file` is null (EFAULT, as glibc would crash instead) or NUL-terminated; `argv` as for
/// execve(2).
#[no_mangle]
pub unsafe extern "C" fn execvpe(file: *const c_char, argv: Argv, envp: Argv) -> c_int {
    // SAFETY: see the function's contract.
    match unsafe { search_and_exec(file, argv, envp, Search::WithScripts) } {
        Some(e) => fail(e),
        None => -1, // nothing could be tried: errno as it was, as glibc leaves it
    }
}

/// How `search_and_exec` runs a file.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Search {
    /// execve of the path as given (posix_spawn; every variant asks the tracer first where
    /// the image needs it).
    No,
    /// glibc's __execvpex: the PATH search without the /bin/sh fallback (posix_spawnp).
    Plain,
    /// execvpe: the PATH search, and /bin/sh for a file the kernel refuses with ENOEXEC.
    WithScripts,
}

/// glibc 2.36's __execvpe_common (posix/execvpe.c): returns the error to report, or None
/// when nothing could be tried (glibc then leaves errno as it was).
///
/// # Safety
/// `file` is null or NUL-terminated; `argv` and `envp` go to the kernel.
pub(crate) unsafe fn search_and_exec(
    file: *const c_char,
    argv: Argv,
    envp: Argv,
    how: Search,
) -> Option<Errno> {
    if file.is_null() {
        return Some(Errno::FAULT);
    }
    let attempt = |path: *const c_char| -> Errno {
        // SAFETY: `path` is NUL-terminated; argv and envp go to the kernel untouched.
        unsafe {
            if how == Search::WithScripts {
                exec_or_script(path, argv, envp)
            } else {
                hook_path(libc::AT_FDCWD, path, 0, envp);
                exec::execve(path, argv, envp)
            }
        }
    };
    if how == Search::No {
        return Some(attempt(file));
    }
    // SAFETY: `file` is a NUL-terminated string from the caller, as execvp requires.
    let name = unsafe { core::ffi::CStr::from_ptr(file) }.to_bytes();
    if name.is_empty() {
        return Some(Errno::NOENT);
    }
    if name.contains(&b'/') {
        return Some(attempt(file));
    }
    let mut got_eacces = false;
    // None while nothing was tried.
    let mut last = None;
    let stopped = each_candidate(name, &mut |candidate| {
        let e = attempt(candidate.as_ptr().cast());
        last = Some(e);
        match e {
            Errno::ACCES => got_eacces = true,
            Errno::NOENT | Errno::STALE | Errno::NOTDIR | Errno::NODEV | Errno::TIMEDOUT => {}
            _ => return true,
        }
        false
    });
    match stopped {
        Err(e) => Some(e),
        Ok(true) => last,
        Ok(false) if got_eacces => Some(Errno::ACCES),
        Ok(false) => last,
    }
}

/// Calls `f` with each path execvp would try for `name` (NUL-terminated), in order, until
/// it returns true (Ok(true)) or the list ends (Ok(false)); Err for a name glibc refuses.
/// PATH is the current environment's, "/bin:/usr/bin" without one; an empty entry is the
/// current directory; an entry as long as PATH's first PATH_MAX - 1 bytes is skipped, as
/// glibc skips it (its stack buffer would not hold it), going on from the colon itself.
pub(crate) fn each_candidate(name: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) -> Result<bool, Errno> {
    // glibc measures the name with strnlen(file, NAME_MAX) and copies that many bytes and
    // one more: a longer name is tried as its first 256 bytes (the kernel then answers
    // ENAMETOOLONG where the directory exists, ENOENT where it does not).
    const NAME_MAX: usize = 255;
    let name = &name[..name.len().min(NAME_MAX + 1)];
    let path = path_variable().unwrap_or(b"/bin:/usr/bin");
    let limit = path.len().min(libc::PATH_MAX as usize - 1) + 1;
    let mut buf = [0u8; libc::PATH_MAX as usize + NAME_MAX + 2];
    let mut p = 0;
    loop {
        let subp = p + path[p..]
            .iter()
            .position(|&b| b == b':')
            .unwrap_or(path.len() - p);
        if subp - p >= limit {
            if subp == path.len() {
                return Ok(false);
            }
            p = subp;
            continue;
        }
        let dir = &path[p..subp];
        let mut n = dir.len();
        buf[..n].copy_from_slice(dir);
        if n > 0 {
            buf[n] = b'/';
            n += 1;
        }
        buf[n..n + name.len()].copy_from_slice(name);
        buf[n + name.len()] = 0;
        if f(&buf[..=n + name.len()]) {
            return Ok(true);
        }
        if subp == path.len() {
            return Ok(false);
        }
        p = subp + 1;
    }
}

/// The file posix_spawnp would run for a name without a slash, opened for the checks: the
/// first candidate that is an executable file (the exec's own search takes the same one).
pub(crate) fn find_in_path(name: &[u8]) -> Option<(RawFd, bool)> {
    let mut found = None;
    let _ = each_candidate(name, &mut |candidate| {
        if exec::executable(candidate) {
            found = exec::open_path_for_check(candidate);
        }
        found.is_some()
    });
    found
}

/// One attempt of execvpe's: execve, and on ENOEXEC the file as a /bin/sh script (glibc's
/// maybe_script_execute: argv becomes "/bin/sh", the file, then argv[1..]). The error is
/// the last execve's, as glibc's errno is.
///
/// # Safety
/// `path` is NUL-terminated; argv and envp as for execve(2).
unsafe fn exec_or_script(path: *const c_char, argv: Argv, envp: Argv) -> Errno {
    hook_path(libc::AT_FDCWD, path, 0, envp);
    // SAFETY: see the function's contract.
    let e = unsafe { exec::execve(path, argv, envp) };
    if e != Errno::NOEXEC || argv.is_null() {
        return e;
    }
    let mut argc = 0usize;
    // SAFETY: argv was accepted by the kernel just now (ENOEXEC comes after it read argv):
    // a NULL-terminated array of pointers.
    while !unsafe { *argv.add(argc) }.is_null() {
        argc += 1;
    }
    let sh = c"/bin/sh".as_ptr();
    let count = 2 + argc.saturating_sub(1) + 1;
    hook_path(libc::AT_FDCWD, sh, 0, envp);
    with_args(
        count,
        &mut |args| {
            args[0] = sh;
            args[1] = path;
            for i in 1..argc {
                // SAFETY: i < argc, within the array counted above.
                args[i + 1] = unsafe { *argv.add(i) };
            }
        },
        // SAFETY: `args` is NULL-terminated (its last slot stays null); envp as above.
        &mut |args| unsafe { exec::execve(sh, args, envp) },
        || Errno::NOMEM,
    )
}

/// Calls `then` with a NULL-terminated array of `count` pointers (the last one stays null)
/// that `fill` has written: on the stack when it is short, in a frame of its own when it is
/// longer (so that the common path reserves little of the caller's stack: these run on
/// small thread stacks and in vfork children), in an anonymous mapping beyond `ARGV_MAX` (never the heap).
fn with_args<R>(
    count: usize,
    fill: &mut dyn FnMut(&mut [*const c_char]),
    then: &mut dyn FnMut(Argv) -> R,
    no_memory: fn() -> R,
) -> R {
    const SHORT: usize = 32;
    if count > SHORT {
        return with_long_args(count, fill, then, no_memory);
    }
    let mut args = [core::ptr::null::<c_char>(); SHORT];
    fill(&mut args[..count - 1]);
    then(args.as_ptr())
}

#[inline(never)]
fn with_long_args<R>(
    count: usize,
    fill: &mut dyn FnMut(&mut [*const c_char]),
    then: &mut dyn FnMut(Argv) -> R,
    no_memory: fn() -> R,
) -> R {
    if count > ARGV_MAX {
        // Not the heap: these run in vfork children. (A vfork child whose exec succeeds
        // leaves this mapping in its parent, as it would leave a heap block.)
        let mut map = match exec::Pointers::new(count) {
            Ok(map) => map,
            Err(_) => return no_memory(),
        };
        let args = map.as_mut_slice();
        fill(&mut args[..count - 1]);
        return then(args.as_ptr());
    }
    let mut args = [core::ptr::null::<c_char>(); ARGV_MAX];
    fill(&mut args[..count - 1]);
    then(args.as_ptr())
}

/// PATH from the current environment, if set.
fn path_variable() -> Option<&'static [u8]> {
    let env = current_environ();
    if env.is_null() {
        return None;
    }
    let mut i = 0;
    loop {
        // SAFETY: the C library's environment is a NULL-terminated array of NUL-terminated
        // strings that the program keeps valid (getenv reads it the same way).
        let entry = unsafe { *env.add(i) };
        if entry.is_null() {
            return None;
        }
        // SAFETY: as above.
        let bytes = unsafe { core::ffi::CStr::from_ptr(entry) }.to_bytes();
        if let Some(value) = bytes.strip_prefix(b"PATH=") {
            return Some(value);
        }
        i += 1;
    }
}

// ---- execl, execle, execlp: variadic, so their entry is a few instructions of assembly
// that store the argument registers next to each other and call `execl_common` with where
// the variadic arguments are: `regs` (those that came in registers) then `stack`.

const EXECL: usize = 0;
const EXECLE: usize = 1;
const EXECLP: usize = 2;

/// The variadic arguments of an execl* call: `nregs` in registers (stored at `regs`), the
/// rest on the caller's stack.
struct Variadic {
    regs: *const usize,
    nregs: usize,
    stack: *const usize,
}

impl Variadic {
    /// The i-th variadic argument.
    ///
    /// # Safety
    /// The caller passed at least i + 1 variadic arguments.
    unsafe fn get(&self, i: usize) -> usize {
        // SAFETY: see the function's contract: the slot holds an argument.
        unsafe {
            if i < self.nregs {
                *self.regs.add(i)
            } else {
                *self.stack.add(i - self.nregs)
            }
        }
    }
}

/// # Safety
/// Called only by the entry stubs below, with the layout they make; the caller of execl*
/// passed a NULL-terminated list of `char *` (and, for execle, the environment after it).
unsafe extern "C" fn execl_common(
    path: *const c_char,
    regs: *const usize,
    nregs: usize,
    stack: *const usize,
    mode: usize,
) -> c_int {
    let va = Variadic { regs, nregs, stack };
    let mut argc = 0usize;
    // SAFETY: the list is NULL-terminated (execl's contract).
    while unsafe { va.get(argc) } != 0 {
        argc += 1;
        if argc >= i32::MAX as usize - 1 {
            errno::set(Errno::TOOBIG);
            return -1;
        }
    }
    let envp = if mode == EXECLE {
        // SAFETY: execle passes the environment after the NULL.
        unsafe { va.get(argc + 1) as Argv }
    } else {
        current_environ()
    };
    with_args(
        argc + 1,
        &mut |argv| {
            for (i, slot) in argv.iter_mut().enumerate() {
                // SAFETY: i < argc.
                *slot = unsafe { va.get(i) } as *const c_char;
            }
        },
        // SAFETY: argv is NULL-terminated; path and envp come from the caller.
        &mut |argv| unsafe {
            if mode == EXECLP {
                execvpe(path, argv, envp)
            } else {
                execve(path, argv, envp)
            }
        },
        || {
            errno::set(Errno::NOMEM);
            -1
        },
    )
}

/// Entry stubs. x86_64 (System V): path in rdi, the first five variadic arguments in rsi,
/// rdx, rcx, r8, r9, the rest above the return address.
#[cfg(target_arch = "x86_64")]
macro_rules! variadic_entry {
    ($name:ident, $mode:expr) => {
        /// See `execl_common`.
        #[unsafe(naked)]
        #[no_mangle]
        pub unsafe extern "C" fn $name() {
            core::arch::naked_asm!(
                "push rbp",
                "mov rbp, rsp",
                "sub rsp, 48",
                "mov [rsp], rsi",
                "mov [rsp + 8], rdx",
                "mov [rsp + 16], rcx",
                "mov [rsp + 24], r8",
                "mov [rsp + 32], r9",
                "mov rsi, rsp",
                "mov edx, 5",
                "lea rcx, [rbp + 16]",
                "mov r8d, {mode}",
                "call {common}",
                "leave",
                "ret",
                mode = const $mode,
                common = sym execl_common,
            )
        }
    };
}

/// aarch64 (AAPCS64 as Linux uses it): path in x0, the first seven variadic arguments in
/// x1–x7, the rest on the stack at the entry's sp.
#[cfg(target_arch = "aarch64")]
macro_rules! variadic_entry {
    ($name:ident, $mode:expr) => {
        /// See `execl_common`.
        #[unsafe(naked)]
        #[no_mangle]
        pub unsafe extern "C" fn $name() {
            core::arch::naked_asm!(
                "stp x29, x30, [sp, #-80]!",
                "mov x29, sp",
                "stp x1, x2, [sp, #16]",
                "stp x3, x4, [sp, #32]",
                "stp x5, x6, [sp, #48]",
                "str x7, [sp, #64]",
                "add x1, sp, #16",
                "mov x2, #7",
                "add x3, sp, #80",
                "mov x4, #{mode}",
                "bl {common}",
                "ldp x29, x30, [sp], #80",
                "ret",
                mode = const $mode,
                common = sym execl_common,
            )
        }
    };
}

variadic_entry!(execl, EXECL);
variadic_entry!(execle, EXECLE);
variadic_entry!(execlp, EXECLP);

// ---- the subtree-tracing step ----

/// Before an exec of `path` relative to `dirfd` (flags: execveat's AT_SYMLINK_NOFOLLOW,
/// AT_EMPTY_PATH): asks the tracer when the image needs it.
fn hook_path(dirfd: RawFd, path: *const c_char, flags: c_int, envp: Argv) {
    let Some(socket) = subtree::tracer() else {
        return;
    };
    let nofollow = if flags & libc::AT_SYMLINK_NOFOLLOW != 0 {
        libc::O_NOFOLLOW
    } else {
        0
    };
    // SAFETY: `path` goes to the kernel untouched (it answers EFAULT for a bad one).
    let image = match unsafe { exec::open_for_check(dirfd, path, nofollow) } {
        Some(image) => Some(image),
        // execveat(fd, "", AT_EMPTY_PATH): the image is the fd itself.
        None if flags & libc::AT_EMPTY_PATH != 0 => exec::reopen_for_check(dirfd),
        None => None,
    };
    if let Some((image, readable)) = image {
        // SAFETY: a path the kernel has just opened is a readable NUL-terminated string.
        let name = unsafe { core::ffi::CStr::from_ptr(path) }.to_bytes();
        hook_image(socket, image, readable, name, envp);
    }
}

/// Decides on the opened image (and closes it), then asks the tracer if needed. `name` is
/// what the tracer's warning calls it.
fn hook_image(socket: &[u8], image: RawFd, readable: bool, name: &[u8], envp: Argv) {
    let need = subtree::need(image, readable, preloads(envp));
    let _ = sys::fs::close(image);
    if need != Need::Nothing {
        let _ = subtree::before_exec(socket, need, name);
    }
}

/// Whether the environment an exec passes on still names netshim in LD_PRELOAD. The
/// array and its strings are the caller's and not yet validated by the kernel, so they are
/// read with process_vm_readv (EFAULT, never a crash); an unreadable one counts as not
/// preloading.
pub(crate) fn preloads(envp: Argv) -> bool {
    const PTR: usize = core::mem::size_of::<usize>();
    const KEY: &[u8] = b"LD_PRELOAD=";
    let mut i = 0usize;
    loop {
        let mut word = [0u8; PTR];
        if exec::read_own((envp as usize).wrapping_add(i * PTR), &mut word) != PTR {
            return false;
        }
        let entry = usize::from_ne_bytes(word);
        if entry == 0 {
            return false;
        }
        let mut head = [0u8; 11];
        if exec::read_own(entry, &mut head) == KEY.len() && head == *KEY {
            let mut value = [0u8; 4096];
            let n = exec::read_own(entry, &mut value);
            let text = &value[..n];
            let end = text.iter().position(|&b| b == 0).unwrap_or(n);
            return subtree::preloads_netshim(&text[..end]);
        }
        i += 1;
        if i > 1 << 20 {
            return false;
        }
    }
}

/// -1 with errno set to `e` (every exec returns only on failure).
fn fail(e: Errno) -> c_int {
    errno::set(e);
    -1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_fd_paths() {
        let mut b = [0u8; 32];
        let n = proc_fd_path(7, &mut b);
        assert_eq!(&b[..n], b"/proc/self/fd/7\0");
        let n = proc_fd_path(1234567, &mut b);
        assert_eq!(&b[..n], b"/proc/self/fd/1234567\0");
    }

    #[test]
    fn the_environment_is_read_without_trusting_it() {
        let a = c"A=1";
        let p = c"LD_PRELOAD=/x/liba.so /y/libnetshim.so";
        let env = [a.as_ptr(), p.as_ptr(), core::ptr::null()];
        assert!(preloads(env.as_ptr()));
        let env = [a.as_ptr(), core::ptr::null()];
        assert!(!preloads(env.as_ptr()));
        assert!(!preloads(core::ptr::null()));
        // A pointer to nowhere: no crash.
        let bad = [16usize as *const c_char, core::ptr::null()];
        assert!(!preloads(bad.as_ptr()));
        assert!(!preloads(8usize as Argv));
    }
}
