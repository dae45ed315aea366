//! Address → host name, written by getaddrinfo and read by connect: a fixed table of
//! atomics (a seqlock per slot). Readers never wait and never allocate: a slot being
//! written, or overwritten by another address, is simply a miss.

use core::net::IpAddr;
use core::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering::*};

const SLOTS: usize = 256;
/// Longer names are kept cut to this many bytes (a log line, not a resolver).
pub const NAME_MAX: usize = 64;

struct Slot {
    /// Even: stable; odd: being written.
    seq: AtomicU32,
    addr: [AtomicU64; 2],
    /// 4 or 6, 0 for an empty slot.
    family: AtomicU32,
    name_len: AtomicU32,
    name: [AtomicU64; NAME_MAX / 8],
}

impl Slot {
    const fn new() -> Self {
        Slot {
            seq: AtomicU32::new(0),
            addr: [const { AtomicU64::new(0) }; 2],
            family: AtomicU32::new(0),
            name_len: AtomicU32::new(0),
            name: [const { AtomicU64::new(0) }; NAME_MAX / 8],
        }
    }
}

static TABLE: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];

fn key(ip: &IpAddr) -> (u32, [u64; 2]) {
    match ip {
        IpAddr::V4(v4) => (4, [u64::from(u32::from(*v4)), 0]),
        IpAddr::V6(v6) => {
            let b = v6.octets();
            let hi = u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
            let lo = u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]);
            (6, [hi, lo])
        }
    }
}

fn slot_of(family: u32, addr: &[u64; 2]) -> &'static Slot {
    // FNV-1a over the address words: cheap and spreads consecutive addresses.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for w in [u64::from(family), addr[0], addr[1]] {
        h = (h ^ w).wrapping_mul(0x0000_0100_0000_01b3);
    }
    &TABLE[(h as usize) % SLOTS]
}

/// Remembers that `name` resolved to `ip` (the last lookup wins).
pub fn remember(ip: IpAddr, name: &[u8]) {
    let (family, addr) = key(&ip);
    let slot = slot_of(family, &addr);
    let seq = slot.seq.load(Relaxed);
    // A writer in progress (odd) or a lost race: skip, a later lookup will fill it.
    if seq % 2 == 1
        || slot
            .seq
            .compare_exchange(seq, seq + 1, Acquire, Relaxed)
            .is_err()
    {
        return;
    }
    slot.addr[0].store(addr[0], Relaxed);
    slot.addr[1].store(addr[1], Relaxed);
    slot.family.store(family, Relaxed);
    let len = name.len().min(NAME_MAX);
    let mut words = [0u64; NAME_MAX / 8];
    for (i, &b) in name[..len].iter().enumerate() {
        words[i / 8] |= u64::from(b) << (8 * (i % 8));
    }
    for (cell, w) in slot.name.iter().zip(words) {
        cell.store(w, Relaxed);
    }
    slot.name_len.store(len as u32, Relaxed);
    slot.seq.store(seq + 2, Release);
}

/// The name last remembered for `ip`, copied into `out`; 0 when unknown. A v4-mapped IPv6
/// address (::ffff:a.b.c.d, what a dual-stack socket connects to for an IPv4 destination,
/// as Java does for every one) finds the name remembered for its IPv4 address when it has
/// none of its own.
pub fn lookup(ip: &IpAddr, out: &mut [u8; NAME_MAX]) -> usize {
    match lookup_exact(ip, out) {
        0 => match ip {
            IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map_or(0, |v4| lookup_exact(&IpAddr::V4(v4), out)),
            IpAddr::V4(_) => 0,
        },
        len => len,
    }
}

fn lookup_exact(ip: &IpAddr, out: &mut [u8; NAME_MAX]) -> usize {
    let (family, addr) = key(ip);
    let slot = slot_of(family, &addr);
    let before = slot.seq.load(Acquire);
    if before % 2 == 1 || before == 0 {
        return 0;
    }
    let same = slot.family.load(Relaxed) == family
        && slot.addr[0].load(Relaxed) == addr[0]
        && slot.addr[1].load(Relaxed) == addr[1];
    let len = (slot.name_len.load(Relaxed) as usize).min(NAME_MAX);
    for (i, cell) in slot.name.iter().enumerate() {
        let w = cell.load(Relaxed).to_le_bytes();
        out[i * 8..i * 8 + 8].copy_from_slice(&w);
    }
    fence(Acquire);
    if !same || slot.seq.load(Relaxed) != before {
        return 0;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remember_and_lookup() {
        let ip: IpAddr = "192.0.2.77".parse().unwrap();
        let mut out = [0u8; NAME_MAX];
        assert_eq!(lookup(&ip, &mut out), 0);
        remember(ip, b"example.test");
        let n = lookup(&ip, &mut out);
        assert_eq!(&out[..n], b"example.test");
        let six: IpAddr = "2001:db8::77".parse().unwrap();
        remember(six, &[b'x'; 100]);
        assert_eq!(lookup(&six, &mut out), NAME_MAX);
        remember(ip, b"other.test");
        let n = lookup(&ip, &mut out);
        assert_eq!(&out[..n], b"other.test");
    }

    #[test]
    fn mapped_address_finds_the_ipv4_name() {
        let mut out = [0u8; NAME_MAX];
        let mapped: IpAddr = "::ffff:192.0.2.88".parse().unwrap();
        assert_eq!(lookup(&mapped, &mut out), 0);
        remember("192.0.2.88".parse().unwrap(), b"four.test");
        let n = lookup(&mapped, &mut out);
        assert_eq!(&out[..n], b"four.test");
        // A name remembered for the mapped address itself (AF_INET6 + AI_V4MAPPED) wins.
        remember(mapped, b"mapped.test");
        let n = lookup(&mapped, &mut out);
        assert_eq!(&out[..n], b"mapped.test");
        // Only ::ffff:0:0/96 is unmapped: the v4-compatible form is another address.
        let compat: IpAddr = "::192.0.2.88".parse().unwrap();
        assert_eq!(lookup(&compat, &mut out), 0);
    }
}
