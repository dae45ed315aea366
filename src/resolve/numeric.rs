//! Numeric hosts, exactly as glibc 2.36's getaddrinfo reads and inet_ntop writes them.
//!
//! - IPv4: `__inet_aton_exact` (resolv/inet_addr.c): 1 to 4 parts, each C-style decimal,
//!   `0` octal or `0x` hex; all but the last ≤ 255, the last fills the remaining bytes
//!   ("127.1", "0x7f.1", "2130706433"). Nothing may follow: no space, no trailing dot.
//! - IPv6: `inet_pton(AF_INET6)` (resolv/inet_pton.c), a dotted quad allowed as the last 32
//!   bits, plus an optional `%scope` split off first (getaddrinfo's `strchr(name, '%')`).
//! - Scope: `__inet6_scopeid_pton` (inet/inet6_scopeid_pton.c).
//!
//! Inputs are byte slices without a terminating NUL; a NUL inside is rejected like any other
//! stray byte (C callers cannot pass one; file parsers cut lines at NUL first).
use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

/// `__inet_aton_exact`: the IPv4 forms getaddrinfo accepts as numeric.
pub fn parse_ipv4(s: &[u8]) -> Option<Ipv4Addr> {
    match plain_quad(s) {
        Quad::Plain(ip) => Some(ip),
        Quad::Other => parse_aton(s),
        Quad::NotIpv4 => None,
    }
}

enum Quad {
    Plain(Ipv4Addr),
    /// Perhaps another inet_aton form.
    Other,
    /// A byte no inet_aton form has (':' of an IPv6 address, say).
    NotIpv4,
}

/// The usual spelling, four decimal parts 0-255 without leading zeros, in one tight pass.
fn plain_quad(s: &[u8]) -> Quad {
    if !s.first().is_some_and(u8::is_ascii_digit) {
        return Quad::NotIpv4; // inet_aton's first check
    }
    let (mut word, mut part, mut digits, mut dots) = (0u32, 0u32, 0, 0);
    let mut plain = true;
    for &b in s {
        let digit = b.wrapping_sub(b'0');
        if digit <= 9 {
            // A leading zero (octal) or a part above 255 is for parse_aton to judge.
            plain &= !(digits == 1 && part == 0);
            part = (part * 10 + u32::from(digit)).min(0x100); // no overflow on long runs
            plain &= part <= 0xff;
            digits += 1;
            continue;
        }
        match b | 0x20 {
            b'.' => {} // '.' | 0x20 is '.'
            b'a'..=b'f' | b'x' => plain = false,
            _ => return Quad::NotIpv4,
        }
        plain &= digits > 0 && dots < 3;
        (word, part, digits, dots) = ((word << 8) | (part & 0xff), 0, 0, dots + 1);
    }
    match (plain, dots, digits) {
        (true, 3, 1..) => Quad::Plain(Ipv4Addr::from((word << 8) | part)),
        _ => Quad::Other,
    }
}

/// inet_aton's every form: 1 to 4 parts in decimal, octal or hex.
fn parse_aton(s: &[u8]) -> Option<Ipv4Addr> {
    let mut parts = [0u32; 4];
    let mut count = 0;
    let mut at = 0;
    loop {
        let (value, after) = aton_part(s, at)?;
        *parts.get_mut(count)? = value; // a fifth part fails here
        count += 1;
        match s.get(after) {
            None => break,
            Some(b'.') => at = after + 1,
            Some(_) => return None,
        }
    }
    // All but the last part are single bytes; the last fills what is left.
    let (last, leading) = parts.get(..count)?.split_last()?;
    if leading.iter().any(|&p| p > 0xff) {
        return None;
    }
    let last_bits = 8 * (4 - leading.len() as u32);
    if last_bits < 32 && *last >> last_bits != 0 {
        return None;
    }
    let mut word = *last;
    for (i, &p) in leading.iter().enumerate() {
        word |= p << (24 - 8 * i as u32);
    }
    Some(Ipv4Addr::from(word))
}

/// One part of an inet_aton address starting at `s[at]`: what `strtoul(p, &end, 0)` reads
/// when `p` starts with a digit (glibc checks `isdigit` first, so no sign or blank).
/// Returns the value and the index after the part; values above 32 bits fail.
fn aton_part(s: &[u8], at: usize) -> Option<(u32, usize)> {
    match (s.get(at)?, s.get(at + 1), s.get(at + 2)) {
        (b'1'..=b'9', ..) => digits::<10>(s, at),
        // "0x" counts as a prefix only when a hex digit follows; "0x" alone reads as "0".
        (b'0', Some(b'x' | b'X'), Some(d)) if d.is_ascii_hexdigit() => digits::<16>(s, at + 2),
        (b'0', ..) => digits::<8>(s, at),
        _ => None,
    }
}

/// The run of base-`RADIX` digits at `s[at..]`: its value (None above 32 bits) and end.
#[inline(always)]
fn digits<const RADIX: u32>(s: &[u8], mut at: usize) -> Option<(u32, usize)> {
    let mut value: u64 = 0;
    while let Some(&b) = s.get(at) {
        let digit = u32::from(HEX[usize::from(b)]);
        if digit >= RADIX {
            break;
        }
        value = value * u64::from(RADIX) + u64::from(digit);
        if value > u64::from(u32::MAX) {
            return None;
        }
        at += 1;
    }
    Some((value as u32, at))
}

/// Each byte's value as a hexadecimal digit, 0xff for bytes that are not one.
const HEX: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// False when `s` cannot be a numeric host of any form: a byte before the first `%` that no
/// inet_aton or inet_pton6 spelling has (most host names have one early on).
pub fn may_be_numeric(s: &[u8]) -> bool {
    s.iter()
        .take_while(|&&b| b != b'%')
        .all(|&b| HEX[usize::from(b)] <= 0xf || matches!(b, b'.' | b':' | b'x' | b'X'))
}

/// `inet_pton(AF_INET6, ...)` without a scope.
pub fn parse_ipv6(s: &[u8]) -> Option<Ipv6Addr> {
    match parse_ipv6_scoped(s)? {
        (ip, None) => Some(ip),
        (_, Some(_)) => None,
    }
}

/// getaddrinfo's IPv6 host: the text before the first `%` read by `inet_pton(AF_INET6)`,
/// and the scope after it ([`split_scope`] then [`parse_ipv6`], in one pass over the
/// bytes, as glibc's inet_pton6 reads them).
pub fn parse_ipv6_scoped(s: &[u8]) -> Option<(Ipv6Addr, Option<&[u8]>)> {
    // A host name fails here at once: an address starts with a hex digit or ':'.
    if HEX[usize::from(*s.first()?)] > 0xf && s.first() != Some(&b':') {
        return None;
    }
    let mut w = Words::default();
    let mut gap: Option<usize> = None; // where "::" stands
    let rest = match s {
        [b':', b':', rest @ ..] => {
            gap = Some(0);
            rest
        }
        [b':', ..] => return None, // a lone leading ':'
        _ => s,
    };
    let mut word = 0u32;
    let mut digits = 0; // of the group being read
    let mut after_group = false; // the last byte was the ':' that ends a group
    let mut scope = None;
    for (at, &b) in rest.iter().enumerate() {
        let digit = u32::from(HEX[usize::from(b)]);
        if digit <= 0xf {
            if digits == 4 {
                return None;
            }
            word = (word << 4) | digit;
            digits += 1;
            continue;
        }
        match b {
            b':' if digits > 0 => {
                if !w.push(word, gap) {
                    return None;
                }
                (word, digits, after_group) = (0, 0, true);
            }
            // "::" once, right after a group's ':' (a leading "::" was taken above).
            b':' if after_group && gap.is_none() => {
                gap = Some(w.filled);
                after_group = false;
            }
            b'.' if digits > 0 => {
                // A dotted quad ends the address and fills two words.
                let quad = rest.get(at - digits..)?;
                let (quad, after) = split_scope(quad);
                let [a, b, c, d] = parse_quad(quad)?.octets();
                if !w.push(u32::from_be_bytes([0, 0, a, b]), gap)
                    || !w.push(u32::from_be_bytes([0, 0, c, d]), gap)
                {
                    return None;
                }
                (digits, after_group, scope) = (0, false, after);
                break;
            }
            b'%' => {
                scope = rest.get(at + 1..);
                break;
            }
            _ => return None,
        }
    }
    if digits > 0 {
        if !w.push(word, gap) {
            return None;
        }
    } else if after_group {
        return None; // a single ':' must be followed by another group
    }
    let bits = match gap {
        None if w.filled == 8 => w.head,
        // "::" stands for at least one zero word (glibc: `if (tp == endp) return 0`).
        Some(0) if w.filled < 8 => w.tail,
        Some(at) if w.filled < 8 => (w.head << (16 * (8 - at))) | w.tail,
        _ => return None,
    };
    Some((Ipv6Addr::from(bits), scope))
}

/// The 16-bit words of an IPv6 address as they are read: those before "::" shift into
/// `head`, those after it into `tail`.
#[derive(Default)]
struct Words {
    head: u128,
    tail: u128,
    filled: usize,
}

impl Words {
    /// Adds a word; false once there are more than eight.
    fn push(&mut self, word: u32, gap: Option<usize>) -> bool {
        let half = if gap.is_none() {
            &mut self.head
        } else {
            &mut self.tail
        };
        *half = (*half << 16) | u128::from(word);
        self.filled += 1;
        self.filled <= 8
    }
}

/// `inet_pton(AF_INET, ...)`, as nss_files reads /etc/hosts addresses: exactly four decimal
/// parts 0-255 without leading zeros ("127.1" and "010.0.0.1" are not addresses there).
pub fn parse_ipv4_strict(s: &[u8]) -> Option<Ipv4Addr> {
    parse_quad(s)
}

/// inet_pton's strict dotted quad: four decimal parts 0-255, no leading zeros.
fn parse_quad(s: &[u8]) -> Option<Ipv4Addr> {
    // Exactly the addresses plain_quad calls plain.
    match plain_quad(s) {
        Quad::Plain(ip) => Some(ip),
        Quad::Other | Quad::NotIpv4 => None,
    }
}

/// getaddrinfo's split of `addr%scope` at the first `%`.
pub fn split_scope(s: &[u8]) -> (&[u8], Option<&[u8]>) {
    match s.iter().position(|&b| b == b'%') {
        Some(i) => (s.get(..i).unwrap_or_default(), s.get(i + 1..)),
        None => (s, None),
    }
}

/// `__inet6_scopeid_pton`: an interface name (only for link-local unicast, node-local and
/// link-local multicast addresses, and only if `ifindex` knows it), else a decimal number
/// 0..=u32::MAX made only of digits. Anything else fails, and getaddrinfo then answers
/// EAI_NONAME: glibc 2.36 gives `fe80::1%lo` → 1, `fe80::1%1` → 1, `fe80::1%nosuchif`,
/// `2001:db8::1%lo`, `::1%lo` and `fe80::1%` → EAI_NONAME, `::1%1` → 1.
pub fn parse_scope(
    addr: &Ipv6Addr,
    scope: &[u8],
    ifindex: &dyn Fn(&[u8]) -> Option<u32>,
) -> Option<u32> {
    if names_interfaces(addr) {
        if let Some(index) = ifindex(scope).filter(|&i| i != 0) {
            return Some(index);
        }
    }
    if !scope.first()?.is_ascii_digit() || !scope.iter().all(u8::is_ascii_digit) {
        return None;
    }
    scope.iter().try_fold(0u32, |v, &b| {
        v.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    })
}

/// IN6_IS_ADDR_LINKLOCAL, IN6_IS_ADDR_MC_NODELOCAL, IN6_IS_ADDR_MC_LINKLOCAL.
fn names_interfaces(addr: &Ipv6Addr) -> bool {
    let [a, b, ..] = addr.octets();
    (a == 0xfe && b & 0xc0 == 0x80) || (a == 0xff && matches!(b & 0x0f, 1 | 2))
}

/// inet_ntop(AF_INET): four decimal bytes.
pub fn fmt_ipv4(ip: Ipv4Addr, out: &mut dyn fmt::Write) -> fmt::Result {
    let [a, b, c, d] = ip.octets();
    write!(out, "{a}.{b}.{c}.{d}")
}

/// glibc's inet_ntop(AF_INET6): lower-case hex without leading zeros; the longest run of two
/// or more zero words (the first on ties) becomes "::"; "::ffff:a.b.c.d" when the first five
/// words are zero and the sixth is ffff, "::a.b.c.d" when only the last two words are non-zero
/// (so "::1" stays "::1" and "::0.1.0.0" is dotted).
pub fn fmt_ipv6(ip: Ipv6Addr, out: &mut dyn fmt::Write) -> fmt::Result {
    let words = ip.segments();
    let (run_start, run_len) = longest_zero_run(&words);
    let [.., a, b, c, d] = ip.octets();
    let dotted =
        run_start == 0 && (run_len == 6 || (run_len == 5 && words.get(5) == Some(&0xffff)));
    let mut next = 0;
    for (at, word) in words.iter().enumerate() {
        if at < next {
            continue; // inside the compressed run
        }
        if at == run_start && run_len > 0 {
            out.write_str(if at == 0 { "::" } else { ":" })?;
            next = at + run_len;
            continue;
        }
        if at == 6 && dotted {
            return write!(out, "{a}.{b}.{c}.{d}");
        }
        let sep = if at < 7 { ":" } else { "" };
        write!(out, "{word:x}{sep}")?;
    }
    Ok(())
}

/// (start, length) of the first longest run of ≥2 zero words, or (8, 0) if there is none.
fn longest_zero_run(words: &[u16; 8]) -> (usize, usize) {
    let mut best = (8, 0);
    let mut run = (0, 0);
    for (at, &word) in words.iter().enumerate() {
        if word != 0 {
            run = (at + 1, 0);
            continue;
        }
        run.1 += 1;
        if run.1 >= 2 && run.1 > best.1 {
            best = run;
        }
    }
    best
}

#[cfg(test)]
#[path = "numeric_tests.rs"]
mod tests;
