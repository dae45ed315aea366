//! Destination ordering exactly as glibc 2.36 does it (nss/getaddrinfo.c, rfc3484_sort):
//! RFC 3484's rules with glibc's tables and its quirks, applied to every node of the
//! answer, through glibc's own merge sort (msort) so that even its tie-breaks come out
//! the same. Sources are learned as glibc learns them — a UDP socket connected to each
//! destination — through netshim's syscalls, except where the kernel's answer is known
//! without asking (127.0.0.1 and ::1 are their own sources).

use super::addrconfig::Interfaces;
use super::found::Entry;
use super::gaiconf::{Policy, PrefixEntry};
use super::hostnet::HostNet;
use super::Address;
use crate::sys::{self, RawFd};
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What the sort knows about one node.
#[derive(Clone, Copy, Debug)]
pub struct SortInfo {
    pub dest: Address,
    pub source: Option<Address>,
    pub deprecated: bool,
    pub home: bool,
    pub prefixlen: u8,
    /// The interface of the source, when the source is one of the host's addresses
    /// (glibc finds it only when the host has a non-loopback IPv6 address: only then does
    /// its __check_pf return the address list).
    pub index: Option<u32>,
}

/// Learns each node's source (reusing the previous node's answer for the same address,
/// as glibc does) and sorts `entries` in place.
pub fn sort_entries(
    entries: &mut Vec<Entry>,
    policy: &Policy,
    interfaces: &Interfaces,
    net: &mut HostNet,
) {
    // glibc's first source probe is a cancellation point (its __connect), also for the
    // loopback addresses netshim does not probe, and for sources netshim remembers: a
    // cancelled lookup needs no order.
    if crate::sys::cancel::test().is_err() {
        return;
    }
    let mut probe = Prober {
        net,
        v4: None,
        v6: None,
    };
    let mut infos: Vec<SortInfo> = Vec::with_capacity(entries.len());
    for entry in entries.iter() {
        let previous = infos.last().filter(|p| p.dest == entry.addr).copied();
        let info = match previous {
            Some(p) => p,
            None => describe(entry.addr, probe.source_of(&entry.addr), interfaces),
        };
        infos.push(info);
    }
    probe.close();
    let order = order(&infos, policy);
    let sorted: Vec<Entry> = order
        .iter()
        .filter_map(|&i| entries.get(i).copied())
        .collect();
    *entries = sorted;
}

/// The sort's view of one destination and its source.
pub fn describe(dest: Address, source: Option<Address>, interfaces: &Interfaces) -> SortInfo {
    let mut info = SortInfo {
        dest,
        source,
        deprecated: false,
        home: false,
        prefixlen: 0,
        index: None,
    };
    if let (Some(src), true) = (source, interfaces.ipv6) {
        // glibc looks IPv4 sources of IPv4 destinations up v4-mapped, and any 127/8 source
        // as 127.0.0.1 (the lo interface's address).
        let key = match (dest.ip, src.ip) {
            (IpAddr::V4(_), IpAddr::V4(v4)) if v4.octets()[0] == 127 => {
                Ipv4Addr::LOCALHOST.to_ipv6_mapped().octets()
            }
            (_, IpAddr::V4(v4)) => v4.to_ipv6_mapped().octets(),
            (_, IpAddr::V6(v6)) => v6.octets(),
        };
        if let Some(found) = interfaces.find(&key) {
            info.deprecated = found.deprecated;
            info.home = found.home;
            info.prefixlen = found.prefixlen;
            info.index = Some(found.index);
        }
    }
    info
}

/// The permutation glibc's qsort_r (a merge sort in 2.36) produces with rfc3484_sort.
pub fn order(infos: &[SortInfo], policy: &Policy) -> Vec<usize> {
    let mut order: Vec<usize> = (0..infos.len()).collect();
    let mut tmp = Vec::with_capacity(infos.len());
    msort(&mut order, &mut tmp, &|a, b| {
        compare(a, &infos[a], b, &infos[b], policy)
    });
    order
}

/// glibc's msort_with_tmp: split in halves, sort each, merge taking from the first half
/// while cmp(first, second) <= 0. With rule 10 the comparator is a total order and any
/// sort would agree; the same algorithm is kept so that a comparator quirk not yet
/// reproduced still orders as glibc's does.
fn msort(v: &mut [usize], tmp: &mut Vec<usize>, cmp: &dyn Fn(usize, usize) -> Ordering) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    msort(&mut v[..n1], tmp, cmp);
    msort(&mut v[n1..], tmp, cmp);
    tmp.clear();
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(v[i], v[j]) != Ordering::Greater {
            tmp.push(v[i]);
            i += 1;
        } else {
            tmp.push(v[j]);
            j += 1;
        }
    }
    tmp.extend_from_slice(&v[i..n1]);
    let len = tmp.len();
    v[..len].copy_from_slice(tmp);
}

fn mapped(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

/// glibc's match_prefix: the first table entry whose first `bits` bits match.
fn match_prefix(ip: IpAddr, table: &[PrefixEntry], default: i32) -> i32 {
    let addr = mapped(ip);
    for e in table {
        let full = (e.bits / 8) as usize;
        let rest = e.bits % 8;
        if e.prefix[..full.min(16)] != addr[..full.min(16)] {
            continue;
        }
        if full >= 16 || rest == 0 || (e.prefix[full] ^ addr[full]) & (0xff00u16 >> rest) as u8 == 0
        {
            return e.value;
        }
    }
    default
}

fn scope(ip: IpAddr, policy: &Policy) -> i32 {
    match ip {
        IpAddr::V6(v6) => {
            let o = v6.octets();
            if o[0] == 0xff {
                i32::from(o[1] & 0xf)
            } else if (o[0] == 0xfe && o[1] & 0xc0 == 0x80) || v6 == Ipv6Addr::LOCALHOST {
                2 // link-local, and loopback as RFC 4291 §2.5.3 says
            } else if o[0] == 0xfe && o[1] & 0xc0 == 0xc0 {
                5 // site-local
            } else {
                14
            }
        }
        IpAddr::V4(v4) => {
            let a = u32::from(v4);
            policy
                .scopes
                .iter()
                .find(|s| a & s.netmask == s.net)
                .map_or(14, |s| s.scope)
        }
    }
}

/// glibc's "fls" in rfc3484_sort counts the leading zero bits: the common prefix length.
fn common_prefix(x: u32) -> u32 {
    x.leading_zeros()
}

/// glibc's netmask for rule 9: `0xffffffff << (32 - prefixlen)`, which for a prefix
/// length of 0 (source not found) is a shift by 32: the hardware's answer, not C's.
fn ipv4_netmask(prefixlen: u8) -> u32 {
    let shift = 32 - u32::from(prefixlen.min(32));
    if shift == 32 {
        // x86 masks the count to 0 (all ones); arm64 shifts everything out (zero).
        if cfg!(target_arch = "x86_64") {
            u32::MAX
        } else {
            0
        }
    } else {
        u32::MAX << shift
    }
}

/// rfc3484_sort: Less when `a1` (at position `i1` of the unsorted list) goes first.
fn compare(i1: usize, a1: &SortInfo, i2: usize, a2: &SortInfo, policy: &Policy) -> Ordering {
    use Ordering::{Greater, Less};
    // Rule 1: avoid unusable destinations.
    match (a1.source, a2.source) {
        (Some(_), None) => return Less,
        (None, Some(_)) => return Greater,
        _ => {}
    }
    let both = a1.source.zip(a2.source);
    let (d1, d2) = (a1.dest.ip, a2.dest.ip);
    let (d1_scope, d2_scope) = (scope(d1, policy), scope(d2, policy));
    if let Some((s1, s2)) = both {
        // Rule 2: prefer matching scope.
        let (m1, m2) = (
            d1_scope == scope(s1.ip, policy),
            d2_scope == scope(s2.ip, policy),
        );
        if m1 != m2 {
            return if m1 { Less } else { Greater };
        }
        // Rule 3: avoid deprecated addresses.
        if a1.deprecated != a2.deprecated {
            return if a2.deprecated { Less } else { Greater };
        }
        // Rule 4: prefer home addresses.
        if a1.home != a2.home {
            return if a1.home { Less } else { Greater };
        }
        // Rule 5: prefer matching label.
        let label = |ip| match_prefix(ip, &policy.labels, i32::MAX);
        let (m1, m2) = (label(d1) == label(s1.ip), label(d2) == label(s2.ip));
        if m1 != m2 {
            return if m1 { Less } else { Greater };
        }
    }
    // Rule 6: prefer higher precedence.
    let precedence = |ip| match_prefix(ip, &policy.precedence, 0);
    match precedence(d1).cmp(&precedence(d2)) {
        Ordering::Greater => return Less,
        Ordering::Less => return Greater,
        Ordering::Equal => {}
    }
    // Rule 7: prefer native transport, when the sources are on different interfaces. A
    // source found on an interface counts as native, one not found does not (glibc's
    // __check_native). TODO(behaviour): tunnel devices (sit, ip6tnl), which glibc counts
    // as not native, are not detected.
    if both.is_some() && a1.index != a2.index && a1.index.is_some() != a2.index.is_some() {
        return if a1.index.is_some() { Less } else { Greater };
    }
    // Rule 8: prefer smaller scope.
    match d1_scope.cmp(&d2_scope) {
        Ordering::Less => return Less,
        Ordering::Greater => return Greater,
        Ordering::Equal => {}
    }
    // Rule 9: use longest matching prefix (same family only).
    if let Some((s1, s2)) = both {
        let (bit1, bit2) = match (d1, s1.ip, d2, s2.ip) {
            (IpAddr::V4(d1), IpAddr::V4(s1), IpAddr::V4(d2), IpAddr::V4(s2)) => {
                let bits = |d: Ipv4Addr, s: Ipv4Addr, prefixlen| {
                    let (d, s, mask) = (u32::from(d), u32::from(s), ipv4_netmask(prefixlen));
                    if s & mask == d & mask {
                        common_prefix(d ^ s)
                    } else {
                        0
                    }
                };
                (bits(d1, s1, a1.prefixlen), bits(d2, s2, a2.prefixlen))
            }
            (IpAddr::V6(d1), IpAddr::V6(s1), IpAddr::V6(d2), IpAddr::V6(s2)) => {
                let words = |a: Ipv6Addr| {
                    let o = a.octets();
                    [0, 4, 8, 12].map(|i| u32::from_be_bytes([o[i], o[i + 1], o[i + 2], o[i + 3]]))
                };
                let (d1, s1, d2, s2) = (words(d1), words(s1), words(d2), words(s2));
                match (0..4).find(|&i| d1[i] != s1[i] || d2[i] != s2[i]) {
                    Some(i) => (common_prefix(d1[i] ^ s1[i]), common_prefix(d2[i] ^ s2[i])),
                    None => (0, 0),
                }
            }
            _ => (0, 0),
        };
        match bit1.cmp(&bit2) {
            Ordering::Greater => return Less,
            Ordering::Less => return Greater,
            Ordering::Equal => {}
        }
    }
    // Rule 10: otherwise leave the order unchanged.
    i1.cmp(&i2)
}

/// Source learning: one UDP socket per family, connected to each destination in turn
/// (connect on UDP sends nothing; the kernel only picks the route and source). Answers
/// are remembered until the host's addresses or routes change (hostnet).
struct Prober<'a> {
    net: &'a mut HostNet,
    v4: Option<RawFd>,
    v6: Option<RawFd>,
}

impl Prober<'_> {
    fn source_of(&mut self, dest: &Address) -> Option<Address> {
        // The kernel's answer for the loopback addresses is themselves: no syscall needed.
        match dest.ip {
            IpAddr::V4(v4) if v4 == Ipv4Addr::LOCALHOST => return Some(*dest),
            IpAddr::V6(v6) if v6 == Ipv6Addr::LOCALHOST => return Some(Address::new(dest.ip)),
            _ => {}
        }
        if let Some(known) = self.net.source(dest) {
            return known;
        }
        // No socket (EMFILE, say) says nothing about the destination: not remembered.
        let fd = self.socket_for(dest)?;
        let found = ask(fd, dest);
        self.net.remember(*dest, found);
        found
    }

    /// The family's probe socket, made on first use.
    fn socket_for(&mut self, dest: &Address) -> Option<RawFd> {
        let (family, slot) = match dest.ip {
            IpAddr::V4(_) => (libc::AF_INET, &mut self.v4),
            IpAddr::V6(_) => (libc::AF_INET6, &mut self.v6),
        };
        let fd = match *slot {
            Some(fd) => {
                // Dissolve the previous association first (connect to AF_UNSPEC).
                let _ = sys::net::connect(fd, &[0u8; super::sockaddr::SOCKADDR_IN_LEN]);
                fd
            }
            None => {
                let fd = sys::net::socket(family, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0).ok()?;
                *slot = Some(fd);
                fd
            }
        };
        Some(fd)
    }

    fn close(&mut self) {
        for fd in [self.v4.take(), self.v6.take()].into_iter().flatten() {
            let _ = sys::fs::close(fd);
        }
    }
}

/// The kernel's source address for `dest` on the probe socket `fd`; None: unreachable.
fn ask(fd: RawFd, dest: &Address) -> Option<Address> {
    let mut buf = [0u8; super::sockaddr::SOCKADDR_IN6_LEN];
    let len = super::sockaddr::encode(dest, 0, &mut buf);
    sys::net::connect(fd, &buf[..len]).ok()?;
    let mut name = [0u8; 28];
    let n = sys::net::getsockname(fd, &mut name).ok()?;
    super::sockaddr::decode(&name[..n.min(name.len())])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> Address {
        Address::new(s.parse().unwrap())
    }

    fn info(dest: &str, source: Option<&str>) -> SortInfo {
        SortInfo {
            dest: addr(dest),
            source: source.map(addr),
            deprecated: false,
            home: false,
            prefixlen: 0,
            index: None,
        }
    }

    fn sorted(infos: &[SortInfo], policy: &Policy) -> Vec<String> {
        order(infos, policy)
            .into_iter()
            .map(|i| infos[i].dest.ip.to_string())
            .collect()
    }

    #[test]
    fn loopback_v6_before_v4_by_precedence() {
        // glibc: getaddrinfo("localhost") → ::1 then 127.0.0.1 (precedence 50 vs 10).
        let infos = [
            info("127.0.0.1", Some("127.0.0.1")),
            info("::1", Some("::1")),
        ];
        assert_eq!(sorted(&infos, &Policy::default()), ["::1", "127.0.0.1"]);
        let prefer_v4 = Policy::parse(Some(b"precedence ::ffff:0:0/96 100\n"));
        let infos = [
            info("::1", Some("::1")),
            info("127.0.0.1", Some("127.0.0.1")),
        ];
        assert_eq!(sorted(&infos, &prefer_v4), ["127.0.0.1", "::1"]);
    }

    #[test]
    fn reachable_first_then_original_order() {
        let infos = [
            info("10.0.0.1", None),
            info("10.0.0.2", Some("10.0.0.9")),
            info("10.0.0.3", None),
        ];
        assert_eq!(
            sorted(&infos, &Policy::default()),
            ["10.0.0.2", "10.0.0.1", "10.0.0.3"]
        );
    }

    #[test]
    fn longest_matching_prefix_within_the_subnet() {
        let mut infos = [
            info("10.0.0.5", Some("10.0.0.1")),
            info("10.0.0.2", Some("10.0.0.1")),
            info("10.0.0.1", Some("10.0.0.1")),
        ];
        for i in &mut infos {
            i.prefixlen = 8;
        }
        assert_eq!(
            sorted(&infos, &Policy::default()),
            ["10.0.0.1", "10.0.0.2", "10.0.0.5"]
        );
    }

    #[test]
    fn source_on_an_interface_wins_rule_7() {
        let mut infos = [
            info("192.0.2.1", Some("192.0.2.10")),
            info("192.0.2.2", Some("192.0.2.10")),
        ];
        infos[1].index = Some(1);
        assert_eq!(
            sorted(&infos, &Policy::default()),
            ["192.0.2.2", "192.0.2.1"]
        );
    }

    #[test]
    fn msort_is_a_stable_merge_sort() {
        let keys = [5, 3, 5, 1, 3, 9, 0, 5];
        let mut v: Vec<usize> = (0..keys.len()).collect();
        let mut tmp = Vec::new();
        msort(&mut v, &mut tmp, &|a, b| keys[a].cmp(&keys[b]));
        assert_eq!(v, [6, 3, 1, 4, 0, 2, 7, 5]);
    }

    #[test]
    fn match_prefix_first_match_wins() {
        let p = Policy::default();
        let cases = [
            ("::1", 0),
            ("2002::1", 2),
            ("::1.2.3.4", 3),
            ("1.2.3.4", 4),
            ("fec0::1", 5),
            ("fd00::1", 6),
            ("2001::1", 7),
            ("2001:db8::1", 1),
        ];
        for (ip, want) in cases {
            assert_eq!(
                match_prefix(ip.parse().unwrap(), &p.labels, 1),
                want,
                "{ip}"
            );
        }
    }
}
