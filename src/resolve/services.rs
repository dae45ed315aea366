//! The services file (/etc/services), read as glibc 2.36's nss_files reads it, indexed once
//! so that each lookup is a binary search; and getaddrinfo's numeric service rule.
//!
//! Line format: `name port/proto alias… # comment`. Verified against glibc 2.36 (probes in
//! tools/glibc-probes, bind-mounted fixture files):
//! - Names, aliases and protocols match case-sensitively (`WWW` is not `www`, `TCP` not `tcp`).
//! - The first line for a (name, protocol) wins; likewise for (port, protocol).
//! - The port is read by `strtoul(…, 0)`: `0x54` is 84, `010` is 8, `085` ends the number
//!   early and rejects the line, `+83` is 83, `-0` is 0. A value above 0xffffffff (so `-1`,
//!   `4294967296`) rejects the line; other values are truncated to 16 bits (65536 → 0,
//!   70000 → 4464), as `htons` does.
//! - The port must be followed by one or more `/`, then the protocol up to the next blank
//!   (`94//tcp` is 94/tcp; `86 /tcp`, `87`, `88x/tcp`, `/tcp` are rejected or never match).
use alloc::vec::Vec;
use core::cmp::Ordering;

use super::lines::{fields, lines, Line};

/// A parsed services file. Build once with [`parse`]; lookups never allocate.
pub struct Services {
    arena: Vec<u8>,
    entries: Vec<Entry>,
    /// (name or alias, entry), ordered by (name, protocol, entry).
    by_name: Vec<(Span, usize)>,
    /// entries ordered by (port, protocol, entry).
    by_port: Vec<usize>,
}

#[derive(Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
}

struct Entry {
    port: u16,
    proto: Span,
    name: Span,
}

/// What getaddrinfo makes of a service string (`strtoul(service, &end, 10)`, `*end == '\0'`,
/// the result stored in an `int`). Verified against glibc 2.36:
/// `"80"`, `"+80"`, `" 80"`, `"\t80"`, `"080"` → 80; `""` → 0; `"65536"` → 0 and
/// `"4294967376"` → 80 (truncated); `"2147483647"` → 65535;
/// `"80 "`, `"0x50"`, `"8a"`, `"-"`, `"+"`, `" "` → not numeric (EAI_NONAME under
/// AI_NUMERICSERV, else looked up by name);
/// `"-1"`, `"-65535"`, `"2147483648"`, `"99999999999999999999"` → [`PortParse::Negative`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PortParse {
    /// Numeric: the port to use.
    Port(u16),
    /// Not a number: look it up by name (or EAI_NONAME under AI_NUMERICSERV).
    NotNumeric,
    /// A number that lands negative in glibc's `int`: glibc then looks the *text* up as a
    /// service name even under AI_NUMERICSERV, which in practice gives EAI_SERVICE (a services
    /// line with the alias `-1` does make `"-1"` resolve).
    Negative,
}

pub fn parse_port(service: &[u8]) -> PortParse {
    // The usual case, "80": up to nine digits cannot overflow or turn negative.
    if (1..=9).contains(&service.len()) && service.iter().all(u8::is_ascii_digit) {
        let value = service
            .iter()
            .fold(0u32, |v, &b| v * 10 + u32::from(b - b'0'));
        return PortParse::Port(value as u16);
    }
    let (value, used) = strtoul(service, Radix::Ten);
    if used != service.len() {
        return PortParse::NotNumeric;
    }
    // Keep the low 32 bits, as the assignment to an int does.
    let as_int = value as u32 as i32;
    if as_int < 0 {
        PortParse::Negative
    } else {
        PortParse::Port(as_int as u16)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Radix {
    Ten,
    /// strtoul's base 0: `0x` hex, `0` octal, else decimal.
    Any,
}

/// glibc's strtoul: blanks, a sign, digits. Returns (value, bytes used); `used` is 0 when no
/// digit was read. Overflow gives u64::MAX (ERANGE); a `-` negates in 64 bits.
fn strtoul(s: &[u8], radix: Radix) -> (u64, usize) {
    let blanks = s.iter().take_while(|&&b| super::lines::is_space(b)).count();
    let rest = s.get(blanks..).unwrap_or_default();
    let (negative, sign) = match rest.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let rest = rest.get(sign..).unwrap_or_default();
    let (base, prefix) = match (radix, rest) {
        (Radix::Any, [b'0', b'x' | b'X', d, ..]) if d.is_ascii_hexdigit() => (16, 2),
        (Radix::Any, [b'0', ..]) => (8, 0),
        _ => (10, 0),
    };
    let digits = rest.get(prefix..).unwrap_or_default();
    let len = digits
        .iter()
        .take_while(|&&b| (b as char).is_digit(base))
        .count();
    if len == 0 {
        return (0, 0);
    }
    let mut value: Option<u64> = Some(0);
    for &b in digits.get(..len).unwrap_or_default() {
        let digit = u64::from((b as char).to_digit(base).unwrap_or(0));
        value = value
            .and_then(|v| v.checked_mul(u64::from(base)))
            .and_then(|v| v.checked_add(digit));
    }
    let value = match value {
        None => u64::MAX,
        Some(v) if negative => v.wrapping_neg(),
        Some(v) => v,
    };
    (value, blanks + sign + prefix + len)
}

/// Parses a services file. Lines glibc would reject are skipped; nothing here can fail.
pub fn parse(text: &[u8]) -> Services {
    let mut s = Services {
        arena: Vec::new(),
        entries: Vec::new(),
        by_name: Vec::new(),
        by_port: Vec::new(),
    };
    let mut joined = Vec::new();
    for line in lines(text) {
        s.add_line(line_bytes(line, &mut joined));
    }
    let Services {
        arena,
        entries,
        by_name,
        by_port,
    } = &mut s;
    let text = |span: Span| arena.get(span.start..span.end).unwrap_or_default();
    by_name.sort_unstable_by(|a, b| {
        let (ea, eb) = (entries.get(a.1), entries.get(b.1));
        text(a.0)
            .cmp(text(b.0))
            .then_with(|| ea.map(|e| text(e.proto)).cmp(&eb.map(|e| text(e.proto))))
            .then(a.1.cmp(&b.1))
    });
    by_port.sort_unstable_by(|&a, &b| {
        let key = |i: usize| entries.get(i).map(|e| (e.port, text(e.proto)));
        key(a).cmp(&key(b)).then(a.cmp(&b))
    });
    s
}

/// The line as one slice, joining glibc's memmove quirk (see lines.rs) when it applies.
pub(super) fn line_bytes<'a>(line: Line<'a>, joined: &'a mut Vec<u8>) -> &'a [u8] {
    match line.whole() {
        Some(bytes) => bytes,
        None => {
            joined.clear();
            joined.extend_from_slice(line.head);
            joined.extend_from_slice(line.tail);
            joined
        }
    }
}

impl Services {
    fn add_line(&mut self, line: &[u8]) {
        let mut fields = fields(line);
        let (Some(name), Some(port_proto)) = (fields.next(), fields.next()) else {
            return;
        };
        let Some((port, proto)) = port_and_proto(port_proto) else {
            return;
        };
        let entry = self.entries.len();
        let name = self.store(name);
        let proto = self.store(proto);
        self.entries.push(Entry { port, proto, name });
        self.by_port.push(entry);
        self.by_name.push((name, entry));
        for alias in fields {
            let alias = self.store(alias);
            self.by_name.push((alias, entry));
        }
    }

    fn store(&mut self, bytes: &[u8]) -> Span {
        let start = self.arena.len();
        self.arena.extend_from_slice(bytes);
        Span {
            start,
            end: self.arena.len(),
        }
    }

    fn text(&self, span: Span) -> &[u8] {
        self.arena.get(span.start..span.end).unwrap_or_default()
    }

    fn proto_of(&self, entry: usize) -> &[u8] {
        self.entries.get(entry).map_or(&[], |e| self.text(e.proto))
    }

    /// getservbyname(name, proto): the port of the first line naming `name` (officially or
    /// as an alias) for `proto`. Case-sensitive, as glibc is.
    pub fn port_of(&self, name: &[u8], proto: &[u8]) -> Option<u16> {
        let key = |&(span, entry): &(Span, usize)| {
            self.text(span)
                .cmp(name)
                .then_with(|| self.proto_of(entry).cmp(proto))
        };
        let at = self.by_name.partition_point(|e| key(e) == Ordering::Less);
        let found = self.by_name.get(at).filter(|e| key(e) == Ordering::Equal)?;
        self.entries.get(found.1).map(|e| e.port)
    }

    /// getservbyport(port, proto), for getnameinfo: the official name of the first line
    /// with that port and protocol.
    pub fn name_of(&self, port: u16, proto: &[u8]) -> Option<&[u8]> {
        let key = |&entry: &usize| {
            let port_of = self.entries.get(entry).map_or(0, |e| e.port);
            port_of
                .cmp(&port)
                .then_with(|| self.proto_of(entry).cmp(proto))
        };
        let at = self.by_port.partition_point(|e| key(e) == Ordering::Less);
        let found = self.by_port.get(at).filter(|e| key(e) == Ordering::Equal)?;
        self.entries.get(*found).map(|e| self.text(e.name))
    }
}

/// `port/proto` as nss_files reads it; None rejects the line.
fn port_and_proto(field: &[u8]) -> Option<(u16, &[u8])> {
    let (value, used) = strtoul(field, Radix::Any);
    if used == 0 || value > u64::from(u32::MAX) {
        return None;
    }
    let rest = field.get(used..)?;
    let slashes = rest.iter().take_while(|&&b| b == b'/').count();
    let proto = rest.get(slashes..)?;
    // No '/' after the number rejects the line; an empty protocol can never be asked for.
    (slashes > 0 && !proto.is_empty()).then_some((value as u16, proto))
}

#[cfg(test)]
#[path = "services_tests.rs"]
mod tests;
