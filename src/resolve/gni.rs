//! getnameinfo's logic (glibc's inet/getnameinfo.c): the host as a name from the sources
//! or as numeric text with an optional %scope, the service as a name from the services
//! file or a number. Text is produced into caller-sized buffers, EAI_OVERFLOW when short.

use super::{numeric, sources, GaiError};
use alloc::vec::Vec;
use core::net::IpAddr;

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
            if flags & NI_NUMERICHOST == 0 {
                if let Some(name) = sources::name_of(ip)? {
                    return Ok(without_local_domain(name, flags));
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
/// host's own name is "web.example.org"). The local domain is the part of uname's
/// nodename after its first dot. TODO(behaviour): glibc also asks the resolver for the
/// domain when the nodename has no dot.
fn without_local_domain(name: Vec<u8>, flags: i32) -> Vec<u8> {
    if flags & NI_NOFQDN == 0 {
        return name;
    }
    let Some(node) = crate::sys::process::nodename() else {
        return name;
    };
    let Some(dot) = node.iter().position(|&b| b == b'.') else {
        return name;
    };
    let domain = &node[dot + 1..];
    // glibc: strstr(name, domain), the match not at the start and preceded by a dot.
    let found = name.windows(domain.len().max(1)).position(|w| w == domain);
    match found {
        Some(at) if at > 0 && !domain.is_empty() && name.get(at - 1) == Some(&b'.') => {
            name[..at - 1].to_vec()
        }
        _ => name,
    }
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
