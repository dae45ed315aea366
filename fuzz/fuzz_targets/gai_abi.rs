//! getaddrinfo, getnameinfo and gai_strerror of the built library (dlopen of
//! target/release/libnetshim.so, or NETSHIM_FUZZ_SO), fed arbitrary node, service and hints
//! bytes and arbitrary socket addresses, lengths and flags through the C ABI, as a C program
//! calls them. The resolver files are the gai-diff fixtures; nsswitch adds `dns` only where
//! loopback is down (the smoke's `unshare -n`), so no input waits on, or reaches, a server. Any crash or hang is a bug, and so is an answer that breaks
//! the C contract: an unknown EAI code, a list entry whose family, address length or address
//! disagree, a name that is not NUL-terminated inside its buffer.
//! The library is not instrumented (it is a cdylib built by `make lib`): libFuzzer steers by
//! the coverage of this harness only, so this target finds crashes, not deep paths; the
//! parser targets cover the resolver's insides.
//! Run: `make lib`, then `cargo +nightly fuzz run gai_abi` in this folder.
#![no_main]

use core::ffi::{c_char, c_int, c_void, CStr};
use libc::{addrinfo, sockaddr, socklen_t};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

type GetAddrInfo = unsafe extern "C" fn(
    *const c_char,
    *const c_char,
    *const addrinfo,
    *mut *mut addrinfo,
) -> c_int;
type FreeAddrInfo = unsafe extern "C" fn(*mut addrinfo);
type GetNameInfo = unsafe extern "C" fn(
    *const sockaddr,
    socklen_t,
    *mut c_char,
    socklen_t,
    *mut c_char,
    socklen_t,
    c_int,
) -> c_int;
type GaiStrerror = unsafe extern "C" fn(c_int) -> *const c_char;

struct Netshim {
    getaddrinfo: GetAddrInfo,
    freeaddrinfo: FreeAddrInfo,
    getnameinfo: GetNameInfo,
    gai_strerror: GaiStrerror,
}

/// glibc's EAI_* values, 0 and EAI_SYSTEM included, and EAI_IDN_ENCODE (-105, AI_IDN and
/// NI_IDN with a name the locale cannot convert).
const EAI_CODES: [c_int; 14] = [0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -105];

fn netshim() -> &'static Netshim {
    static LIB: OnceLock<Netshim> = OnceLock::new();
    LIB.get_or_init(|| {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let fixtures = format!("{root}/tests/gai-diff/fixtures");
        // One directory, rewritten by every run (libFuzzer ends the process with exit()).
        let conf = std::path::PathBuf::from(format!("{root}/build/fuzz/gai_abi-conf"));
        std::fs::create_dir_all(&conf).unwrap();
        // The DNS path too, where no query can leave: in a network namespace whose loopback
        // is down (fuzz/smoke.sh runs the targets under `unshare -n`) every send fails at once
        // (ENETUNREACH), so each lookup walks the whole search list in microseconds. Anywhere
        // else (a resolver may listen on 127.0.0.1:53), files only.
        let offline = std::net::UdpSocket::bind("0.0.0.0:0")
            .and_then(|s| s.connect("127.0.0.1:53"))
            .is_err();
        let hosts = if offline { "files dns" } else { "files" };
        eprintln!("gai_abi: nsswitch hosts: {hosts}");
        let nsswitch = format!("hosts: {hosts}\nservices: files\n");
        std::fs::write(conf.join("nsswitch.conf"), nsswitch).unwrap();
        let resolv = "nameserver 127.0.0.1\nnameserver ::1\nsearch dns.test other.test\n\
                      options ndots:2 timeout:1 attempts:1\n";
        std::fs::write(conf.join("resolv.conf"), resolv).unwrap();
        // The library reads its variables in its constructor: set them before dlopen.
        for (var, path) in [
            ("NETSHIM_HOSTS", format!("{fixtures}/hosts")),
            ("NETSHIM_SERVICES", format!("{fixtures}/services")),
            ("NETSHIM_HOST_CONF", format!("{fixtures}/host.conf")),
            ("NETSHIM_GAI_CONF", format!("{fixtures}/gai.conf")),
            (
                "NETSHIM_NSSWITCH",
                conf.join("nsswitch.conf").display().to_string(),
            ),
            (
                "NETSHIM_RESOLV_CONF",
                conf.join("resolv.conf").display().to_string(),
            ),
        ] {
            std::env::set_var(var, path);
        }
        let so = std::env::var("NETSHIM_FUZZ_SO")
            .unwrap_or_else(|_| format!("{root}/target/release/libnetshim.so"));
        let so_c = std::ffi::CString::new(so.clone()).unwrap();
        // SAFETY: a NUL-terminated path; the handle is kept for the process's life.
        let handle = unsafe { libc::dlopen(so_c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        assert!(
            !handle.is_null(),
            "dlopen {so} failed: run `make lib` first"
        );
        let sym = |name: &CStr| -> *mut c_void {
            // SAFETY: a live handle and a NUL-terminated name.
            let p = unsafe { libc::dlsym(handle, name.as_ptr()) };
            assert!(!p.is_null(), "{so} has no {name:?}");
            p
        };
        // SAFETY: each symbol is the library's export of that C signature (tests/exports.rs).
        unsafe {
            Netshim {
                getaddrinfo: core::mem::transmute::<*mut c_void, GetAddrInfo>(sym(c"getaddrinfo")),
                freeaddrinfo: core::mem::transmute::<*mut c_void, FreeAddrInfo>(sym(
                    c"freeaddrinfo",
                )),
                getnameinfo: core::mem::transmute::<*mut c_void, GetNameInfo>(sym(c"getnameinfo")),
                gai_strerror: core::mem::transmute::<*mut c_void, GaiStrerror>(sym(
                    c"gai_strerror",
                )),
            }
        }
    })
}

// Input layout: a selector byte, then four hint words, then NUL-separated node and service
// (either may be absent: NULL). Odd selectors ask getnameinfo instead.
fuzz_target!(|data: &[u8]| {
    let lib = netshim();
    let [selector, rest @ ..] = data else { return };
    if selector & 1 == 0 {
        gai(lib, *selector, rest);
    } else {
        gni(lib, rest);
    }
});

fn word(bytes: &[u8], i: usize) -> c_int {
    let mut w = [0u8; 4];
    if let Some(b) = bytes.get(i * 4..i * 4 + 4) {
        w.copy_from_slice(b);
    }
    c_int::from_ne_bytes(w)
}

fn gai(lib: &Netshim, selector: u8, data: &[u8]) {
    let (head, tail) = data.split_at(data.len().min(16));
    // Small families, socktypes and protocols most of the time, so that answers happen.
    let small = |v: c_int, m: c_int| {
        if selector & 2 != 0 {
            v
        } else {
            v.rem_euclid(m)
        }
    };
    // SAFETY: addrinfo is plain data (integers and pointers): all-zero is its NULL value.
    let mut hints: addrinfo = unsafe { core::mem::zeroed() };
    hints.ai_flags = word(head, 0) & if selector & 4 != 0 { !0 } else { 0x7ff };
    hints.ai_family = [
        libc::AF_UNSPEC,
        libc::AF_INET,
        libc::AF_INET6,
        small(word(head, 1), 64),
    ][usize::from(selector >> 6)];
    hints.ai_socktype = small(word(head, 2), 8);
    hints.ai_protocol = small(word(head, 3), 140);
    let mut parts = tail.splitn(2, |&b| b == 0);
    let node = parts.next().map(|p| std::ffi::CString::new(p).unwrap());
    let service = parts
        .next()
        .map(|p| std::ffi::CString::new(p.split(|&b| b == 0).next().unwrap()).unwrap());
    let node_ptr = node
        .as_ref()
        .filter(|_| selector & 8 == 0)
        .map_or(core::ptr::null(), |c| c.as_ptr());
    let service_ptr = service.as_ref().map_or(core::ptr::null(), |c| c.as_ptr());
    let hints_ptr: *const addrinfo = if selector & 16 != 0 {
        core::ptr::null()
    } else {
        &hints
    };
    let mut res: *mut addrinfo = core::ptr::null_mut();
    // SAFETY: NUL-terminated strings or NULL, hints or NULL, a place for the list.
    let rc = unsafe { (lib.getaddrinfo)(node_ptr, service_ptr, hints_ptr, &mut res) };
    assert!(EAI_CODES.contains(&rc), "getaddrinfo returned {rc}");
    // SAFETY: gai_strerror accepts any int and returns a static string.
    assert!(!unsafe { (lib.gai_strerror)(rc) }.is_null());
    if rc != 0 {
        assert!(res.is_null() || rc != 0);
        return;
    }
    assert!(!res.is_null());
    let mut n = 0;
    let mut at = res;
    while !at.is_null() {
        // SAFETY: a list getaddrinfo returned and that is not freed yet.
        let ai = unsafe { &*at };
        let want = match ai.ai_family {
            libc::AF_INET => core::mem::size_of::<libc::sockaddr_in>(),
            libc::AF_INET6 => core::mem::size_of::<libc::sockaddr_in6>(),
            f => panic!("an entry of family {f}"),
        };
        assert_eq!(ai.ai_addrlen as usize, want);
        assert!(!ai.ai_addr.is_null());
        // SAFETY: ai_addr points to ai_addrlen bytes, the first field the family.
        assert_eq!(
            c_int::from(unsafe { (*ai.ai_addr).sa_family }),
            ai.ai_family
        );
        if !ai.ai_canonname.is_null() {
            // SAFETY: a NUL-terminated string of the list.
            let _ = unsafe { CStr::from_ptr(ai.ai_canonname) };
        }
        n += 1;
        assert!(n < 100_000, "an endless list");
        at = ai.ai_next;
    }
    // SAFETY: the list getaddrinfo returned, freed once.
    unsafe { (lib.freeaddrinfo)(res) };
}

fn gni(lib: &Netshim, data: &[u8]) {
    let (head, addr) = data.split_at(data.len().min(12));
    let flags = word(head, 0);
    let hostlen = (word(head, 1) as u32 % 1100) as usize;
    let servlen = (word(head, 2) as u32 % 40) as usize;
    // The address bytes as given, at most a sockaddr_storage, their length as given.
    let mut storage = [0u8; 128];
    let len = addr.len().min(storage.len());
    storage[..len].copy_from_slice(&addr[..len]);
    let mut host = vec![0x23u8 as c_char; hostlen + 1];
    let mut serv = vec![0x23u8 as c_char; servlen + 1];
    let host_ptr = if hostlen == 0 {
        core::ptr::null_mut()
    } else {
        host.as_mut_ptr()
    };
    let serv_ptr = if servlen == 0 {
        core::ptr::null_mut()
    } else {
        serv.as_mut_ptr()
    };
    // SAFETY: `storage` is readable for `len` bytes; the buffers writable for their lengths
    // (one guard byte more, which must stay untouched).
    let rc = unsafe {
        (lib.getnameinfo)(
            storage.as_ptr().cast(),
            len as socklen_t,
            host_ptr,
            hostlen as socklen_t,
            serv_ptr,
            servlen as socklen_t,
            flags,
        )
    };
    assert!(EAI_CODES.contains(&rc), "getnameinfo returned {rc}");
    assert_eq!(host[hostlen], 0x23, "getnameinfo wrote past hostlen");
    assert_eq!(serv[servlen], 0x23, "getnameinfo wrote past servlen");
    if rc == 0 {
        assert!(
            hostlen == 0 || host[..hostlen].contains(&0),
            "host not NUL-terminated"
        );
        assert!(
            servlen == 0 || serv[..servlen].contains(&0),
            "serv not NUL-terminated"
        );
    }
}
