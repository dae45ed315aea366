//! resolv.conf as glibc 2.36 reads it (resolv/res_init.c): `nameserver` (at most three),
//! `domain` and `search` (the last one wins), `options`, then the LOCALDOMAIN and
//! RES_OPTIONS variables. netshim's own extension: a port after a nameserver address
//! (`nameserver 127.0.0.1#5353`, `nameserver [::1]:5353`), which glibc ignores as an
//! unparsable line; tests and users point netshim at a server on another port with it.

use super::numeric;
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr};

/// glibc's MAXNS: further nameserver lines are ignored.
pub const MAX_NAMESERVERS: usize = 3;
/// glibc's caps: RES_MAXNDOTS, RES_MAXRETRANS (seconds), RES_MAXRETRY.
const MAX_NDOTS: i32 = 15;
const MAX_TIMEOUT: i32 = 30;
const MAX_ATTEMPTS: i32 = 5;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Nameserver {
    pub ip: IpAddr,
    pub port: u16,
    pub scope_id: u32,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ResolvConf {
    pub nameservers: Vec<Nameserver>,
    pub search: Vec<Vec<u8>>,
    pub ndots: u32,
    /// Seconds per try (glibc's `retrans`).
    pub timeout: i32,
    pub attempts: i32,
    pub rotate: bool,
    pub edns0: bool,
    pub single_request: bool,
    pub single_request_reopen: bool,
    pub no_tld_query: bool,
    pub no_reload: bool,
    pub use_vc: bool,
    pub trust_ad: bool,
    pub no_aaaa: bool,
}

impl Default for ResolvConf {
    fn default() -> Self {
        ResolvConf {
            nameservers: Vec::new(),
            search: Vec::new(),
            ndots: 1,
            timeout: 5,
            attempts: 2,
            rotate: false,
            edns0: false,
            single_request: false,
            single_request_reopen: false,
            no_tld_query: false,
            no_reload: false,
            use_vc: false,
            trust_ad: false,
            no_aaaa: false,
        }
    }
}

/// What resolv.conf parsing reads besides the file.
pub struct Environment<'a> {
    pub localdomain: Option<&'a [u8]>,
    pub res_options: Option<&'a [u8]>,
    /// uname's nodename: with no search list, its part after the first dot is the domain.
    pub hostname: Option<&'a [u8]>,
}

/// glibc's MATCH(): the keyword at the very start of the line, then a blank.
fn keyword<'a>(line: &'a [u8], word: &[u8]) -> Option<&'a [u8]> {
    let rest = line.strip_prefix(word)?;
    match rest.first() {
        Some(b' ' | b'\t') => Some(rest),
        _ => None,
    }
}

fn is_blank(b: &u8) -> bool {
    matches!(b, b' ' | b'\t')
}

fn words(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .filter(|w| !w.is_empty())
}

pub fn parse(text: Option<&[u8]>, env: &Environment) -> ResolvConf {
    let mut conf = ResolvConf::default();
    let from_env = env.localdomain.is_some();
    if let Some(domains) = env.localdomain {
        conf.search = words(domains).map(<[u8]>::to_vec).collect();
    }
    for line in text.unwrap_or_default().split(|&b| b == b'\n') {
        if matches!(line.first(), Some(b';' | b'#')) {
            continue;
        }
        if let Some(rest) = keyword(line, b"domain") {
            // LOCALDOMAIN overrides the file's domain and search lines.
            if let (false, Some(domain)) = (from_env, words(rest).next()) {
                conf.search = alloc::vec![domain.to_vec()];
            }
        } else if let Some(rest) = keyword(line, b"search") {
            let list: Vec<Vec<u8>> = words(rest).map(<[u8]>::to_vec).collect();
            if !from_env && !list.is_empty() {
                conf.search = list;
            }
        } else if let Some(rest) = keyword(line, b"nameserver") {
            let addr = rest
                .iter()
                .position(|b| !is_blank(b))
                .map_or(&rest[..0], |i| &rest[i..]);
            let addr = addr
                .split(|b| matches!(b, b' ' | b'\t' | b'\r'))
                .next()
                .unwrap_or_default();
            if let (Some(ns), true) = (nameserver(addr), conf.nameservers.len() < MAX_NAMESERVERS) {
                conf.nameservers.push(ns);
            }
        } else if let Some(rest) = keyword(line, b"options") {
            set_options(&mut conf, rest);
        }
    }
    if conf.nameservers.is_empty() {
        conf.nameservers.push(Nameserver {
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 53,
            scope_id: 0,
        });
    }
    if conf.search.is_empty() {
        if let Some(host) = env.hostname {
            if let Some(dot) = host.iter().position(|&b| b == b'.') {
                let domain = &host[dot + 1..];
                if !domain.is_empty() {
                    conf.search.push(domain.to_vec());
                }
            }
        }
    }
    if let Some(options) = env.res_options {
        set_options(&mut conf, options);
    }
    conf
}

/// One nameserver token: glibc's forms (inet_aton's IPv4 forms; IPv6 with an optional
/// %scope, whose errors glibc ignores) plus netshim's ports: `ADDR#PORT`, `[IPv6]:PORT`.
fn nameserver(token: &[u8]) -> Option<Nameserver> {
    let (addr, port) = split_port(token)?;
    if let Some(v4) = numeric::parse_ipv4(addr) {
        return Some(Nameserver {
            ip: IpAddr::V4(v4),
            port,
            scope_id: 0,
        });
    }
    let (text, scope) = numeric::split_scope(addr);
    let v6 = numeric::parse_ipv6(text)?;
    let scope_id = scope
        .and_then(|s| {
            numeric::parse_scope(&v6, s, &|name| {
                Some(crate::sys::net::if_nametoindex(name)).filter(|&i| i != 0)
            })
        })
        .unwrap_or(0);
    Some(Nameserver {
        ip: IpAddr::V6(v6),
        port,
        scope_id,
    })
}

fn split_port(token: &[u8]) -> Option<(&[u8], u16)> {
    if let Some(inner) = token.strip_prefix(b"[") {
        let close = inner.iter().position(|&b| b == b']')?;
        let port = match &inner[close + 1..] {
            [] => 53,
            [b':', digits @ ..] => port_number(digits)?,
            _ => return None,
        };
        return Some((&inner[..close], port));
    }
    match token.iter().position(|&b| b == b'#') {
        Some(hash) => Some((&token[..hash], port_number(&token[hash + 1..])?)),
        None => Some((token, 53)),
    }
}

fn port_number(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits
        .iter()
        .fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
    u16::try_from(value).ok().filter(|&p| p != 0)
}

/// glibc's res_setoptions: blank-separated words, each matched by prefix (memcmp over the
/// option's length, so "rotate-xyz" is rotate), unknown words ignored.
fn set_options(conf: &mut ResolvConf, options: &[u8]) {
    for word in words(options) {
        if let Some(n) = word.strip_prefix(b"ndots:") {
            // glibc stores ndots in a 4-bit field: atoi, capped at 15 (a negative wraps).
            conf.ndots = (atoi(n).min(MAX_NDOTS) as u32) & 0xf;
        } else if let Some(n) = word.strip_prefix(b"timeout:") {
            conf.timeout = atoi(n).min(MAX_TIMEOUT);
        } else if let Some(n) = word.strip_prefix(b"attempts:") {
            conf.attempts = atoi(n).min(MAX_ATTEMPTS);
        } else {
            // `inet6`, `debug`, `ip6-bytestring`, `ip6-dotint` are accepted and ignored.
            let flag = match word {
                w if w.starts_with(b"rotate") => &mut conf.rotate,
                w if w.starts_with(b"edns0") => &mut conf.edns0,
                w if w.starts_with(b"single-request-reopen") => &mut conf.single_request_reopen,
                w if w.starts_with(b"single-request") => &mut conf.single_request,
                w if w.starts_with(b"no_tld_query") || w.starts_with(b"no-tld-query") => {
                    &mut conf.no_tld_query
                }
                w if w.starts_with(b"no-reload") => &mut conf.no_reload,
                w if w.starts_with(b"use-vc") => &mut conf.use_vc,
                w if w.starts_with(b"trust-ad") => &mut conf.trust_ad,
                w if w.starts_with(b"no-aaaa") => &mut conf.no_aaaa,
                _ => continue,
            };
            *flag = true;
        }
    }
}

/// C's atoi: blanks, a sign, digits, stop at the first non-digit; 0 without digits.
fn atoi(s: &[u8]) -> i32 {
    let (negative, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    };
    let mut value: i64 = 0;
    for d in digits.iter().take_while(|d| d.is_ascii_digit()) {
        value = (value * 10 + i64::from(d - b'0')).min(i64::from(i32::MAX) + 1);
    }
    let value = if negative { -value } else { value };
    value.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv6Addr;

    const NO_ENV: Environment = Environment {
        localdomain: None,
        res_options: None,
        hostname: None,
    };

    fn ns(ip: &str, port: u16) -> Nameserver {
        Nameserver {
            ip: ip.parse().unwrap(),
            port,
            scope_id: 0,
        }
    }

    #[test]
    fn nameservers() {
        let text = b"nameserver 10.0.0.1\nnameserver\t::1 # trailing words ignored\nnameserver 127.1\nnameserver 10.9.9.9\n";
        let conf = parse(Some(text), &NO_ENV);
        assert_eq!(
            conf.nameservers,
            vec![ns("10.0.0.1", 53), ns("::1", 53), ns("127.0.0.1", 53)]
        );

        let text = b"nameserver 127.0.0.1#5353\nnameserver [::1]:5354\nnameserver [::1]\nnameserver bogus\n";
        let conf = parse(Some(text), &NO_ENV);
        assert_eq!(
            conf.nameservers,
            vec![ns("127.0.0.1", 5353), ns("::1", 5354), ns("::1", 53)]
        );

        // No usable line: glibc's default, 127.0.0.1:53. Keywords need a blank after them.
        for text in [
            &b""[..],
            b"nameserver\n",
            b"nameserver:10.0.0.1\n",
            b" nameserver 10.0.0.1\n",
            b"#nameserver 10.0.0.1\n",
            b"nameserver 1.2.3.4#0\n",
            b"nameserver 1.2.3.4#99999\n",
        ] {
            assert_eq!(
                parse(Some(text), &NO_ENV).nameservers,
                vec![ns("127.0.0.1", 53)],
                "{text:?}"
            );
        }
        assert_eq!(parse(None, &NO_ENV).nameservers, vec![ns("127.0.0.1", 53)]);
        let conf = parse(Some(b"nameserver fe80::1%99999\n"), &NO_ENV);
        assert_eq!(
            conf.nameservers[0].ip,
            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1))
        );
    }

    #[test]
    fn search_and_domain() {
        let cases: &[(&[u8], Vec<&[u8]>)] = &[
            (
                b"search a.example b.example\n",
                vec![b"a.example", b"b.example"],
            ),
            (b"domain d.example\nsearch s.example\n", vec![b"s.example"]),
            (
                b"search s.example\ndomain d.example extra\n",
                vec![b"d.example"],
            ),
            (b"search   \n", vec![]),
            (b"search a\r\n", vec![b"a"]),
        ];
        for (text, want) in cases {
            let got = parse(Some(text), &NO_ENV).search;
            assert_eq!(
                got,
                want.iter().map(|w| w.to_vec()).collect::<Vec<_>>(),
                "{text:?}"
            );
        }
        let env = Environment {
            localdomain: Some(b"env.example other.example"),
            res_options: None,
            hostname: None,
        };
        assert_eq!(
            parse(Some(b"search s.example\n"), &env).search,
            vec![b"env.example".to_vec(), b"other.example".to_vec()]
        );
        let env = Environment {
            localdomain: None,
            res_options: None,
            hostname: Some(b"web.corp.example"),
        };
        assert_eq!(parse(None, &env).search, vec![b"corp.example".to_vec()]);
        let env = Environment {
            localdomain: None,
            res_options: None,
            hostname: Some(b"plainhost"),
        };
        assert!(parse(None, &env).search.is_empty());
    }

    #[test]
    fn options() {
        let conf = parse(
            Some(b"options ndots:3 timeout:1 attempts:4 rotate edns0 single-request trust-ad\n"),
            &NO_ENV,
        );
        assert_eq!((conf.ndots, conf.timeout, conf.attempts), (3, 1, 4));
        assert!(
            conf.rotate
                && conf.edns0
                && conf.single_request
                && conf.trust_ad
                && !conf.single_request_reopen
        );
        let conf = parse(
            Some(b"options ndots:99 timeout:99 attempts:99 no_tld_query use-vc no-aaaa\n"),
            &NO_ENV,
        );
        assert_eq!((conf.ndots, conf.timeout, conf.attempts), (15, 30, 5));
        assert!(conf.no_tld_query && conf.use_vc && conf.no_aaaa);
        let conf = parse(Some(b"options single-request-reopen ndots:x\n"), &NO_ENV);
        assert!(conf.single_request_reopen && !conf.single_request);
        assert_eq!(conf.ndots, 0);
        // RES_OPTIONS comes last and wins.
        let env = Environment {
            localdomain: None,
            res_options: Some(b"ndots:2 rotate"),
            hostname: None,
        };
        let conf = parse(Some(b"options ndots:5\n"), &env);
        assert_eq!(conf.ndots, 2);
        assert!(conf.rotate);
    }
}
