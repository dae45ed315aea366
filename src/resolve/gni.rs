//! getnameinfo's logic (glibc's inet/getnameinfo.c): the host as a name from the sources
//! or as numeric text with an optional %scope, the service as a name from the services
//! file or a number. Text is produced into caller-sized buffers, EAI_OVERFLOW when short.

use super::request::{Request, AF_INET, AI_CANONNAME};
use super::{idna, numeric, sources, GaiError};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use once_cell::race::OnceBox;

pub const NI_NUMERICHOST: i32 = 1;
pub const NI_NUMERICSERV: i32 = 2;
pub const NI_NOFQDN: i32 = 4;
pub const NI_NAMEREQD: i32 = 8;
pub const NI_DGRAM: i32 = 16;
pub const NI_IDN: i32 = 32;
/// NI_IDN_ALLOW_UNASSIGNED and NI_IDN_USE_STD3_ASCII_RULES: accepted and ignored by glibc.
const NI_IDN_OBSOLETE: i32 = 64 | 128;
// NI_NUMERICSCOPE (256) is declared by <netdb.h> but rejected by glibc 2.36's
// getnameinfo with EAI_BADFLAGS (measured), so netshim rejects it too.
const NI_KNOWN: i32 =
    NI_NUMERICHOST | NI_NUMERICSERV | NI_NOFQDN | NI_NAMEREQD | NI_DGRAM | NI_IDN | NI_IDN_OBSOLETE;

pub fn check_flags(flags: i32) -> Result<(), GaiError> {
    if flags & !NI_KNOWN != 0 {
        return Err(GaiError::BadFlags);
    }
    Ok(())
}

/// A socket address as getnameinfo sees it.
pub enum Peer<'a> {
    Inet {
        ip: IpAddr,
        port: u16,
        scope_id: u32,
    },
    /// AF_UNIX: the path bytes (up to the first NUL).
    Local { path: &'a [u8] },
}

/// The host part, as text (without NUL).
pub fn host(peer: &Peer, flags: i32) -> Result<Vec<u8>, GaiError> {
    match peer {
        Peer::Local { .. } => local_host(flags),
        Peer::Inet { ip, scope_id, .. } => {
            // gethostbyaddr answers "not found" for :: without asking any source.
            if flags & NI_NUMERICHOST == 0 && *ip != IpAddr::V6(Ipv6Addr::UNSPECIFIED) {
                if let Some(name) = sources::name_of(ip)? {
                    let name = without_local_domain(name, flags);
                    // NI_IDN after NI_NOFQDN, as glibc: the DNS form when the locale
                    // cannot hold the converted name.
                    if flags & NI_IDN != 0 {
                        return idna::from_dns_or_same(name);
                    }
                    return Ok(name);
                }
            }
            // A name is required and none was found (or none was looked for).
            if flags & NI_NAMEREQD != 0 {
                return Err(GaiError::NoName);
            }
            Ok(numeric_host(ip, *scope_id))
        }
    }
}

/// The node name for AF_UNIX (uname's nodename), as glibc answers it.
fn local_host(flags: i32) -> Result<Vec<u8>, GaiError> {
    if flags & NI_NUMERICHOST == 0 {
        if let Some(name) = crate::sys::process::nodename() {
            return Ok(name);
        }
    }
    if flags & NI_NAMEREQD != 0 {
        return Err(GaiError::NoName);
    }
    Ok(b"localhost".to_vec())
}

/// NI_NOFQDN: a name inside the local domain loses it ("db.example.org" → "db" when the
/// local domain is "example.org"), as glibc's test reads: the first occurrence of the
/// domain in the name, not at its start and preceded by a dot, ends the name (so
/// "db.example.org." loses it too).
fn without_local_domain(name: Vec<u8>, flags: i32) -> Vec<u8> {
    if flags & NI_NOFQDN == 0 {
        return name;
    }
    match local_domain() {
        Some(domain) => strip_domain(name, domain),
        None => name,
    }
}

fn strip_domain(mut name: Vec<u8>, domain: &[u8]) -> Vec<u8> {
    // strstr(name, domain); an empty domain matches at the start, which never strips.
    let found = name.windows(domain.len().max(1)).position(|w| w == domain);
    if let Some(at) = found {
        if at > 0 && !domain.is_empty() && name[at - 1] == b'.' {
            name.truncate(at - 1);
        }
    }
    name
}

static LOCAL_DOMAIN: OnceBox<Option<Vec<u8>>> = OnceBox::new();

/// The local domain as glibc's nrl_domainname learns it, once per process: the part after
/// the first dot of the first of these that has one: the official name of "localhost"
/// (gethostbyname through the `hosts:` sources), uname's nodename, the official name of
/// the nodename, the name of 127.0.0.1 (gethostbyaddr).
fn local_domain() -> Option<&'static [u8]> {
    LOCAL_DOMAIN
        .get_or_init(|| Box::new(learn_local_domain()))
        .as_deref()
}

fn learn_local_domain() -> Option<Vec<u8>> {
    let after_dot = |name: &[u8]| {
        let dot = name.iter().position(|&b| b == b'.')?;
        Some(name[dot + 1..].to_vec())
    };
    if let Some(domain) = official_name(b"localhost").and_then(|n| after_dot(&n)) {
        return Some(domain);
    }
    let node = crate::sys::process::nodename()?;
    if let Some(domain) = after_dot(&node) {
        return Some(domain);
    }
    if let Some(domain) = official_name(&node).and_then(|n| after_dot(&n)) {
        return Some(domain);
    }
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    sources::name_of(&loopback)
        .ok()
        .flatten()
        .and_then(|n| after_dot(&n))
}

/// gethostbyname(name)'s h_name: the canonical name an AF_INET lookup through the `hosts:`
/// sources finds.
fn official_name(name: &[u8]) -> Option<Vec<u8>> {
    let req = Request {
        node: Some(name),
        service: None,
        flags: AI_CANONNAME,
        family: AF_INET,
        socktype: 0,
        protocol: 0,
    };
    sources::from_sources(name, &req, 0).ok()?.canon
}

fn numeric_host(ip: &IpAddr, scope_id: u32) -> Vec<u8> {
    let mut out = Text(Vec::new());
    let _ = match ip {
        IpAddr::V4(v4) => numeric::fmt_ipv4(*v4, &mut out),
        IpAddr::V6(v6) => numeric::fmt_ipv6(*v6, &mut out),
    };
    let mut out = out.0;
    if let (IpAddr::V6(v6), true) = (ip, scope_id != 0) {
        out.push(b'%');
        let link_local = v6.segments()[0] & 0xffc0 == 0xfe80
            || (v6.octets()[0] == 0xff && v6.octets()[1] & 0x0f == 2);
        let mut name = [0u8; 16];
        match link_local
            .then(|| crate::sys::net::if_indextoname(scope_id, &mut name))
            .flatten()
        {
            Some(len) => out.extend_from_slice(&name[..len]),
            None => push_decimal(&mut out, scope_id),
        }
    }
    out
}

/// The service part: its name for tcp (or udp with NI_DGRAM), else the number.
pub fn serv(peer: &Peer, flags: i32) -> Vec<u8> {
    match peer {
        Peer::Local { path } => path.to_vec(),
        Peer::Inet { port, .. } => {
            if flags & NI_NUMERICSERV == 0 {
                let proto: &[u8] = if flags & NI_DGRAM != 0 {
                    b"udp"
                } else {
                    b"tcp"
                };
                if let Some(name) = sources::services().name_of(*port, proto) {
                    return name.to_vec();
                }
            }
            let mut out = Vec::new();
            push_decimal(&mut out, u32::from(*port));
            out
        }
    }
}

/// Text into a byte vector. (alloc::format! is avoided: its precompiled body carries unwind
/// landing pads, which a panic=abort no_std library cannot link.)
struct Text(Vec<u8>);

impl core::fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

fn push_decimal(out: &mut Vec<u8>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

#[cfg(test)]
mod tests {
    use super::strip_domain;

    #[test]
    fn domain_is_cut_where_glibc_cuts_it() {
        let cases: &[(&[u8], &[u8], &[u8])] = &[
            (b"db.corp.test", b"corp.test", b"db"),
            (b"db.corp.test.", b"corp.test", b"db"),
            (b"a.b.corp.test", b"corp.test", b"a.b"),
            // glibc's strstr: the first occurrence decides, wherever it is.
            (b"x.corp.test.evil", b"corp.test", b"x"),
            (b"corp.test.corp.test", b"corp.test", b"corp.test.corp.test"),
            (b"corp.test", b"corp.test", b"corp.test"),
            (b"xcorp.test", b"corp.test", b"xcorp.test"),
            (b"db.CORP.test", b"corp.test", b"db.CORP.test"),
            (b"db.corp.test", b"corp.test.", b"db.corp.test"),
            (b"db.corp.test", b"", b"db.corp.test"),
            (b"", b"corp.test", b""),
        ];
        for (name, domain, want) in cases {
            assert_eq!(strip_domain(name.to_vec(), domain), *want);
        }
    }
}
