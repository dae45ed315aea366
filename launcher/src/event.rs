//! The tracer's log lines, in the preload's formats (docs/LOGGING.md) with `via` = trace,
//! written through one `Sink`: each event is one line and one write(2), so lines from the
//! tracer and from preloaded programs never tear in the same file or pipe.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::fs::OpenOptionsExt;
use std::time::{SystemTime, UNIX_EPOCH};

/// The schema of the line formats; the library's `log::SCHEMA`.
const SCHEMA: u32 = 1;

/// Where lines go. One kind per NETSHIM_LOG value the launcher gives its programs; the
/// library's syslog and journal sinks will have their counterparts here.
pub enum Sink {
    /// stderr or fd:N: an fd the launcher inherited, shared with the program.
    Fd(File),
    /// A file opened O_APPEND, as the library opens it.
    Path(File),
}

impl Sink {
    /// The sink for a NETSHIM_LOG value; None when it names nothing that can be written.
    pub fn open(value: &std::ffi::OsStr) -> Option<Sink> {
        let text = value.to_str();
        let fd = match text {
            Some("stderr") => Some(2),
            Some(t) => t.strip_prefix("fd:").and_then(|n| n.parse::<i32>().ok()),
            None => None,
        };
        if let Some(fd) = fd {
            return crate::sys::dup_fd(fd).map(Sink::Fd);
        }
        OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(value)
            .ok()
            .map(Sink::Path)
    }

    fn write_line(&mut self, line: &str) {
        let file = match self {
            Sink::Fd(f) | Sink::Path(f) => f,
        };
        let _ = file.write_all(line.as_bytes()); // a lost line never stops the program
    }
}

/// Who made the call.
pub struct Who<'a> {
    pub pid: i32,
    pub tid: i32,
    pub prog: &'a [u8],
}

/// A connect or connect-done.
pub struct Connect<'a> {
    pub fd: i32,
    /// The sockaddr bytes the kernel read; empty when it could not read them.
    pub addr: &'a [u8],
    pub host: Option<&'a str>,
    /// 0 or -errno.
    pub result: i64,
    pub duration_us: u64,
}

/// A DNS answer the program received.
pub struct Dns<'a> {
    pub name: &'a str,
    pub qtype: u16,
    pub server: &'a [u8],
    /// ok, or the RCODE's name.
    pub result: &'a str,
    pub addrs: &'a [IpAddr],
}

pub struct Writer {
    sink: Sink,
    json: bool,
    families: Families,
}

/// NETSHIM_LOG_FAMILIES, read as the library reads it: the families whose connects are
/// logged; a list naming anything unknown (or none) means every family, so that a typo never
/// hides connects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Families(u8);

impl Families {
    const INET: u8 = 1;
    const INET6: u8 = 2;
    const UNIX: u8 = 4;
    const NETLINK: u8 = 8;
    const OTHER: u8 = 16;
    pub const ALL: Families = Families(31);

    pub fn parse(list: Option<&[u8]>) -> Families {
        let Some(list) = list else {
            return Families::ALL;
        };
        let mut bits = 0;
        for name in list.split(|&b| b == b',').filter(|n| !n.is_empty()) {
            bits |= match name {
                b"inet" => Self::INET,
                b"inet6" => Self::INET6,
                b"unix" => Self::UNIX,
                b"netlink" => Self::NETLINK,
                b"other" => Self::OTHER,
                _ => return Families::ALL,
            };
        }
        if bits == 0 {
            Families::ALL
        } else {
            Families(bits)
        }
    }

    /// Whether a connect to `addr` (empty: rejected by the kernel, "other") is logged.
    pub fn logs(self, addr: &[u8]) -> bool {
        let bit = match family(addr) {
            libc::AF_INET => Self::INET,
            libc::AF_INET6 => Self::INET6,
            libc::AF_UNIX => Self::UNIX,
            libc::AF_NETLINK => Self::NETLINK,
            _ => Self::OTHER,
        };
        self.0 & bit != 0
    }
}

impl Writer {
    pub fn new(sink: Sink, json: bool, families: Families) -> Self {
        Writer {
            sink,
            json,
            families,
        }
    }

    pub fn connect(&mut self, event: &str, who: &Who, c: &Connect) {
        if !self.families.logs(c.addr) {
            return;
        }
        let mut line = self.header(event, who);
        let (result, errno) = result_name(c.result);
        let family = family(c.addr);
        if self.json {
            let _ = write!(
                line,
                ",\"fd\":{},\"family\":\"{}\",\"dest\":\"",
                c.fd,
                family_name(family)
            );
            destination(c.addr, &mut line, true);
            line += "\",\"host\":";
            match c.host {
                Some(h) => {
                    line += "\"";
                    push_escaped(&mut line, h.as_bytes(), true);
                    line += "\"";
                }
                None => line += "null",
            }
            let _ = write!(
                line,
                ",\"result\":\"{result}\",\"errno\":{errno},\"duration_us\":{}}}",
                c.duration_us
            );
        } else {
            let _ = write!(line, " fd={} ", c.fd);
            destination(c.addr, &mut line, false);
            if let Some(h) = c.host {
                line += " (";
                push_escaped(&mut line, h.as_bytes(), false);
                line += ")";
            }
            let us = c.duration_us;
            let _ = write!(
                line,
                " -> {result} {}.{:03}ms via=trace",
                us / 1000,
                us % 1000
            );
        }
        line += "\n";
        self.sink.write_line(&line);
    }

    pub fn dns(&mut self, who: &Who, d: &Dns) {
        let mut line = self.header("dns", who);
        let qtype = type_name(d.qtype);
        if self.json {
            line += ",\"name\":\"";
            push_escaped(&mut line, d.name.as_bytes(), true);
            let _ = write!(line, "\",\"type\":\"{qtype}\",\"server\":\"");
            destination(d.server, &mut line, true);
            let _ = write!(line, "\",\"result\":\"{}\",\"addrs\":[", d.result);
            for (i, a) in d.addrs.iter().enumerate() {
                let _ = write!(line, "{}\"{}\"", if i == 0 { "" } else { "," }, ip_text(a));
            }
            line += "]}";
        } else {
            line += " ";
            push_escaped(&mut line, d.name.as_bytes(), false);
            let _ = write!(line, " {qtype} @");
            destination(d.server, &mut line, false);
            let _ = write!(line, " -> {}", d.result);
            for (i, a) in d.addrs.iter().enumerate() {
                let _ = write!(line, "{}{}", if i == 0 { " " } else { "," }, ip_text(a));
            }
            line += " via=trace";
        }
        line += "\n";
        self.sink.write_line(&line);
    }

    /// A warning: on the launcher's stderr, whatever the log's destination.
    pub fn warn(&self, text: &str) {
        eprintln!("netshim: warning: {text}");
    }

    fn header(&self, event: &str, who: &Who) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let secs = now.as_secs() as i64;
        let micros = now.subsec_micros();
        let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
        let mut line = String::with_capacity(256);
        if self.json {
            let (y, mo, d) = civil(secs.div_euclid(86_400));
            let _ = write!(line, "{{\"schema\":{SCHEMA},\"ts\":\"{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{micros:06}Z\",\"event\":\"{event}\",\"via\":\"trace\",\"pid\":{},\"tid\":{},\"prog\":\"", who.pid, who.tid);
            push_escaped(&mut line, who.prog, true);
            line += "\"";
        } else {
            let _ = write!(line, "{h:02}:{m:02}:{s:02}.{micros:06} ");
            push_escaped(&mut line, who.prog, false);
            let _ = write!(line, "[{}/{}] {event}", who.pid, who.tid);
        }
        line
    }
}

/// The family of a sockaddr, -1 when there are not even two bytes.
pub fn family(addr: &[u8]) -> i32 {
    addr.get(..2)
        .map_or(-1, |f| i32::from(u16::from_ne_bytes([f[0], f[1]])))
}

/// The IP address and port of an AF_INET or AF_INET6 sockaddr.
pub fn ip_port(addr: &[u8]) -> Option<(IpAddr, u16)> {
    let port = u16::from_be_bytes([*addr.get(2)?, *addr.get(3)?]);
    match family(addr) {
        libc::AF_INET => {
            let b: [u8; 4] = addr.get(4..8)?.try_into().ok()?;
            Some((IpAddr::V4(Ipv4Addr::from(b)), port))
        }
        libc::AF_INET6 => {
            let b: [u8; 16] = addr.get(8..24)?.try_into().ok()?;
            Some((IpAddr::V6(Ipv6Addr::from(b)), port))
        }
        _ => None,
    }
}

fn family_name(family: i32) -> &'static str {
    match family {
        libc::AF_INET => "inet",
        libc::AF_INET6 => "inet6",
        libc::AF_UNIX => "unix",
        libc::AF_NETLINK => "netlink",
        libc::AF_UNSPEC => "unspec",
        _ => "other",
    }
}

/// inet_ntop's text: IPv4-mapped IPv6 addresses as ::ffff:a.b.c.d, as glibc writes them.
fn ip_text(ip: &IpAddr) -> String {
    ip.to_string()
}

/// The destination as the library writes it (src/log/event.rs `destination`).
fn destination(addr: &[u8], out: &mut String, json: bool) {
    let f = family(addr);
    if f < 0 {
        *out += "?";
        return;
    }
    match (f, ip_port(addr)) {
        (libc::AF_INET, Some((ip, port))) => {
            let _ = write!(out, "{ip}:{port}");
        }
        (libc::AF_INET6, Some((ip, port))) => {
            let scope = addr
                .get(24..28)
                .map_or(0, |s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]));
            let _ = write!(out, "[{ip}");
            if scope != 0 {
                let _ = write!(out, "%{scope}");
            }
            let _ = write!(out, "]:{port}");
        }
        (libc::AF_UNIX, _) => {
            let path = &addr[2..];
            match path.first() {
                None => *out += "(unnamed)",
                Some(0) => {
                    *out += "@";
                    push_escaped(out, &path[1..], json);
                }
                Some(_) => push_escaped(
                    out,
                    path.split(|&b| b == 0).next().unwrap_or_default(),
                    json,
                ),
            }
        }
        (libc::AF_NETLINK, _) => *out += "netlink",
        _ => {
            let _ = write!(out, "family={f}");
        }
    }
}

/// JSON: quotes, backslashes and bytes outside printable ASCII escaped (\u00XX); text:
/// printable ASCII but space as is, anything else as \xHH — the library's `push_json` and
/// `push_text`.
fn push_escaped(out: &mut String, bytes: &[u8], json: bool) {
    for &b in bytes {
        match (json, b) {
            (true, b'"') => *out += "\\\"",
            (true, b'\\') => *out += "\\\\",
            (true, 0x20..=0x7e) | (false, 0x21..=0x7e) => out.push(char::from(b)),
            (true, _) => {
                let _ = write!(out, "\\u{b:04x}");
            }
            (false, _) => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
}

fn result_name(result: i64) -> (String, i64) {
    if result >= 0 {
        return ("ok".into(), 0);
    }
    let errno = -result;
    let name = errno_name(errno as i32).map_or_else(|| "error".to_string(), str::to_string);
    (name, errno)
}

fn type_name(qtype: u16) -> String {
    match qtype {
        1 => "A".into(),
        28 => "AAAA".into(),
        5 => "CNAME".into(),
        12 => "PTR".into(),
        33 => "SRV".into(),
        16 => "TXT".into(),
        15 => "MX".into(),
        other => format!("TYPE{other}"),
    }
}

/// The library's errno names (src/log/names.rs), so both paths write the same words.
#[path = "../../src/log/names.rs"]
mod names;
pub use names::errno_name;

/// The library's date arithmetic (src/log/date.rs): `civil` gives the same UTC dates.
#[allow(dead_code)]
#[path = "../../src/log/date.rs"]
mod date;
use date::civil;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_as_the_library_reads_them() {
        let v4 = [2u8, 0, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        let v6 = [
            10u8, 0, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        ];
        let unix = [1u8, 0, b'/', b'x'];
        let only6 = Families::parse(Some(b"inet6"));
        assert!(only6.logs(&v6) && !only6.logs(&v4) && !only6.logs(&unix));
        assert_eq!(Families::parse(Some(b",inet6,")), only6);
        let other = Families::parse(Some(b"inet,other"));
        assert!(other.logs(&v4) && other.logs(&[]) && !other.logs(&unix));
        for all in [
            None,
            Some(&b""[..]),
            Some(b"inet,bogus"),
            Some(b"INET"),
            Some(b","),
        ] {
            assert_eq!(Families::parse(all), Families::ALL, "{all:?}");
        }
    }
}
