//! The `dns` source, as glibc 2.36's nss_dns answers getaddrinfo: the search walk
//! (resolv/res_query.c, `__res_context_search` and `__res_context_query`) over the
//! transport (dns/transport.rs, res_send.c), then the replies read as
//! resolv/nss_dns/dns-host.c reads them: `getanswer_r` for one family
//! (`_nss_dns_gethostbyname3_r`, and `gethostbyname2_r` with its name check),
//! `gaih_getanswer` for A and AAAA together (`_nss_dns_gethostbyname4_r`).
//!
//! Each call returns what the NSS function returns: a status, glibc's h_errno and the
//! errno it leaves. sources.rs turns them into EAI_* codes as getaddrinfo does; the rules
//! that decide a code are all here or there, none is a table of outcomes.

use super::config::ConfigFile;
use super::dns::transport::{self, Answers, Fallback};
use super::dns::{self, Message, TYPE_A, TYPE_AAAA, TYPE_PTR};
use super::found::Found;
use super::nsswitch::Status;
use super::resolvconf::{self, Environment, ResolvConf};
use super::GaiError;
use crate::sys;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::net::IpAddr;
use read::{gaih_getanswer, getanswer_r};

mod read;

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

/// glibc's h_errno values (netdb.h), which decide getaddrinfo's EAI_* code.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HErrno {
    Success,
    HostNotFound,
    TryAgain,
    NoRecovery,
    NoData,
    /// NETDB_INTERNAL: a system error, in errno (getaddrinfo's EAI_SYSTEM).
    Internal,
}

/// What one NSS lookup function returned: its status, h_errno, the errno it left (None:
/// the caller's, which glibc restores), and the addresses.
pub struct Nss {
    pub status: Status,
    pub h_errno: HErrno,
    pub errno: Option<i32>,
    pub found: Found,
}

impl Nss {
    fn failed(status: Status, h_errno: HErrno, errno: Option<i32>) -> Self {
        Nss {
            status,
            h_errno,
            errno,
            found: Found::empty(),
        }
    }
}

/// The resolver state one lookup carries through its queries: glibc's h_errno and errno
/// as res_query leaves them, the RCODE left in the first answer buffer, and the
/// single-request fallback once it has been switched on.
struct Resolver {
    conf: Arc<ResolvConf>,
    h_errno: HErrno,
    errno: i32,
    rcode: u8,
    fallback: Fallback,
}

impl Resolver {
    fn new() -> Self {
        Resolver {
            conf: resolv_conf(),
            h_errno: HErrno::HostNotFound,
            errno: 0,
            rcode: dns::RCODE_NOERROR,
            fallback: Fallback::default(),
        }
    }

    /// `__res_context_query`: one name, one or two types. Some(replies) when a reply has
    /// answers (or an NXDOMAIN has a partner with answers), else None with h_errno set:
    /// NXDOMAIN → HOST_NOT_FOUND, SERVFAIL or no reply → TRY_AGAIN, NOERROR without
    /// answers → NO_DATA, anything else (REFUSED, FORMERR, a name that cannot be sent) →
    /// NO_RECOVERY.
    fn query(&mut self, name: &[u8], types: &[u16]) -> Option<Answers> {
        self.rcode = dns::RCODE_NOERROR;
        if types == [TYPE_AAAA] && self.conf.no_aaaa {
            // options no-aaaa: glibc answers an AAAA query itself, with NOERROR and no data.
            self.h_errno = HErrno::NoData;
            return None;
        }
        let mut queries = Vec::with_capacity(types.len());
        // Both IDs from one getrandom call.
        let ids = random_ids();
        for (i, &qtype) in types.iter().enumerate() {
            let mut buf = alloc::vec![0u8; 512];
            let edns = self.conf.edns0.then_some(1200); // glibc's RESOLV_EDNS_BUFFER_SIZE
            let encoded = ids.ok().and_then(|ids| {
                let id = ids[i.min(1)];
                dns::encode_query(id, name, qtype, true, edns, self.conf.trust_ad, &mut buf).ok()
            });
            let Some(len) = encoded else {
                // res_mkquery failed (a label over 63 bytes, a name over 255): ns_name_pton
                // leaves EMSGSIZE.
                self.h_errno = HErrno::NoRecovery;
                self.errno = libc::EMSGSIZE;
                return None;
            };
            buf.truncate(len);
            queries.push(buf);
        }
        let sent = transport::send(&self.conf, &queries, &mut self.fallback);
        self.rcode = sent.first_rcode;
        let answers = match sent.result {
            Ok(answers) => answers,
            Err(failure) => {
                self.errno = failure.errno();
                self.h_errno = HErrno::TryAgain;
                return None;
            }
        };
        self.errno = 0; // send_dg clears errno before it reads the replies
        let h1 = header(&answers.first);
        let h2 = header(&answers.second);
        let (hp, hp2) = match (h1, h2) {
            (Some(a), Some(b)) if types.len() == 2 => (a, b),
            (None, Some(b)) if types.len() == 2 => (b, b),
            (Some(a), _) => (a, a),
            _ => (Head::default(), Head::default()),
        };
        let empty = |h: Head| h.rcode != dns::RCODE_NOERROR || h.ancount == 0;
        if empty(hp) && empty(hp2) {
            let rcode = if hp.rcode == dns::RCODE_NOERROR {
                hp2.rcode
            } else {
                hp.rcode
            };
            self.h_errno = match rcode {
                dns::RCODE_NXDOMAIN => HErrno::HostNotFound,
                dns::RCODE_SERVFAIL => HErrno::TryAgain,
                dns::RCODE_NOERROR => HErrno::NoData,
                _ => HErrno::NoRecovery,
            };
            return None;
        }
        Some(answers)
    }

    /// `__res_context_querydomain`: `name` or `name.domain`, refused (NO_RECOVERY)
    /// beyond MAXDNAME (1025) bytes before any query.
    fn query_domain(
        &mut self,
        name: &[u8],
        domain: Option<&[u8]>,
        types: &[u16],
    ) -> Option<Answers> {
        const MAXDNAME: usize = 1025;
        let full;
        let longname = match domain {
            None if name.len().wrapping_sub(1) >= MAXDNAME - 1 => None,
            None => Some(name),
            Some(d) if name.len() + d.len() + 1 >= MAXDNAME => None,
            Some(d) => {
                full = [name, b".", d].concat();
                Some(full.as_slice())
            }
        };
        match longname {
            Some(n) => self.query(n, types),
            None => {
                self.h_errno = HErrno::NoRecovery;
                None
            }
        }
    }

    /// glibc's search walk, `__res_context_search`:
    /// - the name as it is first when it has at least `ndots` dots or ends with a dot (a
    ///   trailing dot ends the walk there, whatever the answer);
    /// - then each search domain: NXDOMAIN and NODATA go on, so does TRY_AGAIN when the
    ///   reply in the first buffer was SERVFAIL; a refused connection (no server at all)
    ///   ends the walk with TRY_AGAIN; anything else (a timeout, REFUSED) stops the search;
    /// - then the name as it is, unless already tried, a search domain was the root, or
    ///   `no-tld-query` is set for a name without dots;
    /// - the error kept is the first as-is query's, else NODATA or SERVFAIL seen on the
    ///   way, else the last query's.
    fn search(&mut self, name: &[u8], types: &[u16]) -> Option<Answers> {
        self.errno = 0;
        self.h_errno = HErrno::HostNotFound;
        let dots = name.iter().filter(|&&b| b == b'.').count() as u32;
        let trailing_dot = name.last() == Some(&b'.');
        if dots == 0 {
            if let Some(alias) = host_alias(name) {
                // A user-level alias is asked as it is, with no search.
                return self.query(&alias, types);
            }
        }
        let mut saved = None;
        let mut tried_as_is = false;
        if dots >= self.conf.ndots || trailing_dot {
            let found = self.query_domain(name, None, types);
            if found.is_some() || trailing_dot {
                return found;
            }
            saved = Some(self.h_errno);
            tried_as_is = true;
        }
        let (mut got_nodata, mut got_servfail) = (false, false);
        let (mut searched, mut root_on_list) = (false, false);
        // glibc: (no dots and RES_DEFNAMES) or (dots, no trailing dot and RES_DNSRCH), both
        // always on here.
        if !trailing_dot {
            let conf = self.conf.clone();
            for domain in &conf.search {
                searched = true;
                let domain = domain.strip_prefix(b".").unwrap_or(domain);
                root_on_list |= domain.is_empty();
                if let Some(found) = self.query_domain(name, Some(domain), types) {
                    return Some(found);
                }
                if self.errno == libc::ECONNREFUSED {
                    self.h_errno = HErrno::TryAgain;
                    return None;
                }
                match self.h_errno {
                    HErrno::NoData => got_nodata = true,
                    HErrno::HostNotFound => {}
                    HErrno::TryAgain if self.rcode == dns::RCODE_SERVFAIL => got_servfail = true,
                    _ => break,
                }
            }
        }
        let no_tld = dots == 0 && searched && self.conf.no_tld_query;
        if !(tried_as_is || root_on_list || no_tld) {
            if let Some(found) = self.query_domain(name, None, types) {
                return Some(found);
            }
        }
        if let Some(h) = saved {
            self.h_errno = h;
        } else if got_nodata {
            self.h_errno = HErrno::NoData;
        } else if got_servfail {
            self.h_errno = HErrno::TryAgain;
        }
        None
    }

    /// A failed walk as nss_dns reports it: the status from errno (ECONNREFUSED or
    /// ETIMEDOUT: UNAVAIL; ESRCH: TRYAGAIN; EMFILE/ENFILE: UNAVAIL with a system error;
    /// anything else: NOTFOUND), and errno EAGAIN with TRY_AGAIN, else the caller's.
    fn failed(&self) -> Nss {
        let mut h_errno = self.h_errno;
        let status = match self.errno {
            libc::ESRCH => {
                h_errno = HErrno::TryAgain;
                Status::TryAgain
            }
            libc::EMFILE | libc::ENFILE => {
                return Nss::failed(Status::Unavail, HErrno::Internal, Some(self.errno));
            }
            libc::ECONNREFUSED | libc::ETIMEDOUT => Status::Unavail,
            _ => Status::NotFound,
        };
        // Otherwise glibc restores the errno it was called with (its attempt to reach
        // nscd restores it too); gethostbyname2_r returns it as its code.
        let errno = (h_errno == HErrno::TryAgain).then_some(libc::EAGAIN);
        Nss::failed(status, h_errno, errno)
    }
}

/// `_nss_dns_gethostbyname3_r` (with_check false: getaddrinfo with AI_CANONNAME) or
/// `_nss_dns_gethostbyname2_r` (with_check true: without it): one family's addresses.
pub fn gethostbyname3(name: &[u8], family: i32, with_check: bool) -> Nss {
    if with_check && !dns::encode::is_hostname_text(name) {
        return Nss::failed(Status::NotFound, HErrno::HostNotFound, None);
    }
    let alias = (!name.contains(&b'.')).then(|| host_alias(name)).flatten();
    let name = alias.as_deref().unwrap_or(name);
    let qtype = if family == libc::AF_INET6 {
        TYPE_AAAA
    } else {
        TYPE_A
    };
    let mut resolver = Resolver::new();
    match resolver.search(name, &[qtype]) {
        Some(answers) => getanswer_r(&answers.first, qtype),
        None => resolver.failed(),
    }
}

/// `_nss_dns_gethostbyname4_r`: A and AAAA together (A alone with `options no-aaaa`).
pub fn gethostbyname4(name: &[u8]) -> Nss {
    if !dns::encode::is_hostname_text(name) {
        return Nss::failed(Status::NotFound, HErrno::HostNotFound, None);
    }
    let alias = (!name.contains(&b'.')).then(|| host_alias(name)).flatten();
    let name = alias.as_deref().unwrap_or(name);
    let mut resolver = Resolver::new();
    let types: &[u16] = if resolver.conf.no_aaaa {
        &[TYPE_A]
    } else {
        &[TYPE_A, TYPE_AAAA]
    };
    match resolver.search(name, types) {
        Some(answers) => gaih_getanswer(&answers.first, &answers.second),
        None => resolver.failed(),
    }
}

/// glibc's `__res_context_hostalias`: the file named by HOSTALIASES (ignored in
/// secure-execution mode, as ld.so drops it) holds "ALIAS NAME" lines; the first line
/// whose alias is `name` (without regard to case or a trailing dot) gives the name to ask.
/// A line without a space ends the file, as glibc stops there.
fn host_alias(name: &[u8]) -> Option<Vec<u8>> {
    const MAX_FILE: usize = 1 << 20;
    let path = sys::env::var(b"HOSTALIASES")?;
    let text = sys::fs::read_file(&[path, b"\0"].concat(), MAX_FILE).ok()?;
    let same = |a: &[u8], b: &[u8]| {
        let a = a.strip_suffix(b".").unwrap_or(a);
        let b = b.strip_suffix(b".").unwrap_or(b);
        a.eq_ignore_ascii_case(b)
    };
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    for line in text.split_inclusive(|&b| b == b'\n') {
        // The alias runs from the line's start to the first space (a line starting with a
        // space has an empty alias); no space at all ends the file.
        let at = line.iter().position(space)?;
        if !same(&line[..at], name) {
            continue;
        }
        let rest = &line[at + 1..];
        let start = rest.iter().position(|b| !space(b))?;
        let rest = &rest[start..];
        let end = rest.iter().position(space).unwrap_or(rest.len());
        return Some(rest[..end].to_vec());
    }
    None
}

/// The header fields res_query reads.
#[derive(Clone, Copy, Default)]
struct Head {
    rcode: u8,
    ancount: u16,
}

fn header(bytes: &[u8]) -> Option<Head> {
    let msg = Message::new_checked(bytes).ok()?;
    Some(Head {
        rcode: msg.rcode(),
        ancount: msg.answer_count(),
    })
}

/// Two query IDs (an exchange sends at most two queries).
fn random_ids() -> Result<[u16; 2], sys::Errno> {
    let mut b = [0u8; 4];
    sys::random::getrandom(&mut b)?;
    Ok([
        u16::from_ne_bytes([b[0], b[1]]),
        u16::from_ne_bytes([b[2], b[3]]),
    ])
}

/// getnameinfo's PTR lookup (`_nss_dns_gethostbyaddr2_r`: one query, no search list):
/// Ok(None) when the address has no name, Err(Again) when no server answered.
pub fn name_of(ip: &IpAddr) -> Result<Option<Vec<u8>>, GaiError> {
    let mut qname = [0u8; dns::encode::MAX_REVERSE_NAME_LEN];
    let len = match ip {
        IpAddr::V4(v4) => dns::reverse_name_v4(*v4, &mut qname),
        IpAddr::V6(v6) => dns::reverse_name_v6(*v6, &mut qname),
    }
    .map_err(|_| GaiError::Fail)?;
    let mut resolver = Resolver::new();
    let Some(answers) = resolver.query(&qname[..len], &[TYPE_PTR]) else {
        return match resolver.h_errno {
            HErrno::TryAgain => Err(GaiError::Again),
            _ => Ok(None),
        };
    };
    let Some(msg) = Message::new_checked(&answers.first).ok() else {
        return Ok(None);
    };
    let mut text = [0u8; 256];
    match dns::ptr_text(&msg, &mut text) {
        Ok(Some(n)) => Ok(Some(text[..n].to_vec())),
        _ => Ok(None),
    }
}
