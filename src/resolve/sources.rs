//! The name sources of nsswitch.conf's `hosts:` line and the files behind them.

use super::config::ConfigFile;
use super::from_dns::{self, Miss};
use super::gai::Found;
use super::gaiconf::Policy;
use super::hostconf::HostConf;
use super::hosts::Hosts;
use super::nsswitch::{Action, HostsLine, Source, Status};
use super::request::{Request, AF_INET, AF_INET6, AF_UNSPEC, AI_ALL, AI_V4MAPPED};
use super::services::Services;
use super::{Address, GaiError};
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

/// Walks the `hosts:` sources in order, honouring their `[STATUS=action]`s.
pub fn from_sources(name: &[u8], req: &Request) -> Result<Found, GaiError> {
    let line = NSSWITCH.get(HostsLine::parse);
    let mut last = Status::Unavail;
    let mut no_data = false;
    for step in &line.steps {
        let (status, found) = match step.source {
            Source::Files => from_files(name, req),
            Source::Dns => match from_dns::from_dns(name, req) {
                (status, Ok(found)) => (status, Some(found)),
                (status, Err(miss)) => {
                    no_data = miss == Miss::NoData;
                    (status, None)
                }
            },
        };
        last = status;
        if let Some(found) = found {
            if !found.addrs.is_empty() {
                return Ok(found);
            }
        }
        if step.action(status) == Action::Return {
            break;
        }
    }
    Err(match last {
        Status::TryAgain => GaiError::Again,
        // A name DNS knows without an address of the family asked: glibc's EAI_NODATA
        // for one family; for AF_UNSPEC (gethostbyname4_r) it answers EAI_NONAME.
        Status::NotFound if no_data && req.family != AF_UNSPEC => GaiError::NoData,
        _ => GaiError::NoName,
    })
}

/// The `files` source, as glibc's nss_files answers getaddrinfo: for AF_UNSPEC the
/// matching lines of both families (gethostbyname4_r); for one family only that family's
/// lines (gethostbyname3_r); in both cases only the first one unless host.conf says
/// `multi on`. For AF_INET6 with AI_V4MAPPED, the IPv4 lines mapped when there is no IPv6
/// line (or always, with AI_ALL).
fn from_files(name: &[u8], req: &Request) -> (Status, Option<Found>) {
    let hosts = HOSTS.get(|text| text.map(super::hosts::parse));
    let Some(hosts) = hosts.as_ref() else {
        return (Status::Unavail, None);
    };
    let multi = HOST_CONF.get(HostConf::parse).multi();
    let lines: Vec<(Address, &[u8])> = match hosts.lookup(name) {
        Some(matched) => matched.iter().map(|e| (e.address, e.name)).collect(),
        None => Vec::new(),
    };
    let mut found = Found {
        addrs: Vec::new(),
        canon: None,
        got_ipv6: false,
    };
    let take = |family: i32, map_v4: bool, found: &mut Found| {
        for (addr, official) in lines
            .iter()
            .filter_map(|(a, o)| Some((as_family(a, family)?, *o)))
        {
            let addr = match (map_v4, addr.ip) {
                (true, IpAddr::V4(v4)) => Address::new(IpAddr::V6(v4.to_ipv6_mapped())),
                _ => addr,
            };
            found.canon.get_or_insert_with(|| official.to_vec());
            found.addrs.push(addr);
            if !multi {
                break;
            }
        }
    };
    match req.family {
        AF_UNSPEC => {
            for (addr, official) in &lines {
                found.canon.get_or_insert_with(|| official.to_vec());
                found.addrs.push(*addr);
                if !multi {
                    break;
                }
            }
        }
        AF_INET => take(AF_INET, false, &mut found),
        _ => {
            take(AF_INET6, false, &mut found);
            found.got_ipv6 = !found.addrs.is_empty();
            if req.flags & AI_V4MAPPED != 0 && (req.flags & AI_ALL != 0 || !found.got_ipv6) {
                take(AF_INET, true, &mut found);
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
                let hosts = HOSTS.get(|text| text.map(super::hosts::parse));
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
