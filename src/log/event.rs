//! What one event says, and its two line formats (text and JSON, docs/LOGGING.md). The
//! syslog and journal sinks wrap these lines; the launcher's tracer writes the same bytes.

use super::date::civil;
use super::line::{Esc, Line, PAIR_DIGITS};
use super::names;
use core::net::IpAddr;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Connect,
    ConnectDone,
    Getaddrinfo,
}

impl Kind {
    pub fn name(self) -> &'static [u8] {
        match self {
            Kind::Connect => b"connect",
            Kind::ConnectDone => b"connect-done",
            Kind::Getaddrinfo => b"getaddrinfo",
        }
    }
}

pub enum What<'a> {
    /// `addr`: the sockaddr the kernel read (empty when it read none); `host`: the name a
    /// getaddrinfo of this process returned this address for, empty when none.
    Connect {
        fd: i32,
        addr: &'a [u8],
        host: &'a [u8],
        errno: i32,
    },
    Lookup {
        node: Option<&'a [u8]>,
        service: Option<&'a [u8]>,
        family: i32,
        addrs: &'a [IpAddr],
    },
}

/// The program's name, escaped once for each format (when the library loads).
pub struct Program {
    pub raw: alloc::vec::Vec<u8>,
    pub text: alloc::vec::Vec<u8>,
    pub json: alloc::vec::Vec<u8>,
}

pub struct Event<'a> {
    pub kind: Kind,
    /// CLOCK_REALTIME, nanoseconds.
    pub time: u64,
    pub pid: i32,
    pub tid: i32,
    pub elapsed: u64,
    /// `ok`, an errno name or an EAI_* name.
    pub result: &'a [u8],
    /// Events lost since the last one that got through (0: none).
    pub dropped: u64,
    pub program: &'a Program,
    pub what: What<'a>,
}

/// The version of the line formats (docs/LOGGING.md), so that pipelines can tell them apart.
/// Raised when a field changes meaning or goes away; new fields do not raise it.
pub const SCHEMA: u64 = 1;

/// Addresses stop being listed when less than this much room is left, so that the
/// fields after them (and a JSON line's closing brace) always fit.
const TAIL_ROOM: usize = 160;

pub fn family_name(family: i32) -> &'static [u8] {
    match family {
        libc::AF_INET => b"inet",
        libc::AF_INET6 => b"inet6",
        libc::AF_UNIX => b"unix",
        libc::AF_NETLINK => b"netlink",
        libc::AF_UNSPEC => b"unspec",
        _ => b"other",
    }
}

/// The family of a sockaddr, -1 when none was read.
pub fn family_of(addr: &[u8]) -> i32 {
    match addr {
        [a, b, ..] => i32::from(u16::from_ne_bytes([*a, *b])),
        _ => -1,
    }
}

/// The IP address of an AF_INET or AF_INET6 sockaddr.
pub fn ip_of(addr: &[u8]) -> Option<IpAddr> {
    match family_of(addr) {
        libc::AF_INET => {
            let o: [u8; 4] = addr.get(4..8)?.try_into().ok()?;
            Some(IpAddr::from(o))
        }
        libc::AF_INET6 => {
            let o: [u8; 16] = addr.get(8..24)?.try_into().ok()?;
            Some(IpAddr::from(o))
        }
        _ => None,
    }
}

/// The destination: a.b.c.d:port, [v6%scope]:port, a unix path, @abstract, (unnamed),
/// netlink, family=N, or `?` when the kernel read no address.
pub fn destination(line: &mut Line, addr: &[u8], esc: Esc) {
    let family = family_of(addr);
    let port = |a: &[u8]| u64::from(u16::from_be_bytes([a[2], a[3]]));
    match family {
        libc::AF_INET if addr.len() >= 8 => {
            line.ipv4([addr[4], addr[5], addr[6], addr[7]]);
            line.byte(b':');
            line.dec(port(addr));
        }
        libc::AF_INET6 if addr.len() >= 24 => {
            let mut o = [0u8; 16];
            o.copy_from_slice(&addr[8..24]);
            line.byte(b'[');
            line.ipv6(o);
            if let Some(s) = addr.get(24..28) {
                let scope = u32::from_ne_bytes([s[0], s[1], s[2], s[3]]);
                if scope != 0 {
                    line.byte(b'%');
                    line.dec(u64::from(scope));
                }
            }
            line.push(b"]:");
            line.dec(port(addr));
        }
        libc::AF_UNIX => match addr.get(2..).unwrap_or_default() {
            [] => line.push(b"(unnamed)"),
            [0, name @ ..] => {
                line.byte(b'@');
                line.escaped(name, esc);
            }
            path => line.escaped(path.split(|&b| b == 0).next().unwrap_or_default(), esc),
        },
        libc::AF_NETLINK => line.push(b"netlink"),
        -1 => line.byte(b'?'),
        _ => {
            line.push(b"family=");
            line.int(i64::from(family));
        }
    }
}

pub fn result_of(outcome: Result<(), i32>) -> (&'static [u8], i32) {
    match outcome {
        Ok(()) => (b"ok", 0),
        Err(e) => (names::errno_name(e).map_or(b"error", str::as_bytes), e),
    }
}

/// `HH:MM:SS.uuuuuu` of a CLOCK_REALTIME reading, UTC (32-bit arithmetic on the second of
/// the day: cheaper divisions).
fn clock(line: &mut Line, secs: u64, micros: u64) {
    let day = (secs % 86_400) as u32;
    let micros = micros as u32;
    line.push_padded(
        &[
            PAIR_DIGITS[(day / 3600) as usize][0],
            PAIR_DIGITS[(day / 3600) as usize][1],
            b':',
            PAIR_DIGITS[(day / 60 % 60) as usize][0],
            PAIR_DIGITS[(day / 60 % 60) as usize][1],
            b':',
            PAIR_DIGITS[(day % 60) as usize][0],
            PAIR_DIGITS[(day % 60) as usize][1],
            b'.',
            PAIR_DIGITS[(micros / 10_000 % 100) as usize][0],
            PAIR_DIGITS[(micros / 10_000 % 100) as usize][1],
            PAIR_DIGITS[(micros / 100 % 100) as usize][0],
            PAIR_DIGITS[(micros / 100 % 100) as usize][1],
            PAIR_DIGITS[(micros % 100) as usize][0],
            PAIR_DIGITS[(micros % 100) as usize][1],
        ],
        15,
    );
}

/// The list of distinct addresses (`sep` between them, each quoted for JSON); returns how
/// many did not fit.
fn addresses(line: &mut Line, addrs: &[IpAddr], json: bool) -> usize {
    for (i, ip) in addrs.iter().enumerate() {
        if line.room() < TAIL_ROOM {
            return addrs.len() - i;
        }
        if i > 0 {
            line.byte(b',');
        }
        if json {
            line.byte(b'"');
        }
        match ip {
            IpAddr::V4(v4) => line.ipv4(v4.octets()),
            IpAddr::V6(v6) => line.ipv6(v6.octets()),
        }
        if json {
            line.byte(b'"');
        }
    }
    0
}

/// The text line (without its newline):
/// `HH:MM:SS.uuuuuu PROG[PID/TID] EVENT … DURATIONms [dropped=N] via=preload`.
pub fn text(line: &mut Line, ev: &Event) {
    let secs = ev.time / 1_000_000_000;
    clock(line, secs, (ev.time % 1_000_000_000) / 1000);
    line.byte(b' ');
    line.push(&ev.program.text);
    line.byte(b'[');
    line.int(i64::from(ev.pid));
    line.byte(b'/');
    line.int(i64::from(ev.tid));
    line.push(b"] ");
    line.push(ev.kind.name());
    match ev.what {
        What::Connect { fd, addr, host, .. } => {
            line.push(b" fd=");
            line.int(i64::from(fd));
            line.byte(b' ');
            destination(line, addr, Esc::Text);
            if !host.is_empty() {
                line.push(b" (");
                line.escaped(host, Esc::Text);
                line.byte(b')');
            }
            line.push(b" -> ");
            line.push(ev.result);
        }
        What::Lookup {
            node,
            service,
            family,
            addrs,
        } => {
            for value in [node, service] {
                line.byte(b' ');
                match value {
                    Some(v) => line.escaped(v, Esc::Text),
                    None => line.push(b"(null)"),
                }
            }
            line.push(b" family=");
            line.push(family_name(family));
            line.push(b" -> ");
            line.push(ev.result);
            if !addrs.is_empty() {
                line.byte(b' ');
                let cut = addresses(line, addrs, false);
                if cut > 0 {
                    line.push(b" (+");
                    line.dec(cut as u64);
                    line.push(b" more)");
                }
            }
        }
    }
    let us = ev.elapsed / 1000;
    line.byte(b' ');
    line.dec(us / 1000);
    line.byte(b'.');
    line.pad3(us % 1000);
    line.push(b"ms");
    if ev.dropped > 0 {
        line.push(b" dropped=");
        line.dec(ev.dropped);
    }
    line.push(b" via=preload");
}

/// A JSON string value, or null.
fn json_string(line: &mut Line, value: Option<&[u8]>) {
    match value {
        Some(v) => {
            line.byte(b'"');
            line.escaped(v, Esc::Json);
            line.byte(b'"');
        }
        None => line.push(b"null"),
    }
}

/// The JSON line (without its newline): one object, fields as docs/LOGGING.md lists them.
pub fn json(line: &mut Line, ev: &Event) {
    let secs = ev.time / 1_000_000_000;
    let (y, mo, d) = civil((secs / 86_400) as i64);
    line.push(b"{\"schema\":");
    line.dec(SCHEMA);
    line.push(b",\"ts\":\"");
    line.int(y);
    line.byte(b'-');
    line.pad2(mo);
    line.byte(b'-');
    line.pad2(d);
    line.byte(b'T');
    clock(line, secs, (ev.time % 1_000_000_000) / 1000);
    line.push(b"Z\",\"event\":\"");
    line.push(ev.kind.name());
    line.push(b"\",\"via\":\"preload\",\"pid\":");
    line.int(i64::from(ev.pid));
    line.push(b",\"tid\":");
    line.int(i64::from(ev.tid));
    line.push(b",\"prog\":\"");
    line.push(&ev.program.json);
    line.byte(b'"');
    match ev.what {
        What::Connect {
            fd,
            addr,
            host,
            errno,
        } => {
            line.push(b",\"fd\":");
            line.int(i64::from(fd));
            line.push(b",\"family\":\"");
            line.push(family_name(family_of(addr)));
            line.push(b"\",\"dest\":\"");
            destination(line, addr, Esc::Json);
            line.push(b"\",\"host\":");
            json_string(line, (!host.is_empty()).then_some(host));
            line.push(b",\"result\":\"");
            line.push(ev.result);
            line.push(b"\",\"errno\":");
            line.int(i64::from(errno));
        }
        What::Lookup {
            node,
            service,
            family,
            addrs,
        } => {
            line.push(b",\"node\":");
            json_string(line, node);
            line.push(b",\"service\":");
            json_string(line, service);
            line.push(b",\"family\":\"");
            line.push(family_name(family));
            line.push(b"\",\"result\":\"");
            line.push(ev.result);
            line.push(b"\",\"addrs\":[");
            let cut = addresses(line, addrs, true);
            line.byte(b']');
            if cut > 0 {
                line.push(b",\"addrs_omitted\":");
                line.dec(cut as u64);
            }
        }
    }
    line.push(b",\"duration_us\":");
    line.dec(ev.elapsed / 1000);
    if ev.dropped > 0 {
        line.push(b",\"dropped\":");
        line.dec(ev.dropped);
    }
    line.byte(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    fn program() -> Program {
        Program {
            raw: b"cu rl".to_vec(),
            text: b"cu\\x20rl".to_vec(),
            json: b"cu rl".to_vec(),
        }
    }

    fn sockaddr_in(ip: [u8; 4], port: u16) -> Vec<u8> {
        let mut a = Vec::new();
        a.extend_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        a.extend_from_slice(&port.to_be_bytes());
        a.extend_from_slice(&ip);
        a.extend_from_slice(&[0; 8]);
        a
    }

    fn render(ev: &Event, f: fn(&mut Line, &Event)) -> String {
        let mut line = Line::new();
        f(&mut line, ev);
        String::from_utf8(line.bytes().to_vec()).unwrap()
    }

    #[test]
    fn connect_lines() {
        let p = program();
        let addr = sockaddr_in([127, 0, 0, 1], 18080);
        let mut ev = Event {
            kind: Kind::Connect,
            time: 1_764_579_870_320_173_999, // 2025-12-01T09:04:30.320173Z
            pid: 817,
            tid: 818,
            elapsed: 88_000,
            result: b"EINPROGRESS",
            dropped: 0,
            program: &p,
            what: What::Connect {
                fd: 5,
                addr: &addr,
                host: b"vm",
                errno: 115,
            },
        };
        assert_eq!(
            render(&ev, text),
            "09:04:30.320173 cu\\x20rl[817/818] connect fd=5 127.0.0.1:18080 (vm) -> EINPROGRESS 0.088ms via=preload"
        );
        assert_eq!(
            render(&ev, json),
            "{\"schema\":1,\"ts\":\"2025-12-01T09:04:30.320173Z\",\"event\":\"connect\",\"via\":\"preload\",\"pid\":817,\"tid\":818,\"prog\":\"cu rl\",\"fd\":5,\"family\":\"inet\",\"dest\":\"127.0.0.1:18080\",\"host\":\"vm\",\"result\":\"EINPROGRESS\",\"errno\":115,\"duration_us\":88}"
        );
        ev.dropped = 3;
        ev.what = What::Connect {
            fd: -1,
            addr: &[],
            host: b"",
            errno: 14,
        };
        assert!(render(&ev, text)
            .ends_with("connect fd=-1 ? -> EINPROGRESS 0.088ms dropped=3 via=preload"));
        assert!(render(&ev, json).ends_with("\"dest\":\"?\",\"host\":null,\"result\":\"EINPROGRESS\",\"errno\":14,\"duration_us\":88,\"dropped\":3}"));
    }

    #[test]
    fn lookup_lines_cut_long_address_lists() {
        let p = program();
        let addrs: Vec<IpAddr> = (0..400u32)
            .map(|i| {
                IpAddr::from(std::net::Ipv6Addr::from(
                    (0x2001_0db8u128 << 96) | u128::from(i) << 64 | 1,
                ))
            })
            .collect();
        let ev = Event {
            kind: Kind::Getaddrinfo,
            time: 0,
            pid: 1,
            tid: 1,
            elapsed: 26_000,
            result: b"ok",
            dropped: 0,
            program: &p,
            what: What::Lookup {
                node: Some(b"many.test"),
                service: None,
                family: 0,
                addrs: &addrs,
            },
        };
        let t = render(&ev, text);
        assert!(t.starts_with("00:00:00.000000 cu\\x20rl[1/1] getaddrinfo many.test (null) family=unspec -> ok 2001:db8::1,2001:db8:0:1::1,"), "{t}");
        assert!(t.contains(" more) 0.026ms via=preload"), "{t}");
        let j = render(&ev, json);
        assert!(j.len() < 4096 && j.ends_with("}"), "{j}");
        assert!(j.contains("\"addrs_omitted\":"), "{j}");
    }
}
