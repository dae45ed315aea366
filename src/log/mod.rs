//! The connect logger: NETSHIM_LOG names a destination (stderr, fd:N, a file opened
//! O_APPEND, syslog's /dev/log or journald's native socket), NETSHIM_LOG_FORMAT picks
//! `text` or `json`, NETSHIM_LOG_FAMILIES limits which connects are logged. Read once, in
//! the library's constructor. Each event is formatted on the stack and sent with one
//! write(2) or sendto(2): the connect path allocates nothing, takes no lock and calls no
//! stdio, so it stays async-signal-safe as connect itself is. Schema: docs/LOGGING.md.
#![forbid(unsafe_code)]

pub mod attach;
pub mod correlate;
mod date;
mod event;
pub mod image;
mod journal;
mod line;
mod names;
pub mod pending;
mod sink;
pub mod subtree;
mod syslog;
mod tz;

use crate::sys;
use alloc::boxed::Box;
use core::net::IpAddr;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering::Relaxed};
use event::{Event, Kind, Program, What};
use line::{Esc, Line};
use once_cell::race::OnceBox;

static JSON: AtomicBool = AtomicBool::new(false);
static PROGRAM: OnceBox<Program> = OnceBox::new();
/// Which connect families are logged (NETSHIM_LOG_FAMILIES), one bit per `family_bit`.
static FAMILIES: AtomicU8 = AtomicU8::new(ALL_FAMILIES);
static FACILITY: AtomicU32 = AtomicU32::new(syslog::DEFAULT_FACILITY);
/// Local time for syslog headers (loaded only for NETSHIM_LOG=syslog).
static ZONE: OnceBox<tz::Zone> = OnceBox::new();

const ALL_FAMILIES: u8 = 0b1_1111;
const FAMILY_NAMES: [&[u8]; 5] = [b"inet", b"inet6", b"unix", b"netlink", b"other"];

fn family_bit(family: i32) -> u8 {
    match family {
        libc::AF_INET => 1,
        libc::AF_INET6 => 2,
        libc::AF_UNIX => 4,
        libc::AF_NETLINK => 8,
        _ => 16,
    }
}

/// NETSHIM_LOG_FAMILIES: a comma-separated list of inet, inet6, unix, netlink, other. A
/// value naming anything else is not used (every family is logged, as when unset), so a
/// typo never hides connects silently in one family and shows them in another.
fn parse_families(value: &[u8]) -> u8 {
    let mut mask = 0;
    for name in value.split(|&b| b == b',').filter(|n| !n.is_empty()) {
        match FAMILY_NAMES.iter().position(|&known| known == name) {
            Some(i) => mask |= 1 << i,
            None => return ALL_FAMILIES,
        }
    }
    if mask == 0 {
        ALL_FAMILIES
    } else {
        mask
    }
}

/// Called once by the library's constructor, before main and before other threads.
pub fn init() {
    let Some(dest) = sys::env::var(b"NETSHIM_LOG") else {
        return;
    };
    JSON.store(
        sys::env::var(b"NETSHIM_LOG_FORMAT") == Some(b"json"),
        Relaxed,
    );
    if let Some(f) = sys::env::var(b"NETSHIM_LOG_FAMILIES") {
        FAMILIES.store(parse_families(f), Relaxed);
    }
    if let Some(f) = sys::env::var(b"NETSHIM_SYSLOG_FACILITY").and_then(syslog::facility) {
        FACILITY.store(f, Relaxed);
    }
    let _ = PROGRAM.set(Box::new(program()));
    // The pid cache is filled here, in the real process, never first in a vfork child.
    let _ = sys::process::getpid();
    sink::configure(dest);
    if sink::kind() == sink::SYSLOG {
        let zone = tz::load(sys::env::var(b"TZ"), |path| {
            let mut p = path.to_vec();
            p.push(0);
            sys::fs::read_file(&p, tz::MAX_FILE).ok()
        });
        let _ = ZONE.set(Box::new(zone));
    }
}

/// The whole cost of the logger when it is off: this one load and branch.
#[inline(always)]
pub fn enabled() -> bool {
    sink::enabled()
}

/// /proc/self/comm, as ps shows it, escaped once for each format.
fn program() -> Program {
    let mut raw = sys::fs::read_file(b"/proc/self/comm\0", 64).unwrap_or_default();
    while raw.last() == Some(&b'\n') {
        raw.pop();
    }
    let escape = |esc| {
        let mut line = Line::new();
        line.escaped(&raw, esc);
        line.bytes().to_vec()
    };
    Program {
        text: escape(Esc::Text),
        json: escape(Esc::Json),
        raw,
    }
}

/// A moment for durations (CLOCK_MONOTONIC, nanoseconds).
pub fn now() -> u64 {
    sys::time::monotonic()
}

/// What a connect answered: Ok, or the errno value.
pub type Outcome = Result<(), i32>;

/// Formats one event for the configured sink and sends it.
fn emit(kind: Kind, elapsed: u64, result: &[u8], what: What) {
    let Some(program) = PROGRAM.get() else { return };
    let dropped = sink::take_dropped();
    let ev = Event {
        kind,
        time: sys::time::realtime(),
        pid: sys::process::getpid(),
        tid: sys::thread::tid(),
        elapsed,
        result,
        dropped,
        program,
        what,
    };
    // One 4 KiB buffer on the stack, no more: this may run on a signal handler's stack.
    let mut line = Line::new();
    let sink = sink::kind();
    let json = JSON.load(Relaxed);
    match sink {
        sink::SYSLOG => {
            let utc = tz::Zone::utc();
            let zone = ZONE.get().unwrap_or(&utc);
            syslog::header(&mut line, FACILITY.load(Relaxed), zone, ev.time, ev.pid);
            if json {
                event::json(&mut line, &ev)
            } else {
                event::text(&mut line, &ev)
            }
            sink::send(sink, line.bytes(), dropped);
        }
        sink::JOURNAL => {
            journal::datagram(&mut line, &ev, FACILITY.load(Relaxed));
            sink::send(sink, line.bytes(), dropped);
        }
        _ => {
            if json {
                event::json(&mut line, &ev)
            } else {
                event::text(&mut line, &ev)
            }
            sink::send(sink, line.finish(), dropped);
        }
    }
}

/// A `connect` (or `connect-done`) event. `addr` is the sockaddr the kernel read, empty
/// when it could not be read.
fn connect_event(kind: Kind, fd: i32, addr: &[u8], outcome: Outcome, elapsed: u64) {
    let mut host = [0u8; correlate::NAME_MAX];
    let host_len = event::ip_of(addr).map_or(0, |ip| correlate::lookup(&ip, &mut host));
    let (result, errno) = event::result_of(outcome);
    let what = What::Connect {
        fd,
        addr,
        host: &host[..host_len],
        errno,
    };
    emit(kind, elapsed, result, what);
}

/// Whether NETSHIM_LOG_FAMILIES lets connects to `addr` be logged.
fn wanted(addr: &[u8]) -> bool {
    FAMILIES.load(Relaxed) & family_bit(event::family_of(addr)) != 0
}

/// After connect(2): one event; a non-blocking connect in progress is remembered so that
/// its outcome can be logged when the program asks for it (SO_ERROR).
pub fn connect(fd: i32, addr: &[u8], outcome: Outcome, start: u64) {
    if !wanted(addr) {
        return;
    }
    let end = now();
    connect_event(Kind::Connect, fd, addr, outcome, end.saturating_sub(start));
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
    connect_event(
        Kind::ConnectDone,
        fd,
        &addr[..len],
        outcome,
        now().saturating_sub(start),
    );
}

/// A getaddrinfo event: what was asked, what came back, how long it took. Also fills the
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
    let what = What::Lookup {
        node,
        service,
        family,
        addrs,
    };
    emit(Kind::Getaddrinfo, elapsed, result.as_bytes(), what);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_variable() {
        assert_eq!(parse_families(b"inet,inet6"), 0b11);
        assert_eq!(parse_families(b"unix"), 0b100);
        assert_eq!(parse_families(b"netlink,other,"), 0b11000);
        assert_eq!(parse_families(b"inet,inet4"), ALL_FAMILIES);
        assert_eq!(parse_families(b""), ALL_FAMILIES);
        assert_eq!(family_bit(libc::AF_UNSPEC), 16);
        assert_eq!(family_bit(-1), 16);
    }
}
