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
    let mut parts = [0u32; 4];
    let mut count = 0;
    let mut rest = s;
    loop {
        let (value, after) = aton_part(rest)?;
        *parts.get_mut(count)? = value; // a fifth part fails here
        count += 1;
        match after.split_first() {
            None => break,
            Some((b'.', next)) => rest = next,
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

/// One part of an inet_aton address: what `strtoul(p, &end, 0)` reads when `p` starts with a
/// digit (glibc checks `isdigit` first, so no sign or blank). Values above 32 bits fail.
fn aton_part(s: &[u8]) -> Option<(u32, &[u8])> {
    if !s.first()?.is_ascii_digit() {
        return None;
    }
    let (radix, digits) = match s {
        // "0x" counts as a prefix only when a hex digit follows; "0x" alone reads as "0".
        [b'0', b'x' | b'X', d, ..] if d.is_ascii_hexdigit() => (16, s.get(2..)?),
        [b'0', ..] => (8, s),
        _ => (10, s),
    };
    let len = digits
        .iter()
        .position(|&b| !(b as char).is_digit(radix))
        .unwrap_or(digits.len());
    let (number, after) = digits.split_at(len);
    let mut value: u64 = 0;
    for &b in number {
        let digit = u64::from((b as char).to_digit(radix)?);
        value = value * u64::from(radix) + digit;
        if value > u64::from(u32::MAX) {
            return None;
        }
    }
    Some((value as u32, after))
}

/// `inet_pton(AF_INET6, ...)` without a scope.
pub fn parse_ipv6(s: &[u8]) -> Option<Ipv6Addr> {
    let mut words = [0u16; 8];
    let mut filled = 0; // words written so far
    let mut gap: Option<usize> = None; // where "::" stands
    let mut rest = s;
    if let [b':', b':', after @ ..] = rest {
        gap = Some(0);
        rest = after;
    } else if rest.first() == Some(&b':') {
        return None; // a lone leading ':'
    }
    while !rest.is_empty() {
        let hex_len = rest.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        match rest.get(hex_len) {
            Some(b'.') => {
                // A dotted quad ends the address and fills two words.
                let quad = parse_quad(rest)?;
                let [a, b, c, d] = quad.octets();
                *words.get_mut(filled)? = u16::from_be_bytes([a, b]);
                *words.get_mut(filled + 1)? = u16::from_be_bytes([c, d]);
                filled += 2;
                break;
            }
            _ if hex_len == 0 || hex_len > 4 => return None,
            _ => {}
        }
        let (group, after) = rest.split_at(hex_len);
        *words.get_mut(filled)? = group.iter().fold(0u16, |w, &b| {
            (w << 4) | (b as char).to_digit(16).unwrap_or(0) as u16
        });
        filled += 1;
        rest = match after {
            [] => after,
            [b':', b':', more @ ..] if gap.is_none() => {
                gap = Some(filled);
                more
            }
            // A single ':' must be followed by another group.
            [b':', more @ ..] if !more.is_empty() && more.first() != Some(&b':') => more,
            _ => return None,
        };
    }
    match gap {
        // "::" stands for at least one zero word (glibc: `if (tp == endp) return 0`).
        Some(at) if filled < 8 => {
            let moved = filled - at;
            words.copy_within(at..filled, 8 - moved);
            words.get_mut(at..8 - moved)?.fill(0);
        }
        None if filled == 8 => {}
        _ => return None,
    }
    Some(Ipv6Addr::from(words))
}

/// `inet_pton(AF_INET, ...)`, as nss_files reads /etc/hosts addresses: exactly four decimal
/// parts 0-255 without leading zeros ("127.1" and "010.0.0.1" are not addresses there).
pub fn parse_ipv4_strict(s: &[u8]) -> Option<Ipv4Addr> {
    parse_quad(s)
}

/// inet_pton's strict dotted quad: four decimal parts 0-255, no leading zeros.
fn parse_quad(s: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = s.split(|&b| b == b'.');
    for octet in octets.iter_mut() {
        let part = parts.next()?;
        let valid = match part {
            [b'0'] => true,
            [b'1'..=b'9', more @ ..] => more.len() < 3 && more.iter().all(u8::is_ascii_digit),
            _ => false,
        };
        if !valid {
            return None;
        }
        let value = part.iter().fold(0u32, |v, &b| v * 10 + u32::from(b - b'0'));
        *octet = u8::try_from(value).ok()?;
    }
    parts.next().is_none().then_some(Ipv4Addr::from(octets))
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
