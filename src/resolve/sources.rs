//! The name sources of nsswitch.conf's `hosts:` line and the files behind them.

use super::config::ConfigFile;
use super::found::Found;
use super::from_dns::{self, HErrno, Nss};
use super::gaiconf::Policy;
use super::hostconf::HostConf;
use super::hosts::Hosts;
use super::nsswitch::{Action, HostsLine, Source, Status};
use super::request::{Request, AF_INET, AF_INET6, AF_UNSPEC, AI_ALL, AI_CANONNAME, AI_V4MAPPED};
use super::services::Services;
use super::{Address, GaiError};
use crate::sys;
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

static HOSTS: ConfigFile<Option<Hosts>> = ConfigFile::new(b"NETSHIM_HOSTS", b"/etc/hosts\0");
static SERVICES: ConfigFile<Services> = ConfigFile::new(b"NETSHIM_SERVICES", b"/etc/services\0");
/// nsswitch.conf and host.conf are re-checked on every 32nd lookup (ConfigFile::checked_every).
const SELDOM: u32 = 32;
static NSSWITCH: ConfigFile<HostsLine> =
    ConfigFile::checked_every(b"NETSHIM_NSSWITCH", b"/etc/nsswitch.conf\0", SELDOM);
static HOST_CONF: ConfigFile<HostConf> =
    ConfigFile::checked_every(b"NETSHIM_HOST_CONF", b"/etc/host.conf\0", SELDOM);
static GAI_CONF: ConfigFile<Policy> = ConfigFile::new(b"NETSHIM_GAI_CONF", b"/etc/gai.conf\0");

/// The address-sort policy. glibc reads gai.conf once, and again on change only with
/// `reload yes`; netshim does the same.
pub fn gai_policy() -> alloc::sync::Arc<Policy> {
    GAI_CONF.get_unless_settled(Policy::parse, |policy| !policy.reload)
}

pub fn services() -> alloc::sync::Arc<Services> {
    SERVICES.get(|text| super::services::parse(text.unwrap_or_default()))
}

/// A service name's port for one protocol, from the services file.
pub fn port_of(name: &[u8], proto: &[u8]) -> Option<u16> {
    services().port_of(name, proto)
}

/// getaddrinfo's lookup of a name in the `hosts:` sources (sysdeps/posix/getaddrinfo.c):
/// AF_INET without AI_CANONNAME through gethostbyname2_r (`try_simple_gethostbyname`),
/// everything else through the sources' lookup functions (`get_nss_addresses`). The two
/// turn the same failure into different EAI_* codes, as glibc does.
pub fn from_sources(name: &[u8], req: &Request, caller_errno: i32) -> Result<Found, GaiError> {
    if req.family == AF_INET && req.flags & AI_CANONNAME == 0 {
        simple_gethostbyname(name, req, caller_errno)
    } else {
        nss_addresses(name, req)
    }
}

/// A source's answer reduced to what getaddrinfo reads: files knows only found or not.
fn files_nss(name: &[u8], req: &Request) -> Nss {
    let (status, found) = from_files(name, req);
    Nss {
        status,
        h_errno: if status == Status::Success {
            HErrno::Success
        } else {
            HErrno::HostNotFound
        },
        errno: None,
        found: found.unwrap_or_else(Found::empty),
    }
}

/// glibc's `__nss_hostname_digits_dots`, which gethostbyname2_r applies before any source:
/// digits and dots not ending in a dot that are no inet_aton address ("256.1.1.1",
/// "08.1.1.1"), or anything that looks like IPv6 for AF_INET, are not found, unasked.
fn digits_dots_refuses(name: &[u8]) -> bool {
    let Some(&first) = name.first() else {
        return false;
    };
    if !(first.is_ascii_hexdigit() || first == b':') {
        return false;
    }
    if first.is_ascii_digit()
        && name.iter().all(|&b| b.is_ascii_digit() || b == b'.')
        && name.last() != Some(&b'.')
    {
        return super::numeric::parse_ipv4(name).is_none();
    }
    (first.is_ascii_hexdigit() && name.contains(&b':')) || first == b':'
}

/// `try_simple_gethostbyname`: gethostbyname2_r(AF_INET) through the sources. Its result
/// code is 0 for SUCCESS and NOTFOUND (then NO_DATA gives EAI_NODATA, anything else
/// EAI_NONAME), EAGAIN for TRYAGAIN, the errno left otherwise, which after a failed DNS
/// walk is the caller's own errno (`caller_errno`, as getaddrinfo was called with it); a
/// non-zero code gives EAI_AGAIN for TRY_AGAIN and EAI_NODATA for every other h_errno.
fn simple_gethostbyname(name: &[u8], req: &Request, caller_errno: i32) -> Result<Found, GaiError> {
    if digits_dots_refuses(name) {
        return Err(GaiError::NoName);
    }
    let line = NSSWITCH.get(HostsLine::parse);
    let mut last: Option<Nss> = None;
    for step in &line.steps {
        let nss = match step.source {
            Source::Files => files_nss(name, req),
            Source::Dns => from_dns::gethostbyname3(name, AF_INET, true),
        };
        if nss.status == Status::Success && !nss.found.addrs.is_empty() {
            return Ok(nss.found);
        }
        let action = step.action(nss.status);
        last = Some(nss);
        if action == Action::Return {
            break;
        }
    }
    let Some(nss) = last else {
        return Err(GaiError::NoName);
    };
    if nss.h_errno == HErrno::Internal {
        return Err(system_error(nss.errno));
    }
    let rc = match nss.status {
        Status::Success | Status::NotFound => 0,
        Status::TryAgain => libc::EAGAIN,
        Status::Unavail => nss.errno.unwrap_or(caller_errno),
    };
    Err(match (rc, nss.h_errno) {
        (0, HErrno::NoData) => GaiError::NoData,
        (0, _) => GaiError::NoName,
        (_, HErrno::TryAgain) => GaiError::Again,
        _ => GaiError::NoData,
    })
}

/// EAI_SYSTEM with the errno a source left (h_errno NETDB_INTERNAL).
fn system_error(errno: Option<i32>) -> GaiError {
    GaiError::System(sys::Errno::from_raw(errno.unwrap_or(0)))
}

/// getaddrinfo's reading of a failed call (`no_data`): EAI_AGAIN for TRY_AGAIN, "no
/// data" for NO_DATA, nothing for any other h_errno.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NoData {
    No,
    Yes,
    Again,
}

fn no_data(h_errno: HErrno) -> NoData {
    match h_errno {
        HErrno::TryAgain => NoData::Again,
        HErrno::NoData => NoData::Yes,
        _ => NoData::No,
    }
}

/// One source asked for one family (`gethosts`): gethostbyname3_r with AI_CANONNAME,
/// else gethostbyname2_r (whose DNS side checks the name first).
fn gethosts(source: Source, name: &[u8], req: &Request, family: i32) -> Nss {
    match source {
        Source::Files => files_nss(name, req),
        Source::Dns => from_dns::gethostbyname3(name, family, req.flags & AI_CANONNAME == 0),
    }
}

/// `get_nss_addresses`: AF_UNSPEC through gethostbyname4_r, one family through
/// `gethosts` (AF_INET6, then AF_INET mapped with AI_V4MAPPED when no IPv6 address was
/// found or AI_ALL is set). After the last source asked: EAI_SYSTEM for a system error,
/// EAI_AGAIN when both families' calls said TRY_AGAIN, EAI_NODATA when both said
/// "no data" (or one TRY_AGAIN), else EAI_NONAME.
fn nss_addresses(name: &[u8], req: &Request) -> Result<Found, GaiError> {
    let line = NSSWITCH.get(HostsLine::parse);
    let (mut no_data_v4, mut no_data_v6) = (NoData::No, NoData::No);
    let mut internal = None;
    for step in &line.steps {
        internal = None;
        let status = if req.family == AF_UNSPEC {
            let nss = match step.source {
                Source::Files => files_nss(name, req),
                Source::Dns => from_dns::gethostbyname4(name),
            };
            if nss.status == Status::Success && !nss.found.addrs.is_empty() {
                return Ok(nss.found);
            }
            if nss.h_errno == HErrno::Internal {
                internal = Some(nss.errno);
            }
            no_data_v4 = no_data(nss.h_errno);
            no_data_v6 = no_data_v4;
            nss.status
        } else if step.source == Source::Files {
            // nss_files answers both families of the request in one pass (from_files).
            let nss = files_nss(name, req);
            if nss.status == Status::Success {
                return Ok(nss.found);
            }
            no_data_v4 = NoData::No;
            no_data_v6 = NoData::No;
            nss.status
        } else {
            let mut found = Found::empty();
            let (mut status, mut status_v6) = (Status::Unavail, Status::Unavail);
            if req.family == AF_INET6 {
                let nss = gethosts(step.source, name, req, AF_INET6);
                if nss.h_errno == HErrno::Internal && nss.status != Status::Success {
                    return Err(system_error(nss.errno));
                }
                (status, status_v6) = (nss.status, nss.status);
                no_data_v4 = no_data(nss.h_errno);
                no_data_v6 = no_data_v4;
                if nss.status == Status::Success {
                    found.canon = nss.found.canon;
                    found.addrs = nss.found.addrs;
                    found.got_ipv6 = !found.addrs.is_empty();
                }
            }
            let mapped = req.family == AF_INET6
                && req.flags & AI_V4MAPPED != 0
                && (req.flags & AI_ALL != 0 || !found.got_ipv6);
            if req.family == AF_INET || mapped {
                let nss = gethosts(step.source, name, req, AF_INET);
                if nss.h_errno == HErrno::Internal && nss.status != Status::Success {
                    return Err(system_error(nss.errno));
                }
                status = nss.status;
                no_data_v4 = no_data(nss.h_errno);
                if req.family == AF_INET {
                    no_data_v6 = no_data_v4;
                    status_v6 = status;
                }
                if nss.status == Status::Success {
                    if found.canon.is_none() {
                        found.canon = nss.found.canon;
                    }
                    for addr in nss.found.addrs {
                        found.addrs.push(match (mapped, addr.ip) {
                            (true, IpAddr::V4(v4)) => Address::new(IpAddr::V6(v4.to_ipv6_mapped())),
                            _ => addr,
                        });
                    }
                }
            }
            if (status_v6 == Status::Success || status == Status::Success)
                && !found.addrs.is_empty()
            {
                return Ok(found);
            }
            if status_v6 == Status::TryAgain {
                Status::TryAgain
            } else if status == Status::Unavail && status_v6 != Status::Unavail {
                status_v6
            } else {
                status
            }
        };
        if step.action(status) == Action::Return {
            break;
        }
    }
    if let Some(errno) = internal {
        return Err(system_error(errno));
    }
    Err(match (no_data_v4, no_data_v6) {
        (NoData::No, _) | (_, NoData::No) => GaiError::NoName,
        (NoData::Again, NoData::Again) => GaiError::Again,
        _ => GaiError::NoData,
    })
}

/// The `files` source, as glibc's nss_files answers getaddrinfo: for AF_UNSPEC the
/// matching lines of both families (gethostbyname4_r); for one family only that family's
/// lines (gethostbyname3_r); in both cases only the first one unless host.conf says
/// `multi on`. For AF_INET6 with AI_V4MAPPED, the IPv4 lines mapped when there is no IPv6
/// line (or always, with AI_ALL).
fn from_files(name: &[u8], req: &Request) -> (Status, Option<Found>) {
    let hosts = HOSTS.get_owned(|text| text.map(super::hosts::from_bytes));
    let Some(hosts) = hosts.as_ref() else {
        return (Status::Unavail, None);
    };
    let multi = HOST_CONF.get(HostConf::parse).multi();
    let matched = hosts.lookup(name);
    let lines = || {
        matched
            .iter()
            .flat_map(|m| m.iter())
            .map(|e| (e.address, e.name))
    };
    // Only AI_CANONNAME reads the canonical name: no copy otherwise.
    let want_canon = req.has(AI_CANONNAME);
    let mut found = Found::empty();
    let mut add = |found: &mut Found, addr: Address, official: &[u8]| {
        if want_canon && found.canon.is_none() {
            found.canon = Some(official.to_vec());
        }
        found.addrs.push(addr);
    };
    let take = |family: i32,
                map_v4: bool,
                found: &mut Found,
                add: &mut dyn FnMut(&mut Found, Address, &[u8])| {
        for (addr, official) in lines().filter_map(|(a, o)| Some((as_family(&a, family)?, o))) {
            let addr = match (map_v4, addr.ip) {
                (true, IpAddr::V4(v4)) => Address::new(IpAddr::V6(v4.to_ipv6_mapped())),
                _ => addr,
            };
            add(found, addr, official);
            if !multi {
                break;
            }
        }
    };
    match req.family {
        AF_UNSPEC => {
            for (addr, official) in lines() {
                add(&mut found, addr, official);
                if !multi {
                    break;
                }
            }
        }
        AF_INET => take(AF_INET, false, &mut found, &mut add),
        _ => {
            take(AF_INET6, false, &mut found, &mut add);
            found.got_ipv6 = !found.addrs.is_empty();
            if req.flags & AI_V4MAPPED != 0 && (req.flags & AI_ALL != 0 || !found.got_ipv6) {
                take(AF_INET, true, &mut found, &mut add);
            }
        }
    }
    let status = if found.addrs.is_empty() {
        Status::NotFound
    } else {
        Status::Success
    };
    (status, Some(found))
}

/// A hosts line's address as nss_files gives it for a one-family query: for AF_INET,
/// IPv4 lines, v4-mapped IPv6 lines unmapped, and ::1 as 127.0.0.1; for AF_INET6, IPv6 lines.
fn as_family(addr: &Address, family: i32) -> Option<Address> {
    match (family, addr.ip) {
        (AF_INET, IpAddr::V4(_)) | (AF_INET6, IpAddr::V6(_)) => Some(*addr),
        (AF_INET, IpAddr::V6(v6)) if v6 == Ipv6Addr::LOCALHOST => {
            Some(Address::new(IpAddr::V4(Ipv4Addr::LOCALHOST)))
        }
        (AF_INET, IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(|v4| Address::new(IpAddr::V4(v4))),
        _ => None,
    }
}

/// The address whose PTR record nss_dns asks for: a v4-mapped (::ffff:a.b.c.d) or
/// v4-compatible (::a.b.c.d, but not ::1) IPv6 address is asked as a.b.c.d, in in-addr.arpa
/// (glibc's _nss_dns_gethostbyaddr2_r). The files source compares the address as given.
fn ptr_address(ip: &IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let o = v6.octets();
            let v4 = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
            let mapped = o[..10] == [0; 10] && o[10..12] == [0xff, 0xff];
            let compat = o[..12] == [0; 12] && o[12..] != [0, 0, 0, 1];
            if mapped || compat {
                IpAddr::V4(v4)
            } else {
                *ip
            }
        }
        IpAddr::V4(_) => *ip,
    }
}

/// Reverse lookup through the `hosts:` sources (gethostbyaddr's order): the official name
/// of the first hosts line with this address, else the PTR record. Err(Again) when DNS
/// could not be asked (glibc's getnameinfo answers EAI_AGAIN then).
pub fn name_of(ip: &IpAddr) -> Result<Option<Vec<u8>>, GaiError> {
    let line = NSSWITCH.get(HostsLine::parse);
    let mut last = Status::Unavail;
    for step in &line.steps {
        let (status, name) = match step.source {
            Source::Files => {
                let hosts = HOSTS.get_owned(|text| text.map(super::hosts::from_bytes));
                match hosts.as_ref() {
                    None => (Status::Unavail, None),
                    Some(h) => match h.name_of(&Address::new(*ip)) {
                        Some(name) => (Status::Success, Some(name.to_vec())),
                        None => (Status::NotFound, None),
                    },
                }
            }
            Source::Dns => match from_dns::name_of(&ptr_address(ip)) {
                Ok(Some(name)) => (Status::Success, Some(name)),
                Ok(None) => (Status::NotFound, None),
                Err(_) => (Status::TryAgain, None),
            },
        };
        if let Some(name) = name {
            // gethostbyaddr's POSTPROCESS: host.conf's `trim` domains come off.
            return Ok(Some(HOST_CONF.get(HostConf::parse).trimmed(name)));
        }
        last = status;
        if step.action(status) == Action::Return {
            break;
        }
    }
    match last {
        Status::TryAgain => Err(GaiError::Again),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::ptr_address;
    use core::net::IpAddr;

    #[test]
    fn mapped_and_compatible_addresses_are_asked_as_ipv4() {
        let cases = [
            ("::ffff:192.0.2.1", "192.0.2.1"),
            ("::192.0.2.1", "192.0.2.1"),
            ("::2", "0.0.0.2"),
            ("::1", "::1"),
            ("::ffff:0:1", "0.0.0.1"),
            ("2001:db8::1", "2001:db8::1"),
            ("::1:ffff:192.0.2.1", "::1:ffff:192.0.2.1"),
            ("192.0.2.1", "192.0.2.1"),
        ];
        for (ip, want) in cases {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(ptr_address(&ip), want.parse::<IpAddr>().unwrap(), "{ip}");
        }
    }
}
