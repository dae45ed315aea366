//! The address-sort policy: glibc's default RFC 3484 tables (with glibc's own values:
//! ::ffff:0:0/96 has precedence 10, not RFC 6724's 35) and /etc/gai.conf, parsed as
//! glibc's gaiconf_init does (nss/getaddrinfo.c): `label`, `precedence`, `scopev4`,
//! `reload`. Any entry of a kind replaces that whole default table; a table without a
//! ::/0 entry gets one (label 1, precedence 40, scope 14).

use alloc::vec::Vec;
use core::net::Ipv6Addr;

/// A prefix and the value it maps to. Entries are matched in table order, first match wins.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PrefixEntry {
    pub prefix: [u8; 16],
    pub bits: u32,
    pub value: i32,
}

/// An IPv4 scope rule: `addr & netmask == net` gives `scope`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ScopeEntry {
    pub net: u32,
    pub netmask: u32,
    pub scope: i32,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Policy {
    pub labels: Vec<PrefixEntry>,
    pub precedence: Vec<PrefixEntry>,
    pub scopes: Vec<ScopeEntry>,
    /// `reload yes`: re-read the file when it changes (glibc's default is to read it once).
    pub reload: bool,
}

const fn v6(segments: [u16; 8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < 8 {
        out[2 * i] = (segments[i] >> 8) as u8;
        out[2 * i + 1] = segments[i] as u8;
        i += 1;
    }
    out
}

const fn entry(segments: [u16; 8], bits: u32, value: i32) -> PrefixEntry {
    PrefixEntry {
        prefix: v6(segments),
        bits,
        value,
    }
}

/// glibc's default_labels, in glibc's order.
const DEFAULT_LABELS: [PrefixEntry; 8] = [
    entry([0, 0, 0, 0, 0, 0, 0, 1], 128, 0),
    entry([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, 2),
    entry([0; 8], 96, 3),
    entry([0, 0, 0, 0, 0, 0xffff, 0, 0], 96, 4),
    entry([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, 5),
    entry([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, 6),
    entry([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, 7),
    entry([0; 8], 0, 1),
];

/// glibc's default_precedence, in glibc's order.
const DEFAULT_PRECEDENCE: [PrefixEntry; 5] = [
    entry([0, 0, 0, 0, 0, 0, 0, 1], 128, 50),
    entry([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, 30),
    entry([0; 8], 96, 20),
    entry([0, 0, 0, 0, 0, 0xffff, 0, 0], 96, 10),
    entry([0; 8], 0, 40),
];

/// glibc's default_scopes: 169.254/16 and 127/8 are link-local (2), the rest global (14).
const DEFAULT_SCOPES: [ScopeEntry; 3] = [
    ScopeEntry {
        net: 0xa9fe_0000,
        netmask: 0xffff_0000,
        scope: 2,
    },
    ScopeEntry {
        net: 0x7f00_0000,
        netmask: 0xff00_0000,
        scope: 2,
    },
    ScopeEntry {
        net: 0,
        netmask: 0,
        scope: 14,
    },
];

impl Default for Policy {
    fn default() -> Self {
        Policy {
            labels: DEFAULT_LABELS.to_vec(),
            precedence: DEFAULT_PRECEDENCE.to_vec(),
            scopes: DEFAULT_SCOPES.to_vec(),
            reload: false,
        }
    }
}

impl Policy {
    /// Parses gai.conf (None: the file is missing, so the defaults).
    pub fn parse(text: Option<&[u8]>) -> Self {
        let mut policy = Policy::default();
        let Some(text) = text else { return policy };
        let (mut labels, mut precedence, mut scopes) = (Vec::new(), Vec::new(), Vec::new());
        for line in text.split(|&b| b == b'\n') {
            let line = line.split(|&b| b == b'#').next().unwrap_or_default();
            let mut words = line
                .split(|b| b.is_ascii_whitespace())
                .filter(|w| !w.is_empty());
            let (Some(cmd), val1, val2) = (
                words.next(),
                words.next().unwrap_or_default(),
                words.next().unwrap_or_default(),
            ) else {
                continue;
            };
            match cmd {
                b"label" => labels.extend(prefix_entry(val1, val2)),
                b"precedence" => precedence.extend(prefix_entry(val1, val2)),
                b"scopev4" => scopes.extend(scope_entry(val1, val2)),
                b"reload" => policy.reload = val1 == b"yes",
                _ => {}
            }
        }
        if !labels.is_empty() {
            policy.labels = finish_prefixes(labels, 1);
        }
        if !precedence.is_empty() {
            policy.precedence = finish_prefixes(precedence, 40);
        }
        if !scopes.is_empty() {
            if !scopes.iter().any(|s: &ScopeEntry| s.netmask == 0) {
                scopes.push(ScopeEntry {
                    net: 0,
                    netmask: 0,
                    scope: 14,
                });
            }
            // Longest mask first (glibc's scopecmp); equal masks keep file order.
            scopes.sort_by(|a, b| b.netmask.count_ones().cmp(&a.netmask.count_ones()));
            policy.scopes = scopes;
        }
        policy
    }
}

/// Adds the ::/0 catch-all when missing and sorts longest prefix first (glibc's
/// prefixcmp; equal lengths keep file order, as glibc's merge sort does).
fn finish_prefixes(mut list: Vec<PrefixEntry>, default: i32) -> Vec<PrefixEntry> {
    if !list.iter().any(|e| e.bits == 0) {
        list.push(PrefixEntry {
            prefix: [0; 16],
            bits: 0,
            value: default,
        });
    }
    list.sort_by(|a, b| b.bits.cmp(&a.bits));
    list
}

/// `PREFIX[/BITS] VALUE` for label and precedence: an IPv6 prefix, BITS ≤ 128,
/// 0 ≤ VALUE ≤ INT_MAX.
fn prefix_entry(val1: &[u8], val2: &[u8]) -> Option<PrefixEntry> {
    let (addr, bits) = split_bits(val1, 128)?;
    let prefix = super::numeric::parse_ipv6(addr)?;
    (bits <= 128).then_some(())?;
    Some(PrefixEntry {
        prefix: prefix.octets(),
        bits,
        value: value(val2)?,
    })
}

/// `ADDR[/BITS] SCOPE` for scopev4: a v4-mapped IPv6 prefix with 96 ≤ BITS ≤ 128, or an
/// IPv4 address with BITS ≤ 32.
fn scope_entry(val1: &[u8], val2: &[u8]) -> Option<ScopeEntry> {
    let slash = val1.iter().position(|&b| b == b'/');
    let addr = &val1[..slash.unwrap_or(val1.len())];
    if let Some(v6addr) = super::numeric::parse_ipv6(addr) {
        let v4 = Ipv6Addr::to_ipv4_mapped(&v6addr)?;
        let (_, bits) = split_bits(val1, 128)?;
        if !(96..=128).contains(&bits) {
            return None;
        }
        let netmask = if bits == 96 {
            0
        } else {
            u32::MAX << (128 - bits)
        };
        return Some(ScopeEntry {
            net: u32::from(v4) & netmask,
            netmask,
            scope: value(val2)?,
        });
    }
    let v4 = super::numeric::parse_ipv4_strict(addr)?;
    let (_, bits) = split_bits(val1, 32)?;
    if bits > 32 {
        return None;
    }
    let netmask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    Some(ScopeEntry {
        net: u32::from(v4) & netmask,
        netmask,
        scope: value(val2)?,
    })
}

fn split_bits(text: &[u8], default: u32) -> Option<(&[u8], u32)> {
    match text.iter().position(|&b| b == b'/') {
        None => Some((text, default)),
        Some(i) => {
            let digits = &text[i + 1..];
            if digits.is_empty() || digits.len() > 3 || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some((
                &text[..i],
                digits.iter().fold(0, |v, d| v * 10 + u32::from(d - b'0')),
            ))
        }
    }
}

fn value(text: &[u8]) -> Option<i32> {
    if text.is_empty() || text.len() > 10 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    i32::try_from(text.iter().fold(0u64, |v, d| v * 10 + u64::from(d - b'0'))).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_missing_or_empty() {
        assert_eq!(Policy::parse(None), Policy::default());
        assert_eq!(Policy::parse(Some(b"# nothing\n\n")), Policy::default());
    }

    #[test]
    fn prefer_ipv4_recipe_replaces_the_precedence_table() {
        let p = Policy::parse(Some(b"precedence ::ffff:0:0/96  100\n"));
        assert_eq!(p.labels, DEFAULT_LABELS.to_vec());
        assert_eq!(
            p.precedence,
            vec![
                entry([0, 0, 0, 0, 0, 0xffff, 0, 0], 96, 100),
                entry([0; 8], 0, 40)
            ]
        );
    }

    #[test]
    fn entries_sorted_longest_first_and_bad_lines_skipped() {
        let text = b"label ::/0 9\nlabel 2001:db8::/32 3 # comment\nlabel ::1/128 1\nlabel bogus/8 1\nlabel ::/129 1\nlabel ::/8\nlabel ::/8 -1\nreload yes\n";
        let p = Policy::parse(Some(text));
        let bits: Vec<(u32, i32)> = p.labels.iter().map(|e| (e.bits, e.value)).collect();
        assert_eq!(bits, vec![(128, 1), (32, 3), (0, 9)]);
        assert!(p.reload);
    }

    #[test]
    fn scopev4_forms() {
        let p = Policy::parse(Some(b"scopev4 ::ffff:169.254.0.0/112 2\nscopev4 10.0.0.0/8 5\nscopev4 ::ffff:0.0.0.0/96 14\n"));
        assert_eq!(
            p.scopes,
            vec![
                ScopeEntry {
                    net: 0xa9fe_0000,
                    netmask: 0xffff_0000,
                    scope: 2
                },
                ScopeEntry {
                    net: 0x0a00_0000,
                    netmask: 0xff00_0000,
                    scope: 5
                },
                ScopeEntry {
                    net: 0,
                    netmask: 0,
                    scope: 14
                },
            ]
        );
        let p = Policy::parse(Some(b"scopev4 ::1/128 3\nscopev4 ::ffff:1.2.3.4/95 3\n"));
        assert_eq!(p.scopes, DEFAULT_SCOPES.to_vec());
    }
}
