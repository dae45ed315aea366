//! Socket type, protocol and port for each answer: glibc's gaih_inet_typeproto table and
//! get_servtuples (nss/getaddrinfo.c). Every address is returned once per tuple.

use super::request::{Request, Service};
use super::GaiError;

struct TypeProto {
    socktype: i32,
    protocol: i32,
    /// The entry accepts any protocol the caller asks for (raw sockets).
    any_protocol: bool,
    /// No service may be named with this entry (raw sockets have no ports).
    no_service: bool,
    /// Returned when the caller gives neither socktype nor protocol.
    default: bool,
    /// The protocol's name in the services file.
    name: &'static [u8],
}

const fn entry(socktype: i32, protocol: i32, default: bool, name: &'static [u8]) -> TypeProto {
    TypeProto {
        socktype,
        protocol,
        any_protocol: false,
        no_service: false,
        default,
        name,
    }
}

/// glibc 2.36's table, in its order (which is the order of the answers).
const TABLE: [TypeProto; 7] = [
    entry(libc::SOCK_STREAM, libc::IPPROTO_TCP, true, b"tcp"),
    entry(libc::SOCK_DGRAM, libc::IPPROTO_UDP, true, b"udp"),
    entry(libc::SOCK_DCCP, 33, false, b"dccp"), // IPPROTO_DCCP
    entry(libc::SOCK_DGRAM, 136, false, b"udplite"), // IPPROTO_UDPLITE
    entry(libc::SOCK_STREAM, libc::IPPROTO_SCTP, false, b"sctp"),
    entry(libc::SOCK_SEQPACKET, libc::IPPROTO_SCTP, false, b"sctp"),
    TypeProto {
        socktype: libc::SOCK_RAW,
        protocol: 0,
        any_protocol: true,
        no_service: true,
        default: true,
        name: b"raw",
    },
];

/// One (socktype, protocol, port) that each address is paired with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Tuple {
    pub socktype: i32,
    pub protocol: i32,
    pub port: u16,
}

impl TypeProto {
    fn matches(&self, req: &Request) -> bool {
        (req.socktype == 0 || req.socktype == self.socktype)
            && (req.protocol == 0 || self.any_protocol || req.protocol == self.protocol)
    }

    fn tuple(&self, req: &Request, port: u16) -> Tuple {
        let protocol = if self.any_protocol {
            req.protocol
        } else {
            self.protocol
        };
        Tuple {
            socktype: self.socktype,
            protocol,
            port,
        }
    }
}

/// At most one tuple per table entry: held inline, no allocation (getaddrinfo of a numeric
/// host costs a few hundred instructions; a malloc is a noticeable part of that).
#[derive(Clone, Copy, Debug)]
pub struct Tuples {
    items: [Tuple; TABLE.len()],
    len: usize,
}

impl Tuples {
    fn new() -> Self {
        Tuples {
            items: [Tuple {
                socktype: 0,
                protocol: 0,
                port: 0,
            }; TABLE.len()],
            len: 0,
        }
    }

    fn push(&mut self, t: Tuple) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = t;
            self.len += 1;
        }
    }
}

impl core::ops::Deref for Tuples {
    type Target = [Tuple];

    fn deref(&self) -> &[Tuple] {
        &self.items[..self.len]
    }
}

/// The tuples for `service` under `req`'s socktype and protocol. `port_of(name, proto)`
/// looks a service name up in the services file.
pub fn tuples(
    req: &Request,
    service: Option<Service>,
    port_of: &dyn Fn(&[u8], &[u8]) -> Option<u16>,
) -> Result<Tuples, GaiError> {
    // With a socktype or protocol, glibc settles on the first table entry that fits it.
    let chosen = if req.socktype != 0 || req.protocol != 0 {
        match TABLE.iter().find(|tp| tp.matches(req)) {
            Some(tp) => Some(tp),
            None if req.socktype != 0 => return Err(GaiError::SockType),
            None => return Err(GaiError::Service),
        }
    } else {
        None
    };
    if service.is_some() && chosen.is_some_and(|tp| tp.no_service) {
        return Err(GaiError::Service);
    }
    let mut out = Tuples::new();
    match (service.map(|s| (s, s.name())), chosen) {
        // No service, or a number: the port is known without the services file.
        (None | Some((_, None)), _) => {
            let port = match service {
                Some(Service::Port(port)) => port,
                _ => 0,
            };
            match chosen {
                Some(tp) => out.push(tp.tuple(req, port)),
                None => TABLE
                    .iter()
                    .filter(|tp| tp.default)
                    .for_each(|tp| out.push(tp.tuple(req, port))),
            }
        }
        (Some((_, Some(name))), Some(tp)) => {
            let port = port_of(name, tp.name).ok_or(GaiError::Service)?;
            out.push(tp.tuple(req, port));
        }
        // A name with neither socktype nor protocol: every protocol the services file lists
        // it under (so a tcp-only name yields only a stream entry).
        (Some((_, Some(name))), None) => {
            for tp in TABLE.iter().filter(|tp| !tp.no_service && tp.matches(req)) {
                if let Some(port) = port_of(name, tp.name) {
                    out.push(tp.tuple(req, port));
                }
            }
            if out.is_empty() {
                return Err(GaiError::Service);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(socktype: i32, protocol: i32) -> Request<'static> {
        Request {
            node: Some(b"x"),
            service: None,
            flags: 0,
            family: 0,
            socktype,
            protocol,
        }
    }

    fn services(name: &[u8], proto: &[u8]) -> Option<u16> {
        match (name, proto) {
            (b"http", b"tcp") => Some(80),
            (b"domain", b"tcp" | b"udp") => Some(53),
            (b"syslog", b"udp") => Some(514),
            _ => None,
        }
    }

    fn t(socktype: i32, protocol: i32, port: u16) -> Tuple {
        Tuple {
            socktype,
            protocol,
            port,
        }
    }

    #[test]
    fn tuples_follow_glibcs_table() {
        use libc::{
            IPPROTO_TCP as TCP, IPPROTO_UDP as UDP, SOCK_DGRAM as DG, SOCK_RAW as RAW,
            SOCK_STREAM as ST,
        };
        let cases: &[(Request, Option<Service>, Result<Vec<Tuple>, GaiError>)] = &[
            (
                req(0, 0),
                None,
                Ok(vec![t(ST, TCP, 0), t(DG, UDP, 0), t(RAW, 0, 0)]),
            ),
            (
                req(0, 0),
                Some(Service::Port(80)),
                Ok(vec![t(ST, TCP, 80), t(DG, UDP, 80), t(RAW, 0, 80)]),
            ),
            (
                req(0, 0),
                Some(Service::Port(0)),
                Ok(vec![t(ST, TCP, 0), t(DG, UDP, 0), t(RAW, 0, 0)]),
            ),
            (
                req(0, 0),
                Some(Service::Name(b"http")),
                Ok(vec![t(ST, TCP, 80)]),
            ),
            (
                req(0, 0),
                Some(Service::Name(b"domain")),
                Ok(vec![t(ST, TCP, 53), t(DG, UDP, 53)]),
            ),
            (
                req(0, 0),
                Some(Service::Name(b"syslog")),
                Ok(vec![t(DG, UDP, 514)]),
            ),
            (
                req(0, 0),
                Some(Service::Name(b"nope")),
                Err(GaiError::Service),
            ),
            (
                req(DG, 0),
                Some(Service::Name(b"http")),
                Err(GaiError::Service),
            ),
            (
                req(ST, 0),
                Some(Service::Name(b"http")),
                Ok(vec![t(ST, TCP, 80)]),
            ),
            (
                req(0, UDP),
                Some(Service::Name(b"domain")),
                Ok(vec![t(DG, UDP, 53)]),
            ),
            (req(ST, UDP), None, Err(GaiError::SockType)),
            (req(0, 99), None, Ok(vec![t(RAW, 99, 0)])),
            (req(RAW, 0), Some(Service::Port(1)), Err(GaiError::Service)),
            (req(RAW, 7), None, Ok(vec![t(RAW, 7, 0)])),
            (req(99, 0), None, Err(GaiError::SockType)),
            (
                req(libc::SOCK_SEQPACKET, 0),
                None,
                Ok(vec![t(libc::SOCK_SEQPACKET, libc::IPPROTO_SCTP, 0)]),
            ),
        ];
        for (r, s, want) in cases {
            let got = tuples(r, *s, &services).map(|t| t.to_vec());
            assert_eq!(&got, want, "{r:?} {s:?}");
        }
    }
}
