//! The `dns` source: glibc's search walk (resolv/res_query.c, __res_context_search) over
//! netshim's transport, and the answers turned into addresses as nss_dns does.

use super::config::ConfigFile;
use super::dns::{self, transport, Message, TYPE_A, TYPE_AAAA, TYPE_PTR};
use super::gai::Found;
use super::nsswitch::Status;
use super::request::{Request, AF_INET, AF_INET6, AF_UNSPEC, AI_ALL, AI_CANONNAME, AI_V4MAPPED};
use super::resolvconf::{self, Environment, ResolvConf};
use super::{Address, GaiError};
use crate::sys;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::net::IpAddr;

static RESOLV_CONF: ConfigFile<ResolvConf> =
    ConfigFile::new(b"NETSHIM_RESOLV_CONF", b"/etc/resolv.conf\0");

pub fn resolv_conf() -> Arc<ResolvConf> {
    RESOLV_CONF.get(|text| {
        let hostname = sys::process::nodename();
        let env = Environment {
            localdomain: sys::env::var(b"LOCALDOMAIN"),
            res_options: sys::env::var(b"RES_OPTIONS"),
            hostname: hostname.as_deref(),
        };
        resolvconf::parse(text, &env)
    })
}

/// Why a name found nothing (glibc's h_errno values).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Miss {
    HostNotFound,
    NoData,
    TryAgain,
}

/// What to ask, and how nss_dns reads the replies: the types (A, AAAA or both), whether
/// only class IN counts (one family) and whether an alias without address is NODATA
/// (gethostbyname2_r's reading) rather than not found.
#[derive(Clone, Copy)]
struct Ask<'a> {
    types: &'a [u16],
    class_in_only: bool,
    alias_is_nodata: bool,
}

impl<'a> Ask<'a> {
    const fn one(types: &'a [u16], class_in_only: bool) -> Self {
        Ask {
            types,
            class_in_only,
            alias_is_nodata: false,
        }
    }
}

/// What one query set answered.
struct Answer {
    addrs: Vec<IpAddr>,
    canon: Option<Vec<u8>>,
}

/// The dns source for getaddrinfo, per family as nss_dns answers it: A and AAAA together
/// for AF_UNSPEC (gethostbyname4_r), one type for one family, and for AF_INET6 with
/// AI_V4MAPPED the A records mapped when there is no AAAA (or always, with AI_ALL).
pub fn from_dns(name: &[u8], req: &Request) -> (Status, Result<Found, Miss>) {
    let conf = resolv_conf();
    let mut found = Found {
        addrs: Vec::new(),
        canon: None,
        got_ipv6: false,
    };
    let result = match req.family {
        AF_UNSPEC => {
            let types: &[u16] = if conf.no_aaaa {
                &[TYPE_A]
            } else {
                &[TYPE_A, TYPE_AAAA]
            };
            search(&conf, name, Ask::one(types, false)).map(|a| take(&mut found, a, false))
        }
        AF_INET => {
            // glibc answers AF_INET without AI_CANONNAME through gethostbyname2_r, which
            // reports an alias without an address as NODATA, not as not found.
            let simple = req.flags & AI_CANONNAME == 0;
            let ask = Ask {
                alias_is_nodata: simple,
                ..Ask::one(&[TYPE_A], true)
            };
            search(&conf, name, ask).map(|a| take(&mut found, a, false))
        }
        AF_INET6 => {
            let six = search(&conf, name, Ask::one(&[TYPE_AAAA], true));
            if let Ok(a) = &six {
                found.got_ipv6 = !a.addrs.is_empty();
            }
            let six = six.map(|a| take(&mut found, a, false));
            if req.flags & AI_V4MAPPED != 0 && (req.flags & AI_ALL != 0 || !found.got_ipv6) {
                match (six, search(&conf, name, Ask::one(&[TYPE_A], true))) {
                    (_, Ok(a)) => {
                        take(&mut found, a, true);
                        Ok(())
                    }
                    (Ok(()), Err(_)) => Ok(()),
                    (Err(_), Err(miss)) => Err(miss),
                }
            } else {
                six
            }
        }
        _ => Err(Miss::HostNotFound),
    };
    match result {
        Ok(()) if !found.addrs.is_empty() => (Status::Success, Ok(found)),
        Ok(()) => (Status::NotFound, Err(Miss::NoData)),
        Err(Miss::TryAgain) => (Status::TryAgain, Err(Miss::TryAgain)),
        Err(miss) => (Status::NotFound, Err(miss)),
    }
}

fn take(found: &mut Found, answer: Answer, map_v4: bool) {
    if found.canon.is_none() {
        found.canon = answer.canon;
    }
    for ip in answer.addrs {
        let ip = match (map_v4, ip) {
            (true, IpAddr::V4(v4)) => IpAddr::V6(v4.to_ipv6_mapped()),
            _ => ip,
        };
        found.addrs.push(Address::new(ip));
    }
}

/// glibc's search walk: the name as it is first when it has at least `ndots` dots or ends
/// with a dot; then each search domain (NXDOMAIN, NODATA and SERVFAIL go on to the next,
/// anything else stops); then the name as it is, if not tried yet and it has dots or
/// `no-tld-query` is off.
fn search(conf: &ResolvConf, name: &[u8], ask: Ask) -> Result<Answer, Miss> {
    let dots = name.iter().filter(|&&b| b == b'.').count() as u32;
    let trailing_dot = name.last() == Some(&b'.');
    let mut saved: Option<Miss> = None;
    let mut tried_as_is = false;
    if dots >= conf.ndots || trailing_dot {
        match query(conf, name, ask) {
            Ok(a) => return Ok(a),
            Err(miss) => saved = Some(miss),
        }
        tried_as_is = true;
    }
    let (mut got_nodata, mut got_servfail) = (false, false);
    // glibc: (no dots and RES_DEFNAMES) or (dots, no trailing dot and RES_DNSRCH), both
    // on by default; a name with no dots cannot end with one.
    if !trailing_dot {
        for domain in &conf.search {
            let mut full = name.to_vec();
            full.push(b'.');
            full.extend_from_slice(domain);
            match query(conf, &full, ask) {
                Ok(a) => return Ok(a),
                Err(Miss::NoData) => got_nodata = true,
                Err(Miss::HostNotFound) => {}
                Err(Miss::TryAgain) => {
                    // TODO(behaviour): glibc goes on after SERVFAIL but stops after a
                    // timeout; the transport reports both as TryAgain, so the walk stops.
                    got_servfail = true;
                    break;
                }
            }
        }
    }
    let mut last = Miss::HostNotFound;
    if !tried_as_is && (dots > 0 || !conf.no_tld_query) {
        match query(conf, name, ask) {
            Ok(a) => return Ok(a),
            Err(miss) => last = miss,
        }
    }
    // glibc keeps the first as-is answer's error, else NODATA or SERVFAIL seen on the
    // way, else whatever the last query said.
    Err(match saved {
        Some(miss) => miss,
        None if got_nodata => Miss::NoData,
        None if got_servfail => Miss::TryAgain,
        None => last,
    })
}

/// One name, one set of types: every reply read as nss_dns reads it.
fn query(conf: &ResolvConf, name: &[u8], ask: Ask) -> Result<Answer, Miss> {
    let Ask {
        types,
        class_in_only,
        alias_is_nodata,
    } = ask;
    let replies = match transport::exchange(conf, name, types) {
        Ok(r) => r,
        Err(transport::Failure::BadName) => return Err(Miss::HostNotFound),
        Err(_) => return Err(Miss::TryAgain),
    };
    let mut answer = Answer {
        addrs: Vec::new(),
        canon: None,
    };
    let mut all_nxdomain = true;
    let mut aliased = false;
    let mut malformed = false;
    for (reply, &qtype) in replies.iter().zip(types) {
        let Ok(msg) = Message::new_checked(reply) else {
            continue;
        };
        if msg.rcode() == dns::RCODE_NXDOMAIN {
            continue;
        }
        all_nxdomain = false;
        aliased |= msg
            .answers()
            .any(|r| r.is_ok_and(|r| r.rtype == dns::TYPE_CNAME));
        let Ok(walk) = dns::addresses(&msg, qtype, class_in_only) else {
            continue;
        };
        let mut addrs = Vec::new();
        let mut walk = walk;
        let mut broken = false;
        for item in walk.by_ref() {
            match item {
                Ok(ip) => addrs.push(ip),
                // A malformed record makes glibc drop the whole answer.
                Err(_) => broken = true,
            }
        }
        if broken {
            malformed = true; // a malformed answer is dropped whole: not found, as in glibc
            continue;
        }
        if !addrs.is_empty() && answer.canon.is_none() {
            let mut text = [0u8; 256];
            if let Ok(n) = walk.canonical_name().write_text(&mut text) {
                answer.canon = Some(text[..n].to_vec());
            }
        }
        answer.addrs.extend(addrs);
    }
    if !answer.addrs.is_empty() {
        Ok(answer)
    } else if all_nxdomain || malformed || (aliased && !alias_is_nodata) {
        // An alias whose target has no address counts as not found (measured: glibc
        // answers EAI_NONAME for a CNAME-only reply).
        Err(Miss::HostNotFound)
    } else {
        Err(Miss::NoData)
    }
}

/// getnameinfo's PTR lookup: Ok(None) when the address has no name.
pub fn name_of(ip: &IpAddr) -> Result<Option<Vec<u8>>, GaiError> {
    let conf = resolv_conf();
    let mut qname = [0u8; dns::encode::MAX_REVERSE_NAME_LEN];
    let len = match ip {
        IpAddr::V4(v4) => dns::reverse_name_v4(*v4, &mut qname),
        IpAddr::V6(v6) => dns::reverse_name_v6(*v6, &mut qname),
    }
    .map_err(|_| GaiError::Fail)?;
    let replies = match transport::exchange(&conf, &qname[..len], &[TYPE_PTR]) {
        Ok(r) => r,
        Err(_) => return Err(GaiError::Again),
    };
    let Some(msg) = replies.first().and_then(|r| Message::new_checked(r).ok()) else {
        return Ok(None);
    };
    let mut text = [0u8; 256];
    match dns::ptr_text(&msg, &mut text) {
        Ok(Some(n)) => Ok(Some(text[..n].to_vec())),
        _ => Ok(None),
    }
}
