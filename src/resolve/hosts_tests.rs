//! Tables for hosts.rs; expected values are glibc 2.36's getaddrinfo / getnameinfo answers on
//! the same fixture lines (tools/glibc-probes, bind-mounted /etc/hosts).
#![allow(clippy::type_complexity)] // (input, expected) tables
use super::*;
use crate::resolve::lines::is_space;
use alloc::string::String;
use alloc::vec::Vec;

const FIXTURE: &[u8] = b"\
10.128.0.1 first shared
2001:db8:8000::1 six shared
10.128.0.2 shared
10.128.0.3 v4only
foo.\t10.128.0.9 bad
10.128.0.10 dotted. \n\
10.128.0.11\tTAB\tTab2\x0bvt\x0cff\r
10.128.0.12 hash#comment
10.128.0.13 x # y
127.1 short
010.128.0.14 octal
10.128.0.15
 10.128.0.16 lead
2001:db8:8000::17%lo scoped
fe80::18%lo scoped2
2001:db8:8000::19/64 cidr
10.128.0.20 dup
10.128.0.20 dup
::ffff:10.128.0.21 mapped
10.128.0.22 nul\0ed
10.128.0.23 after-nul
10.128.0.24 uni\xc3\xa9
10.128.0.25 under_score -dash
10.1.0.9 a a A b
10.128.0.5 multi
2001:db8:8000::3 multi
10.128.0.1 multi alias1
2001:db8:8000::5 MULTI
  10.128.0.26 last";

/// (address, official name) of every match, in order.
fn answers(h: &Hosts, name: &[u8]) -> Vec<(String, String)> {
    h.lookup(name).map_or(Vec::new(), |m| {
        m.iter()
            .map(|e| {
                let ip = alloc::format!("{}", e.address.ip);
                (ip, String::from_utf8_lossy(e.name).into_owned())
            })
            .collect()
    })
}

#[test]
fn lookup_table() {
    let h = parse(FIXTURE);
    let cases: &[(&[u8], &[(&str, &str)])] = &[
        (
            b"shared",
            &[
                ("10.128.0.1", "first"),
                ("2001:db8:8000::1", "six"),
                ("10.128.0.2", "shared"),
            ],
        ),
        (
            b"SHARED",
            &[
                ("10.128.0.1", "first"),
                ("2001:db8:8000::1", "six"),
                ("10.128.0.2", "shared"),
            ],
        ),
        (b"v4only", &[("10.128.0.3", "v4only")]),
        (b"foo.", &[]),
        (b"bad", &[]),
        (b"dotted.", &[("10.128.0.10", "dotted.")]),
        (b"dotted", &[]),
        (b"tab", &[("10.128.0.11", "TAB")]),
        (b"tab2", &[("10.128.0.11", "TAB")]),
        (b"vt", &[("10.128.0.11", "TAB")]),
        (b"ff", &[("10.128.0.11", "TAB")]),
        (b"ff\r", &[]),
        (b"hash", &[("10.128.0.12", "hash")]),
        (b"hash#comment", &[]),
        (b"x", &[("10.128.0.13", "x")]),
        (b"y", &[]),
        (b"#", &[]),
        (b"short", &[]),
        (b"octal", &[]),
        (b"10.128.0.15", &[]),
        // A line with an address and no name has an empty official name, which "" finds
        // (measured: glibc 2.36 getaddrinfo("") answers with that address).
        (b"", &[("10.128.0.15", "")]),
        (b"lead", &[("10.128.0.16", "lead")]),
        (b"scoped", &[]),
        (b"scoped2", &[]),
        (b"cidr", &[]),
        (b"dup", &[("10.128.0.20", "dup"), ("10.128.0.20", "dup")]),
        (b"mapped", &[("::ffff:10.128.0.21", "mapped")]),
        (b"nul", &[("10.128.0.22", "nul")]),
        (b"nul\0ed", &[]),
        (b"ed", &[]),
        (b"after-nul", &[("10.128.0.23", "after-nul")]),
        (b"uni\xc3\xa9", &[("10.128.0.24", "uni\u{e9}")]),
        (b"UNI\xc3\xa9", &[("10.128.0.24", "uni\u{e9}")]),
        (b"uni\xc3\x89", &[]), // only ASCII folds
        (b"-dash", &[("10.128.0.25", "under_score")]),
        (b"a", &[("10.1.0.9", "a")]),
        (b"b", &[("10.1.0.9", "a")]),
        (
            b"multi",
            &[
                ("10.128.0.5", "multi"),
                ("2001:db8:8000::3", "multi"),
                ("10.128.0.1", "multi"),
                ("2001:db8:8000::5", "MULTI"),
            ],
        ),
        (b"alias1", &[("10.128.0.1", "multi")]),
        (b"last", &[]), // glibc reads the indented, unterminated last line as "... lastst"
        (b"lastst", &[("10.128.0.26", "lastst")]),
        (b"nothere", &[]),
    ];
    for (name, want) in cases {
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, n)| (String::from(*a), String::from(*n)))
            .collect();
        assert_eq!(
            answers(&h, name),
            want,
            "{:?}",
            String::from_utf8_lossy(name)
        );
    }
    assert_eq!(
        h.lookup(b"shared").map(|m| m.canonical()),
        Some(&b"first"[..])
    );
    assert_eq!(h.lookup(b"shared").map(|m| m.len()), Some(3));
    assert!(h.lookup(b"nothere").is_none());
}

#[test]
fn name_of_table() {
    const FILE: &[u8] = b"10.1.0.1 first\n10.1.0.1 second\n::ffff:10.1.0.2 mappedname\n\
        10.1.0.2 plain2\n10.1.0.3 three\n::ffff:10.1.0.3 mapped3\n2001:db8::7 six\n";
    let h = parse(FILE);
    let cases: &[(&str, Option<&[u8]>)] = &[
        ("10.1.0.1", Some(b"first")),
        ("10.1.0.2", Some(b"mappedname")),
        ("::ffff:10.1.0.2", Some(b"mappedname")),
        ("10.1.0.3", Some(b"three")),
        ("::ffff:10.1.0.3", Some(b"mapped3")),
        ("2001:db8::7", Some(b"six")),
        ("10.9.9.9", None),
        ("::ffff:10.1.0.1", None),
    ];
    let loop6 = parse(b"::1 six-loop\n127.0.0.1 four-loop\n");
    let v4 = Address::new(IpAddr::V4(core::net::Ipv4Addr::LOCALHOST));
    assert_eq!(loop6.name_of(&v4), Some(&b"six-loop"[..]));
    assert_eq!(loop6.name_of(&v4), Some(&b"six-loop"[..])); // the index agrees
    for &(ip, want) in cases {
        let ip: IpAddr = ip
            .parse()
            .unwrap_or(IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED));
        assert_eq!(h.name_of(&Address::new(ip)), want, "{ip}");
    }
}

#[test]
fn long_names_and_hostile_input() {
    let long = [b'a'; 1100];
    let mut text = Vec::from(&b"10.128.0.2 "[..]);
    text.extend_from_slice(&long);
    text.push(b'\n');
    let h = parse(&text);
    assert_eq!(h.lookup(&long).map(|m| m.len()), Some(1));

    let mut junk = Vec::new();
    let mut seed = 99u32;
    for _ in 0..30_000 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let pick = b"1.0:af \t\r\n#\0%xX";
        junk.push(
            pick.get((seed >> 16) as usize % pick.len())
                .copied()
                .unwrap_or(b'1'),
        );
    }
    let h = parse(&junk);
    let _ = h.lookup(b"a").map(|m| m.iter().count());
    let _ = h.name_of(&Address::new(IpAddr::V4(core::net::Ipv4Addr::LOCALHOST)));
    let empty = parse(b"");
    assert!(empty.lookup(b"").is_none());
}

/// A 10,000-line file answers in well under a microsecond per lookup (run in release:
/// `cargo test --release --lib hosts -- --ignored --nocapture`).
#[test]
#[ignore]
fn lookup_speed() {
    extern crate std;
    use std::{format, time::Instant};
    let mut text = Vec::new();
    for i in 0..10_000u32 {
        let line = format!(
            "10.{}.{}.{} host{i}.example.com host{i} Alias{i}\n",
            i >> 16,
            (i >> 8) & 255,
            i & 255
        );
        text.extend_from_slice(line.as_bytes());
    }
    let h = parse(&text);
    let names: Vec<_> = (0..1000).map(|i| format!("ALIAS{}", i * 10)).collect();
    let start = Instant::now();
    let mut found = 0;
    for _ in 0..100 {
        for n in &names {
            found += h.lookup(n.as_bytes()).map_or(0, |m| m.len());
        }
    }
    let per = start.elapsed() / 100_000;
    std::println!("hosts lookup: {per:?} per lookup ({found} found)");
    assert_eq!(found, 100_000);
    assert!(per.as_nanos() < 1000);
}

/// The first lookup of a file scans it, later ones use the index: both answer alike, for
/// every word of the fixture (and its upper-case form) and every address.
#[test]
fn scan_and_index_agree() {
    let warm = parse(FIXTURE);
    let _ = warm.lookup(b"warm-up");
    let _ = warm.name_of(&Address::new(IpAddr::V4(core::net::Ipv4Addr::LOCALHOST)));
    let mut words: Vec<Vec<u8>> = FIXTURE
        .split(|&b| is_space(b) || b == 0 || b == b'#')
        .map(|w| w.to_vec())
        .collect();
    words.extend(words.clone().iter().map(|w| w.to_ascii_uppercase()));
    words.extend([b"".to_vec(), b"lastst".to_vec(), b"nothere".to_vec()]);
    for word in &words {
        let fresh = parse(FIXTURE);
        assert_eq!(
            answers(&fresh, word),
            answers(&warm, word),
            "{:?}",
            String::from_utf8_lossy(word)
        );
        if let Some(ip) = core::str::from_utf8(word)
            .ok()
            .and_then(|w| w.parse::<IpAddr>().ok())
        {
            let fresh = parse(FIXTURE);
            let addr = Address::new(ip);
            assert_eq!(fresh.name_of(&addr), warm.name_of(&addr), "{ip}");
        }
    }
}

/// The word-at-a-time field end agrees with the byte-by-byte one on every position of
/// text made of blanks, '#', control bytes, high bytes and letters.
#[test]
fn skip_field_agrees_with_bytewise() {
    let mut text = Vec::new();
    let mut seed = 7u32;
    let pick = b"ab\t #\n\x01\x1f\x21\x22\x24\x80\xa3\xff\x0b\r";
    for _ in 0..5_000 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        text.push(pick[(seed >> 16) as usize % pick.len()]);
    }
    for at in 0..text.len() {
        assert_eq!(skip_field(&text, at), skip(&text, at, FIELD), "at {at}");
    }
}
