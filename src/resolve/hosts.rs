//! The hosts file (/etc/hosts), read as glibc 2.36's nss_files reads it, indexed once so that
//! a lookup is a binary search (no allocation).
//!
//! Verified against glibc 2.36 getaddrinfo with bind-mounted fixtures (tools/glibc-probes):
//! - A line is `address name alias…`; the address is read by strict inet_pton: IPv6 (no
//!   `%scope`, no `/len`) or a dotted quad (no "127.1", no "010.0.0.1"). Other lines, and lines
//!   with no name, are skipped.
//! - Names match ASCII-case-insensitively (bytes ≥ 0x80 exactly), as the whole name: no
//!   trailing-dot folding ("dotted." in the file matches only "dotted."). Any length works.
//! - Every matching line counts, in file order, duplicates included.
//! - The canonical name is the official (first) name of the first matching line, spelled as
//!   in the file; which line is "first" depends on the families asked for (see [`HostsMatch`]).
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::net::IpAddr;

use super::lines::{fields, lines};
use super::numeric::{parse_ipv4_strict, parse_ipv6};
use super::services::line_bytes;
use super::Address;

/// A parsed hosts file. Build once with [`parse`].
pub struct Hosts {
    arena: Vec<u8>,
    /// One per accepted line, in file order.
    entries: Vec<Entry>,
    /// (ASCII-lower-cased name or alias, entry), ordered by (key, entry): a lookup folds
    /// the query once and then compares bytes.
    by_name: Vec<(Span, usize)>,
    /// (address, entry), ordered by (address, entry).
    by_addr: Vec<(IpAddr, usize)>,
}

#[derive(Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
}

struct Entry {
    ip: IpAddr,
    name: Span,
}

/// One matching line.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HostsEntry<'a> {
    /// The line's address as written: an IPv4-mapped IPv6 address stays IPv6. (glibc turns it
    /// into IPv4 for an AF_INET query: `::ffff:10.0.0.1` answers AF_INET with 10.0.0.1, and
    /// AF_UNSPEC / AF_INET6 with `::ffff:10.0.0.1`.)
    pub address: Address,
    /// The official name of the line (its first name).
    pub name: &'a [u8],
    /// The line's position among the accepted lines: file order.
    pub index: usize,
}

/// Every line that names the host, in file order.
///
/// glibc's canonical name is the `name` of the first entry getaddrinfo collects, before its
/// RFC 3484 sort: AF_UNSPEC and AF_INET → the first matching line of any / of IPv4 family;
/// AF_INET6 (with or without AI_V4MAPPED|AI_ALL) → the first IPv6 line if there is one, else
/// (with AI_V4MAPPED) the first IPv4 line.
#[derive(Clone, Copy)]
pub struct HostsMatch<'a> {
    hosts: &'a Hosts,
    hits: &'a [(Span, usize)],
}

impl<'a> HostsMatch<'a> {
    pub fn iter(&self) -> impl Iterator<Item = HostsEntry<'a>> + 'a {
        let hosts = self.hosts;
        self.hits.iter().filter_map(move |&(_, index)| {
            let entry = hosts.entries.get(index)?;
            Some(HostsEntry {
                address: Address::new(entry.ip),
                name: hosts.text(entry.name),
                index,
            })
        })
    }

    pub fn len(&self) -> usize {
        self.hits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hits.is_empty()
    }

    /// The official name of the first matching line (the AF_UNSPEC canonical name).
    pub fn canonical(&self) -> &'a [u8] {
        self.iter().next().map_or(&[], |e| e.name)
    }
}

/// Parses a hosts file. Lines glibc would skip are skipped; nothing here can fail.
pub fn parse(text: &[u8]) -> Hosts {
    let mut h = Hosts {
        arena: Vec::new(),
        entries: Vec::new(),
        by_name: Vec::new(),
        by_addr: Vec::new(),
    };
    let mut joined = Vec::new();
    for line in lines(text) {
        h.add_line(line_bytes(line, &mut joined));
    }
    let Hosts {
        arena,
        by_name,
        by_addr,
        ..
    } = &mut h;
    let text = |span: Span| arena.get(span.start..span.end).unwrap_or_default();
    by_name.sort_unstable_by(|a, b| text(a.0).cmp(text(b.0)).then(a.1.cmp(&b.1)));
    by_addr.sort_unstable();
    h
}

impl Hosts {
    fn add_line(&mut self, line: &[u8]) {
        let mut fields = fields(line);
        let Some(address) = fields.next() else { return };
        // A line with an address and no name still exists for glibc: its official name is
        // empty, so getaddrinfo("") finds it.
        let name = fields.next().unwrap_or_default();
        let ip = match parse_ipv6(address) {
            Some(v6) => IpAddr::V6(v6),
            None => match parse_ipv4_strict(address) {
                Some(v4) => IpAddr::V4(v4),
                None => return,
            },
        };
        let index = self.entries.len();
        let first_name = self.by_name.len();
        let key = self.store_lower(name);
        let name = self.store(name);
        self.entries.push(Entry { ip, name });
        self.by_name.push((key, index));
        for alias in fields {
            // A name repeated on one line still matches that line once.
            let seen = self
                .by_name
                .get(first_name..)
                .unwrap_or_default()
                .iter()
                .any(|&(s, _)| cmp_ignore_case(self.text(s), alias).is_eq());
            if !seen {
                let alias = self.store_lower(alias);
                self.by_name.push((alias, index));
            }
        }
        self.by_addr.push((ip, index));
        // gethostbyaddr for IPv4 also finds lines written as IPv4-mapped IPv6, and ::1 lines
        // as 127.0.0.1 (nss_files reads both so for AF_INET, as it does for getaddrinfo).
        if let IpAddr::V6(v6) = ip {
            if let Some(v4) = v6.to_ipv4_mapped() {
                self.by_addr.push((IpAddr::V4(v4), index));
            } else if v6 == core::net::Ipv6Addr::LOCALHOST {
                self.by_addr
                    .push((IpAddr::V4(core::net::Ipv4Addr::LOCALHOST), index));
            }
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

    fn store_lower(&mut self, bytes: &[u8]) -> Span {
        let start = self.arena.len();
        self.arena.extend(bytes.iter().map(u8::to_ascii_lowercase));
        Span {
            start,
            end: self.arena.len(),
        }
    }

    fn text(&self, span: Span) -> &[u8] {
        self.arena.get(span.start..span.end).unwrap_or_default()
    }

    /// Every line naming `name` (official name or alias), in file order; None if none does.
    pub fn lookup(&self, name: &[u8]) -> Option<HostsMatch<'_>> {
        // Fold the query once (on the stack for any name a lookup can carry).
        let mut small = [0u8; 256];
        let folded_vec;
        let name: &[u8] = match small.get_mut(..name.len()) {
            Some(buf) => {
                buf.iter_mut()
                    .zip(name)
                    .for_each(|(d, s)| *d = s.to_ascii_lowercase());
                buf
            }
            None => {
                folded_vec = name.to_ascii_lowercase();
                &folded_vec
            }
        };
        let key = |&(span, _): &(Span, usize)| self.text(span).cmp(name);
        let start = self.by_name.partition_point(|e| key(e) == Ordering::Less);
        let rest = self.by_name.get(start..)?;
        let len = rest.partition_point(|e| key(e) == Ordering::Equal);
        let hits = rest.get(..len).filter(|h| !h.is_empty())?;
        Some(HostsMatch { hosts: self, hits })
    }

    /// gethostbyaddr, for getnameinfo: the official name of the first line with this address
    /// (the scope id is not compared; an IPv4 address also finds `::ffff:a.b.c.d` lines).
    pub fn name_of(&self, addr: &Address) -> Option<&[u8]> {
        let at = self.by_addr.partition_point(|&(ip, _)| ip < addr.ip);
        let &(ip, index) = self.by_addr.get(at)?;
        if ip != addr.ip {
            return None;
        }
        self.entries.get(index).map(|e| self.text(e.name))
    }
}

/// strcasecmp in the C locale: ASCII letters fold, other bytes compare as they are.
fn cmp_ignore_case(a: &[u8], b: &[u8]) -> Ordering {
    a.iter()
        .map(u8::to_ascii_lowercase)
        .cmp(b.iter().map(u8::to_ascii_lowercase))
}

#[cfg(test)]
#[path = "hosts_tests.rs"]
mod tests;
