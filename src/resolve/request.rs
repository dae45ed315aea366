//! What getaddrinfo was asked, checked in glibc's order (nss/getaddrinfo.c, getaddrinfo()).

use super::services::{parse_port, PortParse};
use super::GaiError;

pub const AI_PASSIVE: i32 = 0x1;
pub const AI_CANONNAME: i32 = 0x2;
pub const AI_NUMERICHOST: i32 = 0x4;
pub const AI_V4MAPPED: i32 = 0x8;
pub const AI_ALL: i32 = 0x10;
pub const AI_ADDRCONFIG: i32 = 0x20;
pub const AI_IDN: i32 = 0x40;
pub const AI_CANONIDN: i32 = 0x80;
/// glibc still accepts the bits of the removed AI_IDN_ALLOW_UNASSIGNED and
/// AI_IDN_USE_STD3_ASCII_RULES (0x100, 0x200) and ignores them.
pub const AI_IDN_OBSOLETE: i32 = 0x300;
pub const AI_NUMERICSERV: i32 = 0x400;
const AI_KNOWN: i32 = AI_PASSIVE
    | AI_CANONNAME
    | AI_NUMERICHOST
    | AI_ADDRCONFIG
    | AI_V4MAPPED
    | AI_IDN
    | AI_CANONIDN
    | AI_IDN_OBSOLETE
    | AI_NUMERICSERV
    | AI_ALL;

/// glibc's meaning of `hints == NULL`.
pub const DEFAULT_FLAGS: i32 = AI_V4MAPPED | AI_ADDRCONFIG;

pub const AF_UNSPEC: i32 = libc::AF_UNSPEC;
pub const AF_INET: i32 = libc::AF_INET;
pub const AF_INET6: i32 = libc::AF_INET6;

/// A getaddrinfo call in Rust terms: `node` and `service` are the C strings without NUL.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub node: Option<&'a [u8]>,
    pub service: Option<&'a [u8]>,
    pub flags: i32,
    pub family: i32,
    pub socktype: i32,
    pub protocol: i32,
}

impl<'a> Request<'a> {
    /// The first checks of glibc's getaddrinfo, in its order. "*" means NULL for both
    /// node and service (a glibc extension programs rely on).
    pub fn validated(mut self) -> Result<Self, GaiError> {
        if self.node == Some(b"*") {
            self.node = None;
        }
        if self.service == Some(b"*") {
            self.service = None;
        }
        if self.node.is_none() && self.service.is_none() {
            return Err(GaiError::NoName);
        }
        if self.flags & !AI_KNOWN != 0 {
            return Err(GaiError::BadFlags);
        }
        if self.flags & AI_CANONNAME != 0 && self.node.is_none() {
            return Err(GaiError::BadFlags);
        }
        if !matches!(self.family, AF_UNSPEC | AF_INET | AF_INET6) {
            return Err(GaiError::Family);
        }
        Ok(self)
    }

    pub fn has(&self, flag: i32) -> bool {
        self.flags & flag != 0
    }
}

/// The service as glibc classifies it (see `services::parse_port`). An empty service is no
/// service.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Service<'a> {
    Port(u16),
    /// Not numeric: looked up in the services file (EAI_NONAME under AI_NUMERICSERV).
    Name(&'a [u8]),
    /// Numeric text that lands negative in glibc's `int` ("-1", "2147483648"): glibc
    /// looks the text up as a name even under AI_NUMERICSERV.
    NegativeNumber(&'a [u8]),
}

impl<'a> Service<'a> {
    // Not inlined: merged into callers, its length checks were hoisted above the None test
    // of `Option<&[u8]>` (whose length is then uninitialised), which memcheck reports.
    #[inline(never)]
    pub fn classify(service: &'a [u8]) -> Option<Self> {
        if service.is_empty() {
            return None;
        }
        Some(match parse_port(service) {
            PortParse::Port(port) => Service::Port(port),
            PortParse::NotNumeric => Service::Name(service),
            PortParse::Negative => Service::NegativeNumber(service),
        })
    }

    /// The text to look up in the services file, if this service needs a lookup.
    pub fn name(&self) -> Option<&'a [u8]> {
        match *self {
            Service::Port(_) => None,
            Service::Name(text) | Service::NegativeNumber(text) => Some(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(
        node: Option<&'static [u8]>,
        service: Option<&'static [u8]>,
        flags: i32,
        family: i32,
    ) -> Request<'static> {
        Request {
            node,
            service,
            flags,
            family,
            socktype: 0,
            protocol: 0,
        }
    }

    #[test]
    fn validation_order_is_glibcs() {
        let cases: &[(Request, Result<(), GaiError>)] = &[
            (req(None, None, 0, 0), Err(GaiError::NoName)),
            (req(Some(b"*"), Some(b"*"), 0, 0), Err(GaiError::NoName)),
            // NoName comes before the flag check.
            (req(None, None, 0x8000, 0), Err(GaiError::NoName)),
            (req(Some(b"a"), None, 0x8000, 0), Err(GaiError::BadFlags)),
            (
                req(None, Some(b"80"), AI_CANONNAME, 0),
                Err(GaiError::BadFlags),
            ),
            (
                req(Some(b"*"), Some(b"80"), AI_CANONNAME, 0),
                Err(GaiError::BadFlags),
            ),
            // BadFlags comes before the family check.
            (req(Some(b"a"), None, 0x8000, 99), Err(GaiError::BadFlags)),
            (
                req(Some(b"a"), None, 0, libc::AF_UNIX),
                Err(GaiError::Family),
            ),
            (
                req(Some(b"a"), None, AI_IDN_OBSOLETE | AI_ALL, AF_INET6),
                Ok(()),
            ),
        ];
        for (r, want) in cases {
            assert_eq!(r.validated().map(|_| ()), *want, "{r:?}");
        }
    }

    #[test]
    fn services_are_classified_like_glibc() {
        let cases: &[(&[u8], Option<Service>)] = &[
            (b"", None),
            (b"80", Some(Service::Port(80))),
            (b" 80", Some(Service::Port(80))),
            (b"+80", Some(Service::Port(80))),
            (b"65536", Some(Service::Port(0))),
            (b"4294967297", Some(Service::Port(1))),
            (b"-1", Some(Service::NegativeNumber(b"-1"))),
            (b"2147483648", Some(Service::NegativeNumber(b"2147483648"))),
            (b"80 ", Some(Service::Name(b"80 "))),
            (b"http", Some(Service::Name(b"http"))),
        ];
        for (s, want) in cases {
            assert_eq!(Service::classify(s), *want, "{:?}", core::str::from_utf8(s));
        }
    }
}
