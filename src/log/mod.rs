//! The connect logger: NETSHIM_LOG names a destination (stderr, fd:N, or a file opened
//! O_APPEND), NETSHIM_LOG_FORMAT picks `text` or `json`. Read once, in the library's
//! constructor. Each event is one line, formatted on the stack and sent with one write(2):
//! the connect path allocates nothing, takes no lock and calls no stdio, so it stays
//! async-signal-safe as connect itself is. Schema: docs/LOGGING.md.
#![forbid(unsafe_code)]

pub mod correlate;
mod line;
mod names;
pub mod pending;
mod sink;

use crate::sys;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt::Write;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
use line::Line;
use once_cell::race::OnceBox;

static JSON: AtomicBool = AtomicBool::new(false);
static PROGRAM: OnceBox<Vec<u8>> = OnceBox::new();

/// Called once by the library's constructor, before main and before other threads.
pub fn init() {
    let Some(dest) = sys::env::var(b"NETSHIM_LOG") else {
        return;
    };
    JSON.store(
        sys::env::var(b"NETSHIM_LOG_FORMAT") == Some(b"json"),
        Relaxed,
    );
    let _ = PROGRAM.set(Box::new(program_name()));
    sink::configure(dest);
}

/// The whole cost of the logger when it is off: this one load and branch.
#[inline(always)]
pub fn enabled() -> bool {
    sink::enabled()
}

/// /proc/self/comm, as ps shows it.
fn program_name() -> Vec<u8> {
    let mut name = sys::fs::read_file(b"/proc/self/comm\0", 64).unwrap_or_default();
    while name.last() == Some(&b'\n') {
        name.pop();
    }
    name
}

/// A moment for durations (CLOCK_MONOTONIC, nanoseconds).
pub fn now() -> u64 {
    sys::time::monotonic()
}

/// What a connect answered: Ok, or the errno value.
pub type Outcome = Result<(), i32>;

/// The version of the line formats (docs/LOGGING.md), so that pipelines can tell them apart.
/// Raised when a field changes meaning or goes away; new fields do not raise it.
pub const SCHEMA: u32 = 1;

/// The end of a text line: which path saw the event (the tracer writes `via=trace`).
fn text_trailer(line: &mut Line) {
    line.push(b" via=preload");
}

fn header(line: &mut Line, event: &str) {
    let ns = sys::time::realtime();
    let secs = (ns / 1_000_000_000) as i64;
    let micros = (ns % 1_000_000_000) / 1000;
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    let program: &[u8] = PROGRAM.get().map_or(&[], |p| p.as_slice());
    let (pid, tid) = (sys::process::getpid(), sys::process::gettid());
    if JSON.load(Relaxed) {
        let (y, mo, d) = line::civil(secs.div_euclid(86_400));
        let _ = write!(line, "{{\"schema\":{SCHEMA},\"ts\":\"{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{micros:06}Z\",\"event\":\"{event}\",\"via\":\"preload\",\"pid\":{pid},\"tid\":{tid},\"prog\":\"");
        line.push_json(program);
        line.push(b"\"");
    } else {
        let _ = write!(line, "{h:02}:{m:02}:{s:02}.{micros:06} ");
        line.push_text(program);
        let _ = write!(line, "[{pid}/{tid}] {event}");
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

/// The destination: IPv4:port, [IPv6%scope]:port, a unix path, @abstract, netlink, or
/// family=N; the family; and the address for correlation.
fn destination(addr: &[u8], out: &mut Line, json: bool) -> (i32, Option<IpAddr>) {
    let Some(family) = addr
        .get(..2)
        .map(|f| i32::from(u16::from_ne_bytes([f[0], f[1]])))
    else {
        out.push(b"?");
        return (-1, None);
    };
    let port = |a: &[u8]| u16::from_be_bytes([a[2], a[3]]);
    match family {
        libc::AF_INET if addr.len() >= 8 => {
            let ip = Ipv4Addr::new(addr[4], addr[5], addr[6], addr[7]);
            let _ = crate::resolve::numeric::fmt_ipv4(ip, out);
            let _ = write!(out, ":{}", port(addr));
            (family, Some(IpAddr::V4(ip)))
        }
        libc::AF_INET6 if addr.len() >= 24 => {
            let mut o = [0u8; 16];
            o.copy_from_slice(&addr[8..24]);
            let ip = Ipv6Addr::from(o);
            out.push(b"[");
            let _ = crate::resolve::numeric::fmt_ipv6(ip, out);
            if let Some(scope) = addr
                .get(24..28)
                .map(|s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
            {
                if scope != 0 {
                    let _ = write!(out, "%{scope}");
                }
            }
            let _ = write!(out, "]:{}", port(addr));
            (family, Some(IpAddr::V6(ip)))
        }
        libc::AF_UNIX => {
            let path = &addr[2..];
            match path.first() {
                None => out.push(b"(unnamed)"),
                Some(0) => {
                    out.push(b"@");
                    push_bytes(out, &path[1..], json);
                }
                Some(_) => push_bytes(
                    out,
                    path.split(|&b| b == 0).next().unwrap_or_default(),
                    json,
                ),
            }
            (family, None)
        }
        libc::AF_NETLINK => {
            out.push(b"netlink");
            (family, None)
        }
        _ => {
            let _ = write!(out, "family={family}");
            (family, None)
        }
    }
}

fn push_bytes(out: &mut Line, bytes: &[u8], json: bool) {
    if json {
        out.push_json(bytes)
    } else {
        out.push_text(bytes)
    }
}

fn result_name(outcome: Outcome) -> (&'static str, i32) {
    match outcome {
        Ok(()) => ("ok", 0),
        Err(e) => (names::errno_name(e).unwrap_or("error"), e),
    }
}

fn push_duration(line: &mut Line, ns: u64, json: bool) {
    let us = ns / 1000;
    if json {
        let _ = write!(line, ",\"duration_us\":{us}");
    } else {
        let _ = write!(line, " {}.{:03}ms", us / 1000, us % 1000);
    }
}

/// A `connect` (or `connect-done`) line. `addr` is the sockaddr the kernel read, empty
/// when it could not be read.
fn connect_line(event: &str, fd: i32, addr: &[u8], outcome: Outcome, elapsed: u64) {
    let json = JSON.load(Relaxed);
    // One 4 KiB buffer on the stack, no more: this may run on a signal handler's stack.
    let mut line = Line::new();
    header(&mut line, event);
    let family = addr
        .get(..2)
        .map_or(-1, |f| i32::from(u16::from_ne_bytes([f[0], f[1]])));
    if json {
        let _ = write!(
            line,
            ",\"fd\":{fd},\"family\":\"{}\",\"dest\":\"",
            family_name(family)
        );
    } else {
        let _ = write!(line, " fd={fd} ");
    }
    let (_, ip) = destination(addr, &mut line, json);
    let mut host = [0u8; correlate::NAME_MAX];
    let host_len = ip.map_or(0, |ip| correlate::lookup(&ip, &mut host));
    let host = &host[..host_len];
    let (result, errno) = result_name(outcome);
    if json {
        line.push(b"\",\"host\":");
        if host.is_empty() {
            line.push(b"null");
        } else {
            line.push(b"\"");
            line.push_json(host);
            line.push(b"\"");
        }
        let _ = write!(line, ",\"result\":\"{result}\",\"errno\":{errno}");
        push_duration(&mut line, elapsed, true);
        line.push(b"}");
    } else {
        if !host.is_empty() {
            line.push(b" (");
            line.push_text(host);
            line.push(b")");
        }
        let _ = write!(line, " -> {result}");
        push_duration(&mut line, elapsed, false);
        text_trailer(&mut line);
    }
    sink::write(line.finish());
}

/// After connect(2): one line; a non-blocking connect in progress is remembered so that
/// its outcome can be logged when the program asks for it (SO_ERROR).
pub fn connect(fd: i32, addr: &[u8], outcome: Outcome, start: u64) {
    let end = now();
    connect_line("connect", fd, addr, outcome, end.saturating_sub(start));
    if outcome == Err(libc::EINPROGRESS) {
        pending::record(fd, start, addr);
    }
}

/// getsockopt(fd, SOL_SOCKET, SO_ERROR) answered `so_error`: the outcome of a pending
/// non-blocking connect, if one was recorded for `fd`. (0 with the connect still in
/// progress cannot be told from success; event loops ask once the socket is writable.)
pub fn connect_done(fd: i32, so_error: i32) {
    let mut addr = [0u8; pending::ADDR_MAX];
    let Some((start, len)) = pending::take(fd, &mut addr) else {
        return;
    };
    let outcome = if so_error == 0 { Ok(()) } else { Err(so_error) };
    connect_line(
        "connect-done",
        fd,
        &addr[..len],
        outcome,
        now().saturating_sub(start),
    );
}

/// A getaddrinfo line: what was asked, what came back, how long it took. Also fills the
/// correlation table, so that later connects to these addresses name the host.
pub fn getaddrinfo_event(
    node: Option<&[u8]>,
    service: Option<&[u8]>,
    family: i32,
    result: &str,
    addrs: &[IpAddr],
    elapsed: u64,
    numeric: bool,
) {
    if let (Some(name), false) = (node, numeric) {
        for ip in addrs {
            correlate::remember(*ip, name);
        }
    }
    let json = JSON.load(Relaxed);
    let mut line = Line::new();
    header(&mut line, "getaddrinfo");
    let field = |line: &mut Line, key: &str, value: Option<&[u8]>| {
        if json {
            let _ = write!(line, ",\"{key}\":");
            match value {
                Some(v) => {
                    line.push(b"\"");
                    line.push_json(v);
                    line.push(b"\"");
                }
                None => line.push(b"null"),
            }
        } else {
            line.push(b" ");
            match value {
                Some(v) => line.push_text(v),
                None => line.push(b"(null)"),
            }
        }
    };
    field(&mut line, "node", node);
    field(&mut line, "service", service);
    if json {
        let _ = write!(
            line,
            ",\"family\":\"{}\",\"result\":\"{result}\",\"addrs\":[",
            family_name(family)
        );
    } else {
        let _ = write!(line, " family={} -> {result}", family_name(family));
    }
    for (i, ip) in addrs.iter().enumerate() {
        let sep: &[u8] = match (json, i) {
            (true, 0) => b"\"",
            (true, _) => b",\"",
            (false, 0) => b" ",
            (false, _) => b",",
        };
        line.push(sep);
        let _ = match ip {
            IpAddr::V4(v4) => crate::resolve::numeric::fmt_ipv4(*v4, &mut line),
            IpAddr::V6(v6) => crate::resolve::numeric::fmt_ipv6(*v6, &mut line),
        };
        if json {
            line.push(b"\"");
        }
    }
    if json {
        line.push(b"]");
    }
    push_duration(&mut line, elapsed, json);
    if json {
        line.push(b"}");
    } else {
        text_trailer(&mut line);
    }
    sink::write(line.finish());
}
