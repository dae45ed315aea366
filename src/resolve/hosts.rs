//! The hosts file (/etc/hosts), read as glibc 2.36's nss_files reads it.
//!
//! Most programs resolve once and exit, so the first lookup of a file is one streaming
//! scan over its bytes, as glibc's is (and cheaper per line: a name is compared only when
//! its length matches, an address is parsed only on a line that names the host). Only a
//! second lookup builds an index, and the index is compact: per name, a hash of the
//! folded name and the offset of its line in the file's bytes (8 bytes), sorted; a hit
//! re-reads that one line, so the answer is the scan's by construction.
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
use core::net::IpAddr;
use core::sync::atomic::{AtomicU32, Ordering};
use once_cell::race::OnceBox;

use super::lines::{is_space, lines};
use super::numeric::{parse_ipv4_strict, parse_ipv6};
use super::services::line_bytes;
use super::Address;

/// A hosts file: its bytes, made "clean" (every line ends in `\n`, no NUL: see [`parse`]),
/// and the indexes, built on the second lookup of each kind.
pub struct Hosts {
    text: Vec<u8>,
    by_name: Lazy,
    by_addr: Lazy,
}

/// An index built only once it is used a second time.
struct Lazy {
    uses: AtomicU32,
    /// (hash, offset of the line), sorted: a hash's lines come in file order.
    keys: OnceBox<Vec<Key>>,
}

/// A hash in the high 32 bits, the offset of its line in the low 32 (the file is at most
/// 64 MiB, config.rs): sorting the numbers sorts by hash, then file order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key(u64);

impl Key {
    fn new(hash: u32, line: usize) -> Self {
        Key((u64::from(hash) << 32) | line as u64)
    }

    fn hash(self) -> u32 {
        (self.0 >> 32) as u32
    }

    fn line(self) -> u32 {
        self.0 as u32
    }

    /// The lines under `hash`, in file order, each once.
    fn lines_of(keys: &[Key], hash: u32) -> impl Iterator<Item = u32> + '_ {
        let start = keys.partition_point(|k| k.hash() < hash);
        let mut previous = None;
        keys.get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(move |k| k.hash() == hash)
            .filter_map(move |k| (previous.replace(k.line()) != Some(k.line())).then_some(k.line()))
    }
}

impl Lazy {
    const fn new() -> Self {
        Lazy {
            uses: AtomicU32::new(0),
            keys: OnceBox::new(),
        }
    }

    /// The index, if this is not the first use; `build` makes it (once; a thread that
    /// loses the race drops its copy).
    fn get(&self, build: impl FnOnce() -> Vec<Key>) -> Option<&[Key]> {
        if let Some(keys) = self.keys.get() {
            return Some(keys);
        }
        if self.uses.fetch_add(1, Ordering::Relaxed) == 0 {
            return None;
        }
        Some(self.keys.get_or_init(|| {
            let mut keys = build();
            sort_by_hash(&mut keys);
            keys.dedup(); // a line naming a host twice matches once
            keys.shrink_to_fit();
            alloc::boxed::Box::new(keys)
        }))
    }
}

/// Sorts keys pushed in file order by hash, keeping file order among equal hashes: an LSD
/// radix sort on the hash bytes, 4 passes of a counting sort (cheaper than a comparison
/// sort for the 10,000s of keys of a large file).
fn sort_by_hash(keys: &mut Vec<Key>) {
    if keys.len() < 64 {
        keys.sort_unstable();
        return;
    }
    let mut other = alloc::vec![Key(0); keys.len()];
    for shift in [32, 40, 48, 56] {
        let digit = |k: &Key| ((k.0 >> shift) & 0xff) as usize;
        let mut start = [0usize; 256];
        for k in keys.iter() {
            start[digit(k)] += 1;
        }
        let mut sum = 0;
        for slot in start.iter_mut() {
            (*slot, sum) = (sum, sum + *slot);
        }
        for k in keys.iter() {
            let slot = &mut start[digit(k)];
            if let Some(out) = other.get_mut(*slot) {
                *out = *k;
            }
            *slot += 1;
        }
        core::mem::swap(keys, &mut other);
    }
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
    /// The line's offset in the file: file order.
    pub index: usize,
}

/// Matches held without allocating for the usual few; more go to a vector.
const INLINE_HITS: usize = 4;

/// Every line that names the host, in file order.
///
/// glibc's canonical name is the `name` of the first entry getaddrinfo collects, before its
/// RFC 3484 sort: AF_UNSPEC and AF_INET → the first matching line of any / of IPv4 family;
/// AF_INET6 (with or without AI_V4MAPPED|AI_ALL) → the first IPv6 line if there is one, else
/// (with AI_V4MAPPED) the first IPv4 line.
pub struct HostsMatch<'a> {
    inline: [HostsEntry<'a>; INLINE_HITS],
    len: usize,
    more: Vec<HostsEntry<'a>>,
}

impl<'a> HostsMatch<'a> {
    fn new() -> Self {
        let none = HostsEntry {
            address: Address::new(IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED)),
            name: &[],
            index: 0,
        };
        HostsMatch {
            inline: [none; INLINE_HITS],
            len: 0,
            more: Vec::new(),
        }
    }

    fn push(&mut self, entry: HostsEntry<'a>) {
        match self.inline.get_mut(self.len) {
            Some(slot) => *slot = entry,
            None => self.more.push(entry),
        }
        self.len += 1;
    }

    pub fn iter(&self) -> impl Iterator<Item = HostsEntry<'a>> + '_ {
        let inline = self
            .inline
            .get(..self.len.min(INLINE_HITS))
            .unwrap_or_default();
        inline.iter().chain(self.more.iter()).copied()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The official name of the first matching line (the AF_UNSPEC canonical name).
    pub fn canonical(&self) -> &'a [u8] {
        self.iter().next().map_or(&[], |e| e.name)
    }
}

/// Takes a hosts file's bytes. Lines glibc would skip are skipped; nothing here can fail.
pub fn parse(text: &[u8]) -> Hosts {
    from_bytes(text.to_vec())
}

/// Like [`parse`], keeping the vector. A file whose every line ends in `\n` and that has
/// no NUL byte (the usual case) is kept as it is; otherwise the lines are rewritten as
/// glibc's parser sees them (the NUL cut, the memmove quirk of lines.rs), so that every
/// line can later be read on its own from its offset.
pub fn from_bytes(text: Vec<u8>) -> Hosts {
    let clean = text.last().map_or(true, |&b| b == b'\n') && !text.contains(&0);
    let text = if clean { text } else { normalized(&text) };
    Hosts {
        text,
        by_name: Lazy::new(),
        by_addr: Lazy::new(),
    }
}

fn normalized(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 1);
    let mut joined = Vec::new();
    for line in lines(text) {
        out.extend_from_slice(line_bytes(line, &mut joined));
        out.push(b'\n');
    }
    out
}

/// Byte classes for reading a clean text: C-locale blanks other than `\n`, `\n`, `#`,
/// and everything else (the bytes of fields).
const FIELD: u8 = 0;
const BLANK: u8 = 1;
const NEWLINE: u8 = 2;
const HASH: u8 = 3;
const CLASS: [u8; 256] = {
    let mut table = [FIELD; 256];
    let mut b = 0;
    while b < 256 {
        if is_space(b as u8) {
            table[b] = BLANK;
        }
        b += 1;
    }
    table[b'\n' as usize] = NEWLINE;
    table[b'#' as usize] = HASH;
    table
};

fn class(text: &[u8], at: usize) -> u8 {
    text.get(at).map_or(NEWLINE, |&b| CLASS[usize::from(b)])
}

/// The first index from `at` whose byte is not of class `skip`.
fn skip(text: &[u8], at: usize, skip: u8) -> usize {
    let rest = text.get(at..).unwrap_or_default();
    at + rest
        .iter()
        .position(|&b| CLASS[usize::from(b)] != skip)
        .unwrap_or(rest.len())
}

/// The end of the field starting at `at`: the first blank, `\n` or `#` from there. Eight
/// bytes at a time: every such byte is below 0x21 or is `#`, and a word with neither
/// (the usual case inside a name) is skipped whole.
fn skip_field(text: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    loop {
        let Some(word) = text.get(at..at + 8) else {
            return skip(text, at, FIELD);
        };
        let w = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        // The lowest byte flagged is exactly the first below 0x21 or equal to '#' (the
        // borrow of a subtraction only flags bytes above a true one).
        let hash = w ^ (ONES * u64::from(b'#'));
        let flags = ((w.wrapping_sub(ONES * 0x21) & !w) | (hash.wrapping_sub(ONES) & !hash)) & HIGH;
        if flags == 0 {
            at += 8;
            continue;
        }
        let first = at + (flags.trailing_zeros() / 8) as usize;
        if class(text, first) != FIELD {
            return first;
        }
        at = first + 1; // a control byte below 0x21 that is not a blank: part of the field
    }
}

/// The line after the one containing `at`.
fn next_line(text: &[u8], at: usize) -> usize {
    let rest = text.get(at..).unwrap_or_default();
    at + rest
        .iter()
        .position(|&b| b == b'\n')
        .map_or(rest.len(), |i| i + 1)
}

/// What [`read_line`] found on a line glibc reads.
struct Line<'t> {
    address: &'t [u8],
    /// The first name, or empty: a line with an address and no name still exists for
    /// glibc (its official name is empty, so getaddrinfo("") finds it).
    official: &'t [u8],
    /// `name` (if given) is one of the line's names.
    names_it: bool,
}

impl Line<'_> {
    fn ip(&self) -> Option<IpAddr> {
        match parse_ipv4_strict(self.address) {
            Some(v4) => Some(IpAddr::V4(v4)),
            None => parse_ipv6(self.address).map(IpAddr::V6),
        }
    }
}

/// Reads the line starting at `at` of a clean text in one pass, as glibc's parser reads it
/// (leading blanks skipped, blank and comment lines skipped, a `#` ends the line, fields
/// split at blanks), calling `each_name` for every name (the empty name of a nameless
/// line included). Returns where the next line starts, and the line if glibc reads it.
fn read_line<'t>(
    text: &'t [u8],
    at: usize,
    name: &[u8],
    mut each_name: impl FnMut(&'t [u8]),
) -> (usize, Option<Line<'t>>) {
    let start = skip(text, at, BLANK);
    if class(text, start) != FIELD {
        return (next_line(text, start), None); // blank or comment
    }
    let mut end = skip_field(text, start);
    let mut line = Line {
        address: text.get(start..end).unwrap_or_default(),
        official: &[],
        names_it: false,
    };
    let mut names = 0;
    loop {
        let field = skip(text, end, BLANK);
        match class(text, field) {
            FIELD => {}
            HASH => end = next_line(text, field),
            _ => end = field + 1,
        }
        if class(text, field) != FIELD {
            break;
        }
        end = skip_field(text, field);
        let this = text.get(field..end).unwrap_or_default();
        if names == 0 {
            line.official = this;
        }
        names += 1;
        line.names_it |= this.len() == name.len() && this.eq_ignore_ascii_case(name);
        each_name(this);
    }
    if names == 0 {
        line.names_it = name.is_empty();
        each_name(&[]);
    }
    (end, Some(line))
}

/// The lines of a clean text that glibc reads, with their offsets.
struct Lines<'t, 'n> {
    text: &'t [u8],
    name: &'n [u8],
    at: usize,
}

impl<'t> Iterator for Lines<'t, '_> {
    type Item = (usize, Line<'t>);

    fn next(&mut self) -> Option<Self::Item> {
        while self.at < self.text.len() {
            let offset = self.at;
            let (next, line) = read_line(self.text, offset, self.name, |_| {});
            self.at = next.max(offset + 1);
            if let Some(line) = line {
                return Some((offset, line));
            }
        }
        None
    }
}

/// FNV-1a over the ASCII-lower-cased bytes.
fn hash_folded(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0193)
    })
}

fn hash_ip(ip: &IpAddr) -> u32 {
    match ip {
        IpAddr::V4(v4) => hash_folded(&v4.octets()),
        IpAddr::V6(v6) => hash_folded(&v6.octets()),
    }
}

/// The IPv4 address an IPv6 line also answers gethostbyaddr for: `::ffff:a.b.c.d` for
/// a.b.c.d, and `::1` for 127.0.0.1 (nss_files reads both so for AF_INET, as it does for
/// getaddrinfo).
fn unmapped(ip: &IpAddr) -> Option<IpAddr> {
    match ip {
        IpAddr::V6(v6) if *v6 == core::net::Ipv6Addr::LOCALHOST => {
            Some(IpAddr::V4(core::net::Ipv4Addr::LOCALHOST))
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
        IpAddr::V4(_) => None,
    }
}

impl Hosts {
    /// Every line glibc reads, with its offset.
    fn lines<'t, 'n>(&'t self, name: &'n [u8]) -> Lines<'t, 'n> {
        Lines {
            text: &self.text,
            name,
            at: 0,
        }
    }

    /// The line at an offset the index recorded.
    fn line_at(&self, offset: u32, name: &[u8]) -> Option<Line<'_>> {
        read_line(&self.text, offset as usize, name, |_| {}).1
    }

    fn name_keys(&self) -> Vec<Key> {
        let mut keys = Vec::new();
        let mut at = 0;
        while at < self.text.len() {
            let line = at;
            let (next, _) = read_line(&self.text, at, &[], |n| {
                keys.push(Key::new(hash_folded(n), line));
            });
            at = next.max(at + 1);
        }
        keys
    }

    fn addr_keys(&self) -> Vec<Key> {
        let mut keys = Vec::new();
        for (offset, line) in self.lines(&[]) {
            let Some(ip) = line.ip() else { continue };
            keys.push(Key::new(hash_ip(&ip), offset));
            // gethostbyaddr for IPv4 also finds IPv4-mapped and ::1 lines.
            if let Some(v4) = unmapped(&ip) {
                keys.push(Key::new(hash_ip(&v4), offset));
            }
        }
        keys
    }

    /// Every line naming `name` (official name or alias), in file order; None if none does.
    pub fn lookup<'a>(&'a self, name: &[u8]) -> Option<HostsMatch<'a>> {
        let mut found = HostsMatch::new();
        let mut take = |offset: usize, line: Line<'a>| {
            if !line.names_it {
                return;
            }
            if let Some(ip) = line.ip() {
                found.push(HostsEntry {
                    address: Address::new(ip),
                    name: line.official,
                    index: offset,
                });
            }
        };
        match self.by_name.get(|| self.name_keys()) {
            None => self.lines(name).for_each(|(at, line)| take(at, line)),
            Some(keys) => {
                for offset in Key::lines_of(keys, hash_folded(name)) {
                    if let Some(line) = self.line_at(offset, name) {
                        take(offset as usize, line);
                    }
                }
            }
        }
        (!found.is_empty()).then_some(found)
    }

    /// gethostbyaddr, for getnameinfo: the official name of the first line with this address
    /// (the scope id is not compared; an IPv4 address also finds `::ffff:a.b.c.d` lines).
    pub fn name_of(&self, addr: &Address) -> Option<&[u8]> {
        let answers = |line: &Line<'_>| {
            line.ip()
                .is_some_and(|ip| ip == addr.ip || unmapped(&ip) == Some(addr.ip))
        };
        match self.by_addr.get(|| self.addr_keys()) {
            None => self
                .lines(&[])
                .find(|(_, line)| answers(line))
                .map(|(_, line)| line.official),
            Some(keys) => Key::lines_of(keys, hash_ip(&addr.ip))
                .filter_map(|offset| self.line_at(offset, &[]))
                .find(|line| answers(line))
                .map(|line| line.official),
        }
    }
}

#[cfg(test)]
#[path = "hosts_tests.rs"]
mod tests;
