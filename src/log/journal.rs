//! NETSHIM_LOG=journal: one datagram per event to /run/systemd/journal/socket in journald's
//! native protocol: `KEY=VALUE\n` per field, or, for a value holding a newline,
//! `KEY\n` + its length as 64-bit little-endian + the value + `\n`. Values are the raw
//! bytes (the journal is binary-safe), so `journalctl NETSHIM_HOST=example.com` matches.

use super::event::{self, Event, What};
use super::line::{Esc, Line};
use core::net::IpAddr;

/// PRIORITY: info, as the syslog sink's severity.
const PRIORITY: &[u8] = b"6";

/// One field, in whichever form its value needs.
fn field(line: &mut Line, key: &[u8], value: &[u8]) {
    line.push(key);
    if value.contains(&b'\n') {
        line.byte(b'\n');
        line.push(&(value.len() as u64).to_le_bytes());
        line.push(value);
    } else {
        line.byte(b'=');
        line.push(value);
    }
    line.byte(b'\n');
}

/// A field whose value is written in place by `write` (a number, an address).
fn field_with(line: &mut Line, key: &[u8], write: impl FnOnce(&mut Line)) {
    let start = line.len();
    line.push(key);
    line.byte(b'=');
    let value_at = line.len();
    write(line);
    let end = line.len();
    if !line.bytes()[value_at..].contains(&b'\n') {
        line.byte(b'\n');
        return;
    }
    // Rare (a unix path with a newline): rewrite in the length-prefixed form.
    let mut value = [0u8; 256];
    let n = (end - value_at).min(value.len());
    value[..n].copy_from_slice(&line.bytes()[value_at..value_at + n]);
    line.truncate(start);
    field(line, key, &value[..n]);
}

fn number(line: &mut Line, key: &[u8], v: i64) {
    field_with(line, key, |l| l.int(v));
}

/// The whole datagram: MESSAGE (the text line), the syslog-compatible fields journalctl
/// shows, and every field of the event as NETSHIM_*.
pub fn datagram(line: &mut Line, ev: &Event, facility: u32) {
    line.push(b"MESSAGE=");
    event::text(line, ev);
    line.byte(b'\n');
    field(line, b"PRIORITY", PRIORITY);
    number(line, b"SYSLOG_FACILITY", i64::from(facility));
    field(line, b"SYSLOG_IDENTIFIER", b"netshim");
    number(line, b"SYSLOG_PID", i64::from(ev.pid));
    number(line, b"NETSHIM_SCHEMA", event::SCHEMA as i64);
    field(line, b"NETSHIM_EVENT", ev.kind.name());
    field(line, b"NETSHIM_VIA", b"preload");
    number(line, b"NETSHIM_PID", i64::from(ev.pid));
    number(line, b"NETSHIM_TID", i64::from(ev.tid));
    field(line, b"NETSHIM_PROG", &ev.program.raw);
    field(line, b"NETSHIM_RESULT", ev.result);
    match ev.what {
        What::Connect {
            fd,
            addr,
            host,
            errno,
        } => {
            number(line, b"NETSHIM_FD", i64::from(fd));
            field(
                line,
                b"NETSHIM_FAMILY",
                event::family_name(event::family_of(addr)),
            );
            field_with(line, b"NETSHIM_DEST", |l| {
                event::destination(l, addr, Esc::Raw)
            });
            if !host.is_empty() {
                field(line, b"NETSHIM_HOST", host);
            }
            number(line, b"NETSHIM_ERRNO", i64::from(errno));
        }
        What::Lookup {
            node,
            service,
            family,
            addrs,
        } => {
            if let Some(node) = node {
                field(line, b"NETSHIM_NODE", node);
            }
            if let Some(service) = service {
                field(line, b"NETSHIM_SERVICE", service);
            }
            field(line, b"NETSHIM_FAMILY", event::family_name(family));
            for ip in addrs {
                // Stop while the fields after the list still fit.
                if line.room() < 96 {
                    break;
                }
                field_with(line, b"NETSHIM_ADDR", |l| match ip {
                    IpAddr::V4(v4) => l.ipv4(v4.octets()),
                    IpAddr::V6(v6) => l.ipv6(v6.octets()),
                });
            }
        }
    }
    number(line, b"NETSHIM_DURATION_US", (ev.elapsed / 1000) as i64);
    if ev.dropped > 0 {
        number(line, b"NETSHIM_DROPPED", ev.dropped as i64);
    }
}

#[cfg(test)]
mod tests {
    use super::super::event::{Kind, Program};
    use super::*;

    #[test]
    fn fields_and_the_binary_form() {
        let p = Program {
            raw: b"py\nthon".to_vec(),
            text: b"py\\x0athon".to_vec(),
            json: b"py\\u000athon".to_vec(),
        };
        let mut addr = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        addr.extend_from_slice(b"/tmp/a\nb\0");
        let ev = Event {
            kind: Kind::Connect,
            time: 0,
            pid: 9,
            tid: 10,
            elapsed: 5_000,
            result: b"ENOENT",
            dropped: 2,
            program: &p,
            what: What::Connect {
                fd: 3,
                addr: &addr,
                host: b"",
                errno: 2,
            },
        };
        let mut line = Line::new();
        datagram(&mut line, &ev, 1);
        let d = line.bytes();
        let text = std::string::String::from_utf8_lossy(d);
        assert!(text.starts_with("MESSAGE=00:00:00.000000 py\\x0athon[9/10] connect fd=3 /tmp/a\\x0ab -> ENOENT 0.005ms dropped=2 via=preload\nPRIORITY=6\nSYSLOG_FACILITY=1\nSYSLOG_IDENTIFIER=netshim\nSYSLOG_PID=9\nNETSHIM_SCHEMA=1\nNETSHIM_EVENT=connect\n"), "{text}");
        let prog = b"NETSHIM_PROG\n\x07\0\0\0\0\0\0\0py\nthon\n";
        assert!(d.windows(prog.len()).any(|w| w == prog));
        let dest = b"NETSHIM_DEST\n\x08\0\0\0\0\0\0\0/tmp/a\nb\n";
        assert!(d.windows(dest.len()).any(|w| w == dest), "{text}");
        assert!(!text.contains("NETSHIM_HOST"));
        assert!(text.ends_with("NETSHIM_ERRNO=2\nNETSHIM_DURATION_US=5\nNETSHIM_DROPPED=2\n"));
    }
}
