//! The library's dynamic symbol table is exactly the public API (DESIGN.md, "The C ABI
//! contract") plus the exec family, and it imports nothing from the C library but memory,
//! errno, `environ` and the pthread calls of its cancellation points.

use std::process::Command;

/// Grows as each exported function lands; `docs/COMPATIBILITY.md` lists the same set.
const EXPORTS: &[&str] = &[
    "connect",
    // The exec family (src/abi/exec.rs): `netshim run`'s subtree tracing needs the moment a
    // preloaded process execs an image the preload cannot see (static, Go, 32-bit, or with
    // the preload dropped from its environment), to put it under the tracer first, so that
    // the rest of the tree runs untraced and set-uid programs keep their privilege. Every
    // member is here because glibc's call each other through internal aliases. Each is the
    // kernel's execve/execveat as glibc's (PATH search, /bin/sh fallback, errno: compared in
    // c-tests); not declared in netshim.h (they are <unistd.h>'s).
    "execl",
    "execle",
    "execlp",
    "execv",
    "execve",
    "execveat",
    "execvp",
    "execvpe",
    "fexecve",
    "freeaddrinfo",
    "gai_strerror",
    "getaddrinfo",
    "getnameinfo",
    "getsockopt",
    // posix_spawn and posix_spawnp (src/abi/spawn.rs): glibc's exec their program through an
    // internal call, so under subtree tracing netshim makes the spawn of a program that
    // needs the tracer itself (glibc's steps, compared in tests/trace); every other call goes
    // to glibc's own function, found with dlvsym (an allowed import) at its first use.
    "posix_spawn",
    "posix_spawnp",
    "socket",
];

/// What netshim may take from the C library: memory, errno, the string functions the
/// compiler emits for copies and comparisons, for IDN the loader and mbrtowc, and the
/// pthread calls of its cancellation points. No I/O: that goes through raw syscalls
/// (the tripwire test proves it at run time), and no Rust runtime symbols
/// (rust_eh_personality would mean unwinding code slipped into a panic=abort library).
const ALLOWED_IMPORTS: &[&str] = &[
    "__errno_location",
    // The C library's current environment (a variable, not a call): execv, execvp and
    // execl pass it on, and execvp's PATH search reads PATH from it, as glibc's do.
    "environ",
    "bcmp",
    "calloc",
    "free",
    "malloc",
    "memcmp",
    "memcpy",
    "memmove",
    "memset",
    "posix_memalign",
    "realloc",
    "strlen",
    // IDN only (src/sys/idn2.rs), as glibc 2.36 does it: libidn2 is loaded at the first
    // AI_IDN / AI_CANONIDN / NI_IDN conversion with dlopen + dlvsym (dlclose when it lacks
    // the functions), and a name is told ASCII or not by mbrtowc in the program's locale.
    // None of them is called otherwise; their I/O (the loader reading libidn2) is glibc's
    // own behaviour for the same request (docs/COMPATIBILITY.md, "IDN").
    "dlclose",
    "dlopen",
    "dlvsym",
    "mbrtowc",
    // pthread cancellation points (src/sys/cancel.c, docs/COMPATIBILITY.md "Threads, fork,
    // signals"): the window glibc's own connect opens (pthread_setcanceltype), the unwind
    // buffer pthread_cleanup_push registers (__sigsetjmp, __pthread_register_cancel,
    // __pthread_unregister_cancel), and pthread_exit to pass a cancellation on. None of
    // them does I/O: the tripwire test still proves that none goes through glibc.
    "__pthread_register_cancel",
    "__pthread_unregister_cancel",
    "__sigsetjmp",
    "pthread_exit",
    "pthread_setcanceltype",
    // weak references every shared object carries
    "_ITM_deregisterTMCloneTable",
    "_ITM_registerTMCloneTable",
    "__cxa_finalize",
    "__gmon_start__",
];

fn library() -> std::path::PathBuf {
    let dir = std::env::var("NETSHIM_LIB_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target/release").into());
    std::path::Path::new(&dir).join("libnetshim.so")
}

/// The dynamic symbols `nm -D` lists with `filter` (--defined-only or --undefined-only).
fn dynamic_symbols(filter: &str) -> Vec<String> {
    let lib = library();
    assert!(lib.exists(), "{} missing: run `make` first", lib.display());
    let out = Command::new("nm")
        .args(["-D", filter, "--format=posix"])
        .arg(&lib)
        .output()
        .expect("nm runs");
    assert!(
        out.status.success(),
        "nm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|n| n.split('@').next().unwrap_or(n).to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn defined_dynamic_symbols_are_exactly_the_api() {
    assert_eq!(
        dynamic_symbols("--defined-only"),
        EXPORTS,
        "exported symbols differ from the public API"
    );
}

#[test]
fn imports_are_only_memory_errno_and_cancellation() {
    let extra: Vec<String> = dynamic_symbols("--undefined-only")
        .into_iter()
        .filter(|name| !ALLOWED_IMPORTS.contains(&name.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "unexpected imports from the C library: {extra:?}"
    );
}

/// `readelf -d` of the library: its dynamic section.
fn dynamic_section() -> String {
    let out = Command::new("readelf")
        .args(["-d"])
        .arg(library())
        .output()
        .expect("readelf runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn soname_is_versioned() {
    let text = dynamic_section();
    assert!(
        text.contains("Library soname: [libnetshim.so.0]"),
        "soname missing or wrong:\n{text}"
    );
}

/// Every import is libc.so.6's, and the library says so: DT_NEEDED names it, so the loader
/// binds each import at its version there (nm shows them versioned), and ldd tells the truth.
#[test]
fn needs_libc_and_nothing_else() {
    let text = dynamic_section();
    let needed: Vec<&str> = text.lines().filter(|l| l.contains("(NEEDED)")).collect();
    assert_eq!(needed.len(), 1, "NEEDED entries:\n{text}");
    assert!(needed[0].contains("[libc.so.6]"), "NEEDED entries:\n{text}");
}
