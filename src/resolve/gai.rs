//! getaddrinfo's steps, in glibc's order (nss/getaddrinfo.c), read like musl's
//! lookup_name.c: check the request, learn the interfaces (AI_ADDRCONFIG), resolve the
//! service, resolve the node (null, numeric, then the nsswitch sources), pair each
//! address with each socket type, sort.

use super::addrconfig::Interfaces;
pub use super::found::{Entry, Found};
use super::hostnet::HostNet;
use super::request::{Request, Service, AI_ADDRCONFIG, AI_ALL, AI_CANONNAME, AI_NUMERICHOST};
use super::request::{AF_INET, AF_INET6, AF_UNSPEC, AI_NUMERICSERV, AI_PASSIVE, AI_V4MAPPED};
use super::request::{AI_CANONIDN, AI_IDN};
use super::triples::{self, Tuple, Tuples};
use super::{idna, numeric, sort, sources, Address, GaiError};
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// getaddrinfo's answer: the nodes in order, the canonical name for the first node (only
/// with AI_CANONNAME), and the flags to copy into every node (glibc echoes the request's).
#[derive(Debug)]
pub struct Answer {
    pub entries: Vec<Entry>,
    pub canon: Option<Vec<u8>>,
    pub flags: i32,
}

/// `caller_errno`: errno as the program called getaddrinfo, which glibc can return as the
/// code of a failed lookup (sources::from_sources).
pub fn getaddrinfo(req: Request, caller_errno: i32) -> Result<Answer, GaiError> {
    let mut req = req.validated()?;
    // The host's addresses and source choices: cached across calls (hostnet), checked at
    // most once per call.
    let mut net = HostNet::default();
    if req.has(AI_ADDRCONFIG) {
        req.family = narrow_by_interfaces(req.family, &net.interfaces())?;
    }
    let service = match req.service.and_then(Service::classify) {
        Some(Service::Name(_)) if req.has(AI_NUMERICSERV) => return Err(GaiError::NoName),
        other => other,
    };
    let tuples = triples::tuples(&req, service, &|name, proto| sources::port_of(name, proto))?;
    // AI_IDN: from here on the node is the name libidn2 makes of it (glibc converts it
    // before anything reads it, the numeric parse included).
    let encoded = match req.node {
        Some(node) if req.has(AI_IDN) => idna::to_dns(node)?,
        _ => None,
    };
    let found = match encoded.as_deref().or(req.node) {
        None => from_null(&req),
        Some(node) => match from_numeric(node, &req)? {
            Some(found) => found,
            None if req.has(AI_NUMERICHOST) => return Err(GaiError::NoName),
            None => sources::from_sources(node, &req, caller_errno)?,
        },
    };
    let mut entries = Vec::with_capacity(found.addrs.len() * tuples.len());
    let mut addresses = 0;
    for addr in &found.addrs {
        // glibc drops v4-mapped answers when it also has real IPv6 ones and AI_ALL is unset.
        if found.got_ipv6 && req.flags & (AI_V4MAPPED | AI_ALL) == AI_V4MAPPED && is_v4_mapped(addr)
        {
            continue;
        }
        addresses += 1;
        entries.extend(tuples.iter().map(|t: &Tuple| Entry {
            addr: *addr,
            socktype: t.socktype,
            protocol: t.protocol,
            port: t.port,
        }));
    }
    if entries.is_empty() {
        return Err(GaiError::NoName);
    }
    // glibc sorts when more than one address was found, not merely more than one node.
    if addresses > 1 {
        // With only 127.0.0.1 and ::1 to order, the host's address list cannot change the
        // outcome (lo's addresses are never deprecated or home addresses, both are on lo,
        // and rule 9 never compares across families): skip the netlink dump glibc makes.
        let loopback_only = entries.iter().all(|e| is_loopback_itself(&e.addr.ip));
        let interfaces = match (net.known_interfaces(), loopback_only) {
            (Some(known), _) => known,
            (None, true) => alloc::sync::Arc::new(Interfaces::default()),
            (None, false) => net.interfaces(),
        };
        sort::sort_entries(&mut entries, &sources::gai_policy(), &interfaces, &mut net);
    }
    let canon = match req.node {
        Some(node) if req.has(AI_CANONNAME) => Some(canonical(found.canon, node, &req)?),
        _ => None,
    };
    Ok(Answer {
        entries,
        canon,
        flags: req.flags,
    })
}

/// The canonical name as glibc's process_canonname makes it: the one the source found,
/// else the node as the caller wrote it; with AI_CANONIDN converted back by libidn2 (kept
/// as it is when the locale cannot hold the result).
fn canonical(found: Option<Vec<u8>>, node: &[u8], req: &Request) -> Result<Vec<u8>, GaiError> {
    let name = found.unwrap_or_else(|| node.to_vec());
    if req.has(AI_CANONIDN) {
        return idna::from_dns_or_same(name);
    }
    Ok(name)
}

/// AI_ADDRCONFIG: with only one family configured (loopback addresses do not count),
/// AF_UNSPEC narrows to it; asking for a family the host does not have finds nothing.
fn narrow_by_interfaces(family: i32, seen: &Interfaces) -> Result<i32, GaiError> {
    match family {
        AF_UNSPEC if seen.ipv4 != seen.ipv6 => Ok(if seen.ipv4 { AF_INET } else { AF_INET6 }),
        AF_INET if !seen.ipv4 => Err(GaiError::NoName),
        AF_INET6 if !seen.ipv6 => Err(GaiError::NoName),
        other => Ok(other),
    }
}

fn is_loopback_itself(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => *v4 == Ipv4Addr::LOCALHOST,
        IpAddr::V6(v6) => *v6 == Ipv6Addr::LOCALHOST,
    }
}

fn is_v4_mapped(addr: &Address) -> bool {
    matches!(addr.ip, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some())
}

/// No node: the wildcard (AI_PASSIVE) or loopback addresses, IPv6 first as glibc lists
/// them before sorting.
fn from_null(req: &Request) -> Found {
    let passive = req.has(AI_PASSIVE);
    let mut addrs = Vec::new();
    if req.family == AF_UNSPEC || req.family == AF_INET6 {
        let ip = if passive {
            Ipv6Addr::UNSPECIFIED
        } else {
            Ipv6Addr::LOCALHOST
        };
        addrs.push(Address::new(IpAddr::V6(ip)));
    }
    if req.family == AF_UNSPEC || req.family == AF_INET {
        let ip = if passive {
            Ipv4Addr::UNSPECIFIED
        } else {
            Ipv4Addr::LOCALHOST
        };
        addrs.push(Address::new(IpAddr::V4(ip)));
    }
    Found {
        addrs,
        canon: None,
        got_ipv6: false,
    }
}

/// A numeric node (glibc's text_to_binary_address): inet_aton forms, then IPv6 with an
/// optional %scope. Ok(None) means "not numeric, ask the sources".
fn from_numeric(node: &[u8], req: &Request) -> Result<Option<Found>, GaiError> {
    let Some(addr) = numeric_address(node, req)? else {
        return Ok(None);
    };
    Ok(Some(Found {
        addrs: alloc::vec![addr],
        canon: req.has(AI_CANONNAME).then(|| node.to_vec()),
        got_ipv6: false,
    }))
}

/// The address a numeric node stands for under the requested family; Ok(None) if the node
/// is not numeric.
fn numeric_address(node: &[u8], req: &Request) -> Result<Option<Address>, GaiError> {
    // A host name starting with a hex letter ("example.com", "bench-host") is told from
    // an IPv6 address by its first impossible byte; other names fail the parsers' first
    // byte checks, and numeric hosts go straight to them.
    if node
        .first()
        .is_some_and(|b| b.is_ascii_hexdigit() && !b.is_ascii_digit())
        && !numeric::may_be_numeric(node)
    {
        return Ok(None);
    }
    if let Some(v4) = numeric::parse_ipv4(node) {
        let ip = match req.family {
            AF_UNSPEC | AF_INET => IpAddr::V4(v4),
            AF_INET6 if req.has(AI_V4MAPPED) => IpAddr::V6(v4.to_ipv6_mapped()),
            _ => return Err(GaiError::AddrFamily),
        };
        return Ok(Some(Address::new(ip)));
    }
    let Some((v6, scope)) = numeric::parse_ipv6_scoped(node) else {
        return Ok(None);
    };
    let ip = match req.family {
        AF_UNSPEC | AF_INET6 => IpAddr::V6(v6),
        AF_INET => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => return Err(GaiError::AddrFamily),
        },
        _ => return Err(GaiError::AddrFamily),
    };
    let scope_id = match scope {
        None => 0,
        Some(scope) => {
            numeric::parse_scope(&v6, scope, &interface_index).ok_or(GaiError::NoName)?
        }
    };
    Ok(Some(Address {
        ip,
        scope_id: if matches!(ip, IpAddr::V6(_)) {
            scope_id
        } else {
            0
        },
    }))
}

/// A numeric host's answer, held without allocating: one address paired with each tuple.
pub struct NumericAnswer {
    pub addr: Address,
    pub tuples: Tuples,
    pub flags: i32,
}

impl NumericAnswer {
    pub fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.tuples.iter().map(|t| Entry {
            addr: self.addr,
            socktype: t.socktype,
            protocol: t.protocol,
            port: t.port,
        })
    }
}

/// getaddrinfo's answer for the common numeric case — a numeric host, a numeric or no
/// service, neither AI_ADDRCONFIG nor AI_CANONNAME — computed by the same steps as
/// [`getaddrinfo`] but with nothing allocated (one address needs no sort). None: the
/// request is not of that kind, ask [`getaddrinfo`].
pub fn numeric_only(req: Request) -> Option<Result<NumericAnswer, GaiError>> {
    let node = req.node?;
    if req.flags & (AI_ADDRCONFIG | AI_CANONNAME) != 0 || node == b"*" {
        return None;
    }
    // AI_IDN converts a non-ASCII node before the numeric parse (an ASCII one is unchanged).
    if req.flags & AI_IDN != 0 && !node.is_ascii() {
        return None;
    }
    let service = match req.service.and_then(Service::classify) {
        None => None,
        Some(port @ Service::Port(_)) => Some(port),
        Some(_) => return None,
    };
    let req = match req.validated() {
        Ok(req) => req,
        Err(e) => return Some(Err(e)),
    };
    // A numeric service never reaches the services file.
    let tuples = match triples::tuples(&req, service, &|_, _| None) {
        Ok(tuples) => tuples,
        Err(e) => return Some(Err(e)),
    };
    match numeric_address(node, &req) {
        Ok(Some(addr)) => Some(Ok(NumericAnswer {
            addr,
            tuples,
            flags: req.flags,
        })),
        Ok(None) => None,
        Err(e) => Some(Err(e)),
    }
}

fn interface_index(name: &[u8]) -> Option<u32> {
    Some(crate::sys::net::if_nametoindex(name)).filter(|&index| index != 0)
}
