//! The tracer's log lines, in the preload's formats (docs/LOGGING.md) with `via` = trace,
//! written through one `Sink`: each event is one line and one write(2), so lines from the
//! tracer and from preloaded programs never tear in the same file or pipe; for syslog and
//! the journal, one non-blocking datagram in the library's wire formats. An event the sink
//! cannot take is counted, and the count rides on the next one (`dropped=N`), as the
//! library does.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Read as _;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::net::UnixDatagram;
use std::time::{SystemTime, UNIX_EPOCH};

/// The schema of the line formats; the library's `log::SCHEMA`.
const SCHEMA: u32 = 1;

/// The library's sockets (src/log/sink.rs).
const DEV_LOG: &str = "/dev/log";
const JOURNAL_SOCKET: &str = "/run/systemd/journal/socket";

/// Where lines go. One kind per NETSHIM_LOG value the launcher gives its programs.
pub enum Sink {
    /// stderr or fd:N: an fd the launcher inherited, shared with the program.
    Fd(File),
    /// A file opened O_APPEND, as the library opens it.
    Path(File),
    /// NETSHIM_LOG=syslog: glibc syslog(3)'s format to /dev/log, local time from `zone`.
    Syslog {
        socket: UnixDatagram,
        facility: u32,
        zone: tz::Zone,
    },
    /// NETSHIM_LOG=journal: journald's native protocol.
    Journal { socket: UnixDatagram, facility: u32 },
}

/// NETSHIM_SYSLOG_FACILITY, as the library reads it (user when unset or unknown).
fn facility() -> u32 {
    std::env::var_os("NETSHIM_SYSLOG_FACILITY")
        .and_then(|f| syslog::facility(f.as_encoded_bytes()))
        .unwrap_or(syslog::DEFAULT_FACILITY)
}

/// The zone syslog's timestamps use: TZ or /etc/localtime, read by the library's reader.
fn local_zone() -> tz::Zone {
    let tz = std::env::var_os("TZ");
    tz::load(tz.as_ref().map(|t| t.as_encoded_bytes()), |path| {
        let path = std::path::Path::new(std::ffi::OsStr::from_bytes(path));
        let mut data = Vec::new();
        File::open(path)
            .ok()?
            .take(tz::MAX_FILE as u64)
            .read_to_end(&mut data)
            .ok()?;
        Some(data)
    })
}

/// An unbound datagram socket that never waits: a full or absent reader loses the event.
fn datagram_socket() -> Option<UnixDatagram> {
    let socket = UnixDatagram::unbound().ok()?;
    socket.set_nonblocking(true).ok()?;
    Some(socket)
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
        match text {
            Some("syslog") => {
                return Some(Sink::Syslog {
                    socket: datagram_socket()?,
                    facility: facility(),
                    zone: local_zone(),
                })
            }
            Some("journal") => {
                return Some(Sink::Journal {
                    socket: datagram_socket()?,
                    facility: facility(),
                })
            }
            _ => {}
        }
        OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(value)
            .ok()
            .map(Sink::Path)
    }

    /// Sends one event; false when it was lost (which never stops the program).
    fn send(&mut self, ev: &Event, json: bool) -> bool {
        match self {
            Sink::Fd(f) | Sink::Path(f) => {
                let mut line = ev.line(json);
                line += "\n";
                f.write_all(line.as_bytes()).is_ok()
            }
            Sink::Syslog {
                socket,
                facility,
                zone,
            } => {
                let mut head = line::Line::new();
                syslog::header(&mut head, *facility, zone, ev.realtime_ns, ev.who.pid);
                let mut datagram = head.bytes().to_vec();
                datagram.extend_from_slice(ev.line(json).as_bytes());
                socket.send_to(&datagram, DEV_LOG).is_ok()
            }
            Sink::Journal { socket, facility } => {
                let datagram = ev.journal(*facility);
                socket.send_to(&datagram, JOURNAL_SOCKET).is_ok()
            }
        }
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
    /// Events lost since the last one that got through.
    dropped: u64,
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
            dropped: 0,
        }
    }

    pub fn connect(&mut self, event: &str, who: &Who, c: &Connect) {
        if self.families.logs(c.addr) {
            self.emit(event, who, What::Connect(c));
        }
    }

    pub fn dns(&mut self, who: &Who, d: &Dns) {
        self.emit("dns", who, What::Dns(d));
    }

    /// A warning: on the launcher's stderr, whatever the log's destination.
    pub fn warn(&self, text: &str) {
        eprintln!("netshim: warning: {text}");
    }

    /// Sends one event carrying the count of those lost before it; if it is lost too, it
    /// and its count are counted again, so what arrives plus the counts is every event.
    fn emit(&mut self, name: &str, who: &Who, what: What) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let ev = Event {
            name,
            who,
            realtime_ns: now.as_nanos() as u64,
            dropped: std::mem::take(&mut self.dropped),
            what,
        };
        if !self.sink.send(&ev, self.json) {
            self.dropped = ev.dropped + 1;
        }
    }
}

enum What<'a> {
    Connect(&'a Connect<'a>),
    Dns(&'a Dns<'a>),
}

/// One event, rendered for whichever sink takes it.
struct Event<'a> {
    name: &'a str,
    who: &'a Who<'a>,
    realtime_ns: u64,
    dropped: u64,
    what: What<'a>,
}

impl Event<'_> {
    /// The text or JSON line, without its newline.
    fn line(&self, json: bool) -> String {
        let mut line = self.header(json);
        if json {
            self.json_body(&mut line);
            if self.dropped > 0 {
                let _ = write!(line, ",\"dropped\":{}", self.dropped);
            }
            line += "}";
        } else {
            self.text_body(&mut line);
            if self.dropped > 0 {
                let _ = write!(line, " dropped={}", self.dropped);
            }
            line += " via=trace";
        }
        line
    }

    fn json_body(&self, line: &mut String) {
        match self.what {
            What::Connect(c) => {
                let (result, errno) = result_name(c.result);
                let _ = write!(
                    line,
                    ",\"fd\":{},\"family\":\"{}\",\"dest\":\"",
                    c.fd,
                    family_name(family(c.addr))
                );
                destination(c.addr, line, true);
                *line += "\",\"host\":";
                match c.host {
                    Some(h) => {
                        *line += "\"";
                        push_escaped(line, h.as_bytes(), true);
                        *line += "\"";
                    }
                    None => *line += "null",
                }
                let _ = write!(
                    line,
                    ",\"result\":\"{result}\",\"errno\":{errno},\"duration_us\":{}",
                    c.duration_us
                );
            }
            What::Dns(d) => {
                *line += ",\"name\":\"";
                push_escaped(line, d.name.as_bytes(), true);
                let _ = write!(line, "\",\"type\":\"{}\",\"server\":\"", type_name(d.qtype));
                destination(d.server, line, true);
                let _ = write!(line, "\",\"result\":\"{}\",\"addrs\":[", d.result);
                for (i, a) in d.addrs.iter().enumerate() {
                    let _ = write!(line, "{}\"{}\"", if i == 0 { "" } else { "," }, ip_text(a));
                }
                *line += "]";
            }
        }
    }

    fn text_body(&self, line: &mut String) {
        match self.what {
            What::Connect(c) => {
                let _ = write!(line, " fd={} ", c.fd);
                destination(c.addr, line, false);
                if let Some(h) = c.host {
                    *line += " (";
                    push_escaped(line, h.as_bytes(), false);
                    *line += ")";
                }
                let us = c.duration_us;
                let (result, _) = result_name(c.result);
                let _ = write!(line, " -> {result} {}.{:03}ms", us / 1000, us % 1000);
            }
            What::Dns(d) => {
                *line += " ";
                push_escaped(line, d.name.as_bytes(), false);
                let _ = write!(line, " {} @", type_name(d.qtype));
                destination(d.server, line, false);
                let _ = write!(line, " -> {}", d.result);
                for (i, a) in d.addrs.iter().enumerate() {
                    let _ = write!(line, "{}{}", if i == 0 { " " } else { "," }, ip_text(a));
                }
            }
        }
    }

    fn header(&self, json: bool) -> String {
        let secs = (self.realtime_ns / 1_000_000_000) as i64;
        let micros = (self.realtime_ns % 1_000_000_000) / 1000;
        let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
        let (event, who) = (self.name, self.who);
        let mut line = String::with_capacity(256);
        if json {
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

    /// The journal datagram, fields in the library's order (src/log/journal.rs); a dns
    /// event has NETSHIM_NAME, NETSHIM_TYPE, NETSHIM_SERVER and NETSHIM_ADDR of its own.
    fn journal(&self, facility: u32) -> Vec<u8> {
        let who = self.who;
        let mut d = Vec::with_capacity(1024);
        journal_field(&mut d, "MESSAGE", self.line(false).as_bytes());
        journal_field(&mut d, "PRIORITY", b"6");
        journal_field(&mut d, "SYSLOG_FACILITY", facility.to_string().as_bytes());
        journal_field(&mut d, "SYSLOG_IDENTIFIER", b"netshim");
        journal_field(&mut d, "SYSLOG_PID", who.pid.to_string().as_bytes());
        journal_field(&mut d, "NETSHIM_SCHEMA", SCHEMA.to_string().as_bytes());
        journal_field(&mut d, "NETSHIM_EVENT", self.name.as_bytes());
        journal_field(&mut d, "NETSHIM_VIA", b"trace");
        journal_field(&mut d, "NETSHIM_PID", who.pid.to_string().as_bytes());
        journal_field(&mut d, "NETSHIM_TID", who.tid.to_string().as_bytes());
        journal_field(&mut d, "NETSHIM_PROG", who.prog);
        match self.what {
            What::Connect(c) => {
                let (result, errno) = result_name(c.result);
                journal_field(&mut d, "NETSHIM_RESULT", result.as_bytes());
                journal_field(&mut d, "NETSHIM_FD", c.fd.to_string().as_bytes());
                journal_field(
                    &mut d,
                    "NETSHIM_FAMILY",
                    family_name(family(c.addr)).as_bytes(),
                );
                journal_field(&mut d, "NETSHIM_DEST", &raw_destination(c.addr));
                if let Some(h) = c.host {
                    journal_field(&mut d, "NETSHIM_HOST", h.as_bytes());
                }
                journal_field(&mut d, "NETSHIM_ERRNO", errno.to_string().as_bytes());
                journal_field(
                    &mut d,
                    "NETSHIM_DURATION_US",
                    c.duration_us.to_string().as_bytes(),
                );
            }
            What::Dns(q) => {
                journal_field(&mut d, "NETSHIM_RESULT", q.result.as_bytes());
                journal_field(&mut d, "NETSHIM_NAME", q.name.as_bytes());
                journal_field(&mut d, "NETSHIM_TYPE", type_name(q.qtype).as_bytes());
                journal_field(&mut d, "NETSHIM_SERVER", &raw_destination(q.server));
                for a in q.addrs {
                    journal_field(&mut d, "NETSHIM_ADDR", ip_text(a).as_bytes());
                }
            }
        }
        if self.dropped > 0 {
            journal_field(
                &mut d,
                "NETSHIM_DROPPED",
                self.dropped.to_string().as_bytes(),
            );
        }
        d
    }
}

/// One journal field: `KEY=VALUE\n`, or for a value holding a newline `KEY\n`, its length
/// (64-bit little-endian), the value, `\n` — journald's native protocol.
fn journal_field(d: &mut Vec<u8>, key: &str, value: &[u8]) {
    d.extend_from_slice(key.as_bytes());
    if value.contains(&b'\n') {
        d.push(b'\n');
        d.extend_from_slice(&(value.len() as u64).to_le_bytes());
    } else {
        d.push(b'=');
    }
    d.extend_from_slice(value);
    d.push(b'\n');
}

/// The destination with nothing escaped (the journal is binary-safe): a unix path's bytes
/// as they are, anything else as the lines write it.
fn raw_destination(addr: &[u8]) -> Vec<u8> {
    if family(addr) == libc::AF_UNIX {
        let path = &addr[2..];
        return match path.first() {
            None => b"(unnamed)".to_vec(),
            Some(0) => [b"@", &path[1..]].concat(),
            Some(_) => path.split(|&b| b == 0).next().unwrap_or_default().to_vec(),
        };
    }
    let mut text = String::new();
    destination(addr, &mut text, false);
    text.into_bytes()
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

/// The library's time zone reader and syslog header, so both paths stamp the same bytes.
#[allow(dead_code)]
#[path = "../../src/log/tz.rs"]
mod tz;

#[path = "../../src/log/syslog.rs"]
mod syslog;

/// The library's line buffer, which syslog::header writes into.
#[allow(dead_code)]
#[path = "../../src/log/line.rs"]
mod line;

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

    fn event<'a>(who: &'a Who<'a>, c: &'a Connect<'a>, dropped: u64) -> Event<'a> {
        Event {
            name: "connect",
            who,
            realtime_ns: 1_764_579_870_320_173_999, // 2025-12-01T09:04:30.320173Z
            dropped,
            what: What::Connect(c),
        }
    }

    #[test]
    fn journal_datagram_in_the_library_order() {
        let who = Who {
            pid: 9,
            tid: 10,
            prog: b"py\nthon",
        };
        let mut addr = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        addr.extend_from_slice(b"/tmp/a\nb\0");
        let c = Connect {
            fd: 3,
            addr: &addr,
            host: None,
            result: -2,
            duration_us: 5,
        };
        let d = event(&who, &c, 2).journal(1);
        let text = String::from_utf8_lossy(&d);
        assert!(text.starts_with("MESSAGE=09:04:30.320173 py\\x0athon[9/10] connect fd=3 /tmp/a\\x0ab -> ENOENT 0.005ms dropped=2 via=trace\nPRIORITY=6\nSYSLOG_FACILITY=1\nSYSLOG_IDENTIFIER=netshim\nSYSLOG_PID=9\nNETSHIM_SCHEMA=1\nNETSHIM_EVENT=connect\nNETSHIM_VIA=trace\nNETSHIM_PID=9\nNETSHIM_TID=10\n"), "{text}");
        let prog = b"NETSHIM_PROG\n\x07\0\0\0\0\0\0\0py\nthon\nNETSHIM_RESULT=ENOENT\nNETSHIM_FD=3\nNETSHIM_FAMILY=unix\n";
        assert!(d.windows(prog.len()).any(|w| w == prog), "{text}");
        let dest = b"NETSHIM_DEST\n\x08\0\0\0\0\0\0\0/tmp/a\nb\n";
        assert!(d.windows(dest.len()).any(|w| w == dest), "{text}");
        assert!(!text.contains("NETSHIM_HOST"));
        assert!(text.ends_with("NETSHIM_ERRNO=2\nNETSHIM_DURATION_US=5\nNETSHIM_DROPPED=2\n"));
    }

    #[test]
    fn dropped_counts_in_both_formats() {
        let who = Who {
            pid: 1,
            tid: 1,
            prog: b"go",
        };
        let addr = [2u8, 0, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        let c = Connect {
            fd: 4,
            addr: &addr,
            host: Some("a.test"),
            result: 0,
            duration_us: 88,
        };
        assert_eq!(
            event(&who, &c, 3).line(false),
            "09:04:30.320173 go[1/1] connect fd=4 127.0.0.1:80 (a.test) -> ok 0.088ms dropped=3 via=trace"
        );
        assert!(event(&who, &c, 3)
            .line(true)
            .ends_with(",\"duration_us\":88,\"dropped\":3}"));
        assert!(!event(&who, &c, 0).line(true).contains("dropped"));
    }
}
