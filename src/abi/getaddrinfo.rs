//! getaddrinfo, freeaddrinfo, gai_strerror: C in, `resolve::gai` in Rust, C out.
//!
//! The list is built exactly as glibc builds it (nss/getaddrinfo.c, generate_addrinfo):
//! one malloc per node holding the `struct addrinfo` followed by its sockaddr, and the
//! canonical name in a malloc of its own on the first node only. So glibc's freeaddrinfo
//! can free a list netshim made and netshim's can free glibc's — a preloaded library
//! cannot choose which one the program calls.

use super::errno;
use crate::resolve::gai::{self, Answer, Entry};
use crate::resolve::request::{Request, AI_CANONIDN, AI_IDN, DEFAULT_FLAGS};
use crate::resolve::GaiError;
use core::ffi::{c_char, c_int, CStr};
use core::mem::size_of;
use core::net::IpAddr;
use core::ptr;
use libc::{addrinfo, sockaddr, sockaddr_in, sockaddr_in6};

/// Declared by glibc only under _GNU_SOURCE, and so missing from the libc crate.
const EAI_ADDRFAMILY: c_int = -9;
const EAI_IDN_ENCODE: c_int = -105;

/// glibc's EAI_* values on Linux (resolv/netdb.h).
pub(crate) fn eai_value(e: GaiError) -> c_int {
    match e {
        GaiError::BadFlags => libc::EAI_BADFLAGS,
        GaiError::NoName => libc::EAI_NONAME,
        GaiError::Again => libc::EAI_AGAIN,
        GaiError::Fail => libc::EAI_FAIL,
        GaiError::NoData => libc::EAI_NODATA,
        GaiError::Family => libc::EAI_FAMILY,
        GaiError::SockType => libc::EAI_SOCKTYPE,
        GaiError::Service => libc::EAI_SERVICE,
        GaiError::AddrFamily => EAI_ADDRFAMILY,
        GaiError::Memory => libc::EAI_MEMORY,
        GaiError::System(_) => libc::EAI_SYSTEM,
        GaiError::Overflow => libc::EAI_OVERFLOW,
        GaiError::IdnEncode => EAI_IDN_ENCODE,
    }
}

/// Turns a failure into its EAI value, setting errno for EAI_SYSTEM (only then does the
/// caller look at errno).
pub(crate) fn fail(e: GaiError) -> c_int {
    if let GaiError::System(err) = e {
        errno::set(err);
    }
    eai_value(e)
}

/// # Safety
/// `s` is null or a NUL-terminated string that lives for `'a`.
unsafe fn c_bytes<'a>(s: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: forwarded from the caller.
    (!s.is_null()).then(|| unsafe { CStr::from_ptr(s) }.to_bytes())
}

/// getaddrinfo(3): see <https://man7.org/linux/man-pages/man3/getaddrinfo.3.html>.
///
/// # Safety
/// `node` and `service` are null or NUL-terminated strings, `hints` is null or points to
/// an addrinfo, `res` points to writable storage: the contract of getaddrinfo(3).
#[no_mangle]
pub unsafe extern "C" fn getaddrinfo(
    node: *const c_char,
    service: *const c_char,
    hints: *const addrinfo,
    res: *mut *mut addrinfo,
) -> c_int {
    // A cancellation that acts in a DNS wait or a source probe is passed on once the
    // lookup has returned and dropped everything (sys::cancel); a list built meanwhile is
    // freed first, so that a cancelled lookup leaves nothing behind.
    crate::sys::cancel::point(|| {
        // SAFETY: forwarded contract.
        let rc = unsafe { lookup(node, service, hints, res) };
        if rc == 0 && crate::sys::cancel::acted() {
            // SAFETY: `lookup` succeeded, so `*res` is the list it just built.
            unsafe { freeaddrinfo(*res) };
        }
        rc
    })
}

/// getaddrinfo's body.
///
/// # Safety
/// As for [`getaddrinfo`].
unsafe fn lookup(
    node: *const c_char,
    service: *const c_char,
    hints: *const addrinfo,
    res: *mut *mut addrinfo,
) -> c_int {
    // SAFETY: getaddrinfo's contract: node and service are null or C strings.
    let (node, service) = unsafe { (c_bytes(node), c_bytes(service)) };
    // SAFETY: a non-null hints points to a readable addrinfo; only four ints are read.
    let request = match unsafe { hints.as_ref() } {
        Some(h) => Request {
            node,
            service,
            flags: h.ai_flags,
            family: h.ai_family,
            socktype: h.ai_socktype,
            protocol: h.ai_protocol,
        },
        None => Request {
            node,
            service,
            flags: DEFAULT_FLAGS,
            family: 0,
            socktype: 0,
            protocol: 0,
        },
    };
    let start = crate::log::enabled().then(crate::log::now);
    if let Some(outcome) = gai::numeric_only(request) {
        if let Some(start) = start {
            let addr = outcome.as_ref().ok().map(|a| a.addr.ip);
            log_event(
                &request,
                result_name(&outcome),
                addr.as_slice(),
                start,
                true,
            );
        }
        return match outcome {
            Ok(answer) => finish(res, || build_list(answer.entries(), None, answer.flags)),
            Err(e) => fail(e),
        };
    }
    // libidn2 and the loader may change errno even when they succeed; netshim never does.
    let idn = request.flags & (AI_IDN | AI_CANONIDN) != 0;
    let errno_before = errno::saved();
    let outcome = gai::getaddrinfo(request, errno_before);
    if idn {
        errno::restore(errno_before);
    }
    if let Some(start) = start {
        log_lookup(&request, &outcome, start);
    }
    let answer = match outcome {
        Ok(answer) => answer,
        Err(e) => return fail(e),
    };
    finish(res, || {
        build_list(
            answer.entries.iter().copied(),
            answer.canon.as_deref(),
            answer.flags,
        )
    })
}

/// Builds the list of a successful lookup and stores it in `*res`, or answers EAI_MEMORY.
fn finish(res: *mut *mut addrinfo, build: impl FnOnce() -> Option<*mut addrinfo>) -> c_int {
    if res.is_null() {
        // glibc writes through `res` unconditionally (and crashes); answering EAI_SYSTEM
        // with EFAULT is the defined outcome for a caller bug.
        return fail(GaiError::System(crate::sys::Errno::FAULT));
    }
    match build() {
        // SAFETY: `res` is non-null and writable per getaddrinfo's contract.
        Some(list) => unsafe {
            *res = list;
            0
        },
        None => fail(GaiError::Memory),
    }
}

/// How many distinct addresses a lookup's log line collects on the stack; an answer with
/// more (a hosts name with hundreds) collects them in a vector.
const LOG_ADDRS: usize = 16;

/// The logger's getaddrinfo line, and the addresses it remembers for connect lines.
fn log_lookup(request: &Request, outcome: &Result<Answer, GaiError>, start: u64) {
    let entries = outcome.as_ref().map_or(&[][..], |a| a.entries.as_slice());
    let mut few = [IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED); LOG_ADDRS];
    let mut count = 0;
    let mut many: alloc::vec::Vec<IpAddr> = alloc::vec::Vec::new();
    for entry in entries {
        let ip = entry.addr.ip;
        if few[..count].contains(&ip) || many.contains(&ip) {
            continue;
        }
        if count < LOG_ADDRS {
            few[count] = ip;
            count += 1;
        } else {
            if many.is_empty() {
                many.extend_from_slice(&few);
            }
            many.push(ip);
        }
    }
    let addrs = if many.is_empty() {
        &few[..count]
    } else {
        &many[..]
    };
    let numeric = request.node.is_some_and(|n| {
        let (text, _) = crate::resolve::numeric::split_scope(n);
        // Only hex digits, dots, colons and inet_aton's 0x can spell an address: most names
        // are told apart by their first letters, without running both parsers.
        text.iter()
            .all(|b| b.is_ascii_hexdigit() || matches!(b, b'.' | b':' | b'x' | b'X'))
            && (crate::resolve::numeric::parse_ipv4(n).is_some()
                || crate::resolve::numeric::parse_ipv6(text).is_some())
    });
    log_event(request, result_name(outcome), addrs, start, numeric);
}

fn result_name<T>(outcome: &Result<T, GaiError>) -> &'static str {
    match outcome {
        // Ended by pthread_cancel (glibc's name for a cancelled getaddrinfo_a request).
        _ if crate::sys::cancel::acted() => "EAI_CANCELED",
        Ok(_) => "ok",
        Err(e) => eai_name(*e),
    }
}

fn log_event(request: &Request, result: &str, addrs: &[IpAddr], start: u64, numeric: bool) {
    let elapsed = crate::log::now().saturating_sub(start);
    crate::log::getaddrinfo_event(
        request.node,
        request.service,
        request.family,
        result,
        addrs,
        elapsed,
        numeric,
    );
}

fn eai_name(e: GaiError) -> &'static str {
    match e {
        GaiError::BadFlags => "EAI_BADFLAGS",
        GaiError::NoName => "EAI_NONAME",
        GaiError::Again => "EAI_AGAIN",
        GaiError::Fail => "EAI_FAIL",
        GaiError::NoData => "EAI_NODATA",
        GaiError::Family => "EAI_FAMILY",
        GaiError::SockType => "EAI_SOCKTYPE",
        GaiError::Service => "EAI_SERVICE",
        GaiError::AddrFamily => "EAI_ADDRFAMILY",
        GaiError::Memory => "EAI_MEMORY",
        GaiError::System(_) => "EAI_SYSTEM",
        GaiError::Overflow => "EAI_OVERFLOW",
        GaiError::IdnEncode => "EAI_IDN_ENCODE",
    }
}

/// Builds the C list; None (with everything freed) if malloc fails.
fn build_list(
    entries: impl Iterator<Item = Entry>,
    canon: Option<&[u8]>,
    flags: c_int,
) -> Option<*mut addrinfo> {
    let mut head: *mut addrinfo = ptr::null_mut();
    let mut tail: *mut *mut addrinfo = &mut head;
    for (i, entry) in entries.enumerate() {
        let node = new_node(&entry, flags);
        if node.is_null() {
            // SAFETY: `head` is a list this function built from malloc'd nodes.
            unsafe { freeaddrinfo(head) };
            return None;
        }
        // SAFETY: `tail` points at `head` or at the previous node's ai_next, both live.
        unsafe { *tail = node };
        // SAFETY: `node` is a live, initialised node.
        tail = unsafe { &mut (*node).ai_next };
        if i == 0 {
            if let Some(canon) = canon {
                let name = c_string(canon);
                if name.is_null() {
                    // SAFETY: as above.
                    unsafe { freeaddrinfo(head) };
                    return None;
                }
                // SAFETY: `node` is live; the name is owned by it from now on.
                unsafe { (*node).ai_canonname = name };
            }
        }
    }
    Some(head)
}

/// One malloc holding the addrinfo and, right after it, its sockaddr (glibc's layout).
fn new_node(entry: &Entry, flags: c_int) -> *mut addrinfo {
    let (family, addrlen) = match entry.addr.ip {
        IpAddr::V4(_) => (libc::AF_INET, size_of::<sockaddr_in>()),
        IpAddr::V6(_) => (libc::AF_INET6, size_of::<sockaddr_in6>()),
    };
    // SAFETY: malloc has no preconditions; the result is checked for null.
    let node = unsafe { libc::malloc(size_of::<addrinfo>() + addrlen) } as *mut addrinfo;
    if node.is_null() {
        return node;
    }
    // SAFETY: the block is large enough for the addrinfo plus `addrlen` bytes, and malloc's
    // 16-byte alignment suits both structs (the addrinfo is 48 bytes on 64-bit ABIs).
    unsafe {
        let addr = node.add(1) as *mut sockaddr;
        ptr::write_bytes(addr as *mut u8, 0, addrlen);
        match entry.addr.ip {
            IpAddr::V4(v4) => {
                let sin = addr as *mut sockaddr_in;
                (*sin).sin_family = libc::AF_INET as libc::sa_family_t;
                (*sin).sin_port = entry.port.to_be();
                (*sin).sin_addr.s_addr = u32::from_ne_bytes(v4.octets());
            }
            IpAddr::V6(v6) => {
                let sin6 = addr as *mut sockaddr_in6;
                (*sin6).sin6_family = libc::AF_INET6 as libc::sa_family_t;
                (*sin6).sin6_port = entry.port.to_be();
                (*sin6).sin6_addr.s6_addr = v6.octets();
                (*sin6).sin6_scope_id = entry.addr.scope_id;
            }
        }
        node.write(addrinfo {
            ai_flags: flags,
            ai_family: family,
            ai_socktype: entry.socktype,
            ai_protocol: entry.protocol,
            ai_addrlen: addrlen as libc::socklen_t,
            ai_addr: addr,
            ai_canonname: ptr::null_mut(),
            ai_next: ptr::null_mut(),
        });
    }
    node
}

/// A malloc'd NUL-terminated copy of `bytes`, or null.
fn c_string(bytes: &[u8]) -> *mut c_char {
    // SAFETY: malloc has no preconditions; the result is checked for null.
    let p = unsafe { libc::malloc(bytes.len() + 1) } as *mut u8;
    if !p.is_null() {
        // SAFETY: `p` has room for the bytes and the NUL.
        unsafe {
            ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
            *p.add(bytes.len()) = 0;
        }
    }
    p as *mut c_char
}

/// freeaddrinfo(3): frees each node and its canonical name, as glibc does, so it also
/// frees lists made by glibc's getaddrinfo.
///
/// # Safety
/// `res` is null or a list returned by getaddrinfo (netshim's or glibc's) not yet freed.
/// cbindgen:postfix=__THROW
#[no_mangle]
pub unsafe extern "C" fn freeaddrinfo(res: *mut addrinfo) {
    let mut node = res;
    while !node.is_null() {
        // SAFETY: `node` is a live node of the list; its ai_next and ai_canonname are read
        // before the node itself is freed, and each block is freed once.
        unsafe {
            let next = (*node).ai_next;
            libc::free((*node).ai_canonname.cast());
            libc::free(node.cast());
            node = next;
        }
    }
}

/// gai_strerror(3): glibc's English texts; glibc has none for EAI_OVERFLOW and answers
/// "Unknown error" for it as for every unknown code. (glibc translates them with the
/// locale's message catalogue; netshim does not.)
/// cbindgen:postfix=__THROW
#[no_mangle]
pub extern "C" fn gai_strerror(errcode: c_int) -> *const c_char {
    let text: &'static CStr = match errcode {
        libc::EAI_BADFLAGS => c"Bad value for ai_flags",
        libc::EAI_NONAME => c"Name or service not known",
        libc::EAI_AGAIN => c"Temporary failure in name resolution",
        libc::EAI_FAIL => c"Non-recoverable failure in name resolution",
        libc::EAI_NODATA => c"No address associated with hostname",
        libc::EAI_FAMILY => c"ai_family not supported",
        libc::EAI_SOCKTYPE => c"ai_socktype not supported",
        libc::EAI_SERVICE => c"Servname not supported for ai_socktype",
        EAI_ADDRFAMILY => c"Address family for hostname not supported",
        libc::EAI_MEMORY => c"Memory allocation failure",
        libc::EAI_SYSTEM => c"System error",
        -100 => c"Processing request in progress", // EAI_INPROGRESS
        -101 => c"Request canceled",               // EAI_CANCELED
        -102 => c"Request not canceled",           // EAI_NOTCANCELED
        -103 => c"All requests done",              // EAI_ALLDONE
        -104 => c"Interrupted by a signal",        // EAI_INTR
        EAI_IDN_ENCODE => c"Parameter string not correctly encoded",
        _ => c"Unknown error",
    };
    text.as_ptr()
}
