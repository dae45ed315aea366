//! Tables for numeric.rs. Expected values are glibc 2.36's answers, taken from
//! getaddrinfo(AI_NUMERICHOST), inet_pton and inet_ntop probes (tools/glibc-probes).
#![allow(clippy::type_complexity)] // (input, expected) tables
use super::*;
use alloc::string::String;

fn v4(s: &str) -> Option<Ipv4Addr> {
    s.parse().ok()
}

#[test]
fn ipv4_as_getaddrinfo_reads_it() {
    let cases: &[(&[u8], &str)] = &[
        (b"127.0.0.1", "127.0.0.1"),
        (b"127.1", "127.0.0.1"),
        (b"0x7f.1", "127.0.0.1"),
        (b"0X7F.1", "127.0.0.1"),
        (b"017.0.0.1", "15.0.0.1"),
        (b"2130706433", "127.0.0.1"),
        (b"1.2.3", "1.2.0.3"),
        (b"1.2", "1.0.0.2"),
        (b"0", "0.0.0.0"),
        (b"00", "0.0.0.0"),
        (b"0x0", "0.0.0.0"),
        (b"1.2.65535", "1.2.255.255"),
        (b"1.16777215", "1.255.255.255"),
        (b"4294967295", "255.255.255.255"),
        (b"0xffffffff", "255.255.255.255"),
        (b"037777777777", "255.255.255.255"),
        (b"00000000000000000000000001.1", "1.0.0.1"),
        (b"255.255.255.255", "255.255.255.255"),
        (b"1.2.3.04", "1.2.3.4"),
        (b"1.2.3.0x4", "1.2.3.4"),
        (b"0x000000000000000000001.2", "1.0.0.2"),
        // Rejected by glibc (EAI_NONAME under AI_NUMERICHOST):
        (b"", ""),
        (b"0x", ""),
        (b"08", ""),
        (b"09.1.1.1", ""),
        (b"1.2.3.4.", ""),
        (b".1.2.3", ""),
        (b"1..2.3", ""),
        (b"127.0.0.1 ", ""),
        (b" 127.0.0.1", ""),
        (b"127.0.0.1x", ""),
        (b"256.1.1.1", ""),
        (b"1.256.1.1", ""),
        (b"1.2.3.256", ""),
        (b"1.2.65536", ""),
        (b"1.16777216", ""),
        (b"4294967296", ""),
        (b"99999999999999999999", ""),
        (b"0x100000000", ""),
        (b"040000000000", ""),
        (b"1.2.3.4.5", ""),
        (b"1.2.3.4\t", ""),
        (b"1.2.3.4\n", ""),
        (b"-1", ""),
        (b"+1", ""),
        (b"1.-1", ""),
        (b"1.+1", ""),
        (b"0x.1", ""),
        (b"1.0x", ""),
        (b"0xfffffffffffffffffffff", ""),
        (b"1e1", ""),
        (b"1.2.3.4%lo", ""),
        (b"1.2.3.4\0", ""),
        (b"::1", ""),
        (b"\xff", ""),
    ];
    for (input, want) in cases {
        assert_eq!(
            parse_ipv4(input),
            v4(want),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn ipv4_as_inet_pton_reads_it() {
    let cases: &[(&[u8], &str)] = &[
        (b"1.2.3.4", "1.2.3.4"),
        (b"0.0.0.0", "0.0.0.0"),
        (b"0.1.2.3", "0.1.2.3"),
        (b"255.255.255.255", "255.255.255.255"),
        (b"01.2.3.4", ""),
        (b"00.1.2.3", ""),
        (b"000.1.2.3", ""),
        (b"1.2.3.0256", ""),
        (b"1.2.3.256", ""),
        (b"1.2.3", ""),
        (b"127.1", ""),
        (b"1.2.3.4.", ""),
        (b"1.2.3.4 ", ""),
        (b"1.2.3.4\0junk", ""),
        (b"0x7f.0.0.1", ""),
        (b"", ""),
        (b"...", ""),
    ];
    for (input, want) in cases {
        let got = parse_ipv4_strict(input);
        assert_eq!(got, v4(want), "{:?}", String::from_utf8_lossy(input));
    }
}

fn v6(hex: &str) -> Option<Ipv6Addr> {
    u128::from_str_radix(hex, 16).ok().map(Ipv6Addr::from)
}

#[test]
fn ipv6_as_inet_pton_reads_it() {
    let cases: &[(&[u8], &str)] = &[
        (b"::", "0"),
        (b"::1", "1"),
        (b"1::", "00010000000000000000000000000000"),
        (b"1::2", "00010000000000000000000000000002"),
        (b"::ffff:1.2.3.4", "00000000000000000000ffff01020304"),
        (b"::FFFF:1.2.3.4", "00000000000000000000ffff01020304"),
        (b"::1.2.3.4", "00000000000000000000000001020304"),
        (b"1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304"),
        (b"1:2:3:4:5::1.2.3.4", "00010002000300040005000001020304"),
        (b"1::1.2.3.4", "00010000000000000000000001020304"),
        (b"1:2:3:4:5:6:7:8", "00010002000300040005000600070008"),
        (b"1:2:3:4:5:6:7::", "00010002000300040005000600070000"),
        (b"::2:3:4:5:6:7:8", "00000002000300040005000600070008"),
        (b"1::2:3:4:5:6:7", "00010000000200030004000500060007"),
        (b"0001:2::1", "00010002000000000000000000000001"),
        (b"ABCD::EF", "abcd00000000000000000000000000ef"),
        (
            b"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "ffffffffffffffffffffffffffffffff",
        ),
        (
            b"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
            "ffffffffffffffffffffffffffffffff",
        ),
        (b"0:0:0:0:0:0:0:0", "0"),
        (b"::0:0:0:0:0:0:0", "0"),
        (b"::0", "0"),
        (b"0::", "0"),
        (b"::0.0.0.0", "0"),
        // Rejected by glibc:
        (b"", ""),
        (b":", ""),
        (b":::", ""),
        (b":1::2", ""),
        (b"1::2:", ""),
        (b"1::2::3", ""),
        (b":::1", ""),
        (b"1:::2", ""),
        (b"1:2:3:4:5:6:7:8:9", ""),
        (b"1:2:3:4:5:6:7", ""),
        (b"1:2", ""),
        (b"1:2:3:4::5:6:7:8", ""),
        (b"1:2:3:4:5:6:7:8::", ""),
        (b"::1:2:3:4:5:6:7:8", ""),
        (b"1::2:3:4:5:6:7:8", ""),
        (b"1:2:3:4:5:6::1.2.3.4", ""),
        (b"1:2:3:4:5:6:7:1.2.3.4", ""),
        (b"12345::1", ""),
        (b"00001::1", ""),
        (b"g::1", ""),
        (b"::g", ""),
        (b"::1.2.3", ""),
        (b"::1.2.3.4.5", ""),
        (b"::01.2.3.4", ""),
        (b"::1.2.3.04", ""),
        (b"::256.1.1.1", ""),
        (b"::1.2.3.0256", ""),
        (b"1.2.3.4::", ""),
        (b"::1.2.3.4:1", ""),
        (b"::1.2.3.4x", ""),
        (b"::1..2.3", ""),
        (b"::.1.2.3", ""),
        (b"::1.2.3.", ""),
        (b"::1.2.3.4.", ""),
        (b"::1a.2.3.4", ""),
        (b"::0x1", ""),
        (b"::ffff:0x1.2.3.4", ""),
        (b"::1 ", ""),
        (b" ::1", ""),
        (b"::1\0", ""),
        (b"[::1]", ""),
        (b"fe80::1%lo", ""),
        (b"1.2.3.4", ""),
        (b"127.1", ""),
        (b"\xff::", ""),
    ];
    for (input, want) in cases {
        assert_eq!(
            parse_ipv6(input),
            v6(want),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

/// A pretend interface table: only "lo" (index 1) and "eth0" (index 2) exist.
fn ifindex(name: &[u8]) -> Option<u32> {
    match name {
        b"lo" => Some(1),
        b"eth0" => Some(2),
        b"1" => Some(0), // if_nametoindex's 0 means "none"
        _ => None,
    }
}

#[test]
fn scope_as_getaddrinfo_reads_it() {
    // (full node string, expected scope id or None for EAI_NONAME)
    let cases: &[(&[u8], Option<u32>)] = &[
        (b"fe80::1%lo", Some(1)),
        (b"fe80::1%eth0", Some(2)),
        (b"fe80::1%1", Some(1)),
        (b"fe80::1%01", Some(1)),
        (b"fe80::1%0", Some(0)),
        (b"fe80::1%4294967295", Some(u32::MAX)),
        (b"febf::1%lo", Some(1)),
        (b"ff02::1%lo", Some(1)),
        (b"ff01::1%lo", Some(1)),
        (b"ff12::1%lo", Some(1)),
        (b"2001:db8::1%5", Some(5)),
        (b"::1%1", Some(1)),
        (b"fe80::1%nosuchif", None),
        (b"fe80::1%", None),
        (b"2001:db8::1%lo", None),
        (b"::1%lo", None),
        (b"ff05::1%lo", None),
        (b"fec0::1%lo", None),
        (b"fe80::1%4294967296", None),
        (b"fe80::1%99999999999999999999999", None),
        (b"fe80::1%-1", None),
        (b"fe80::1%+1", None),
        (b"fe80::1%1x", None),
        (b"fe80::1%1%2", None),
        (b"fe80::1% 1", None),
        (b"fe80::1%1 ", None),
        (b"fe80::1%LO", None),
    ];
    for (input, want) in cases {
        let (addr, scope) = split_scope(input);
        let addr = parse_ipv6(addr).unwrap_or(Ipv6Addr::UNSPECIFIED);
        let got = parse_scope(&addr, scope.unwrap_or_default(), &ifindex);
        assert_eq!(got, *want, "{:?}", String::from_utf8_lossy(input));
    }
}

#[test]
fn split_scope_table() {
    let cases: &[(&[u8], &[u8], Option<&[u8]>)] = &[
        (b"::1", b"::1", None),
        (b"::1%", b"::1", Some(b"")),
        (b"fe80::1%lo", b"fe80::1", Some(b"lo")),
        (b"a%b%c", b"a", Some(b"b%c")),
        (b"%", b"", Some(b"")),
        (b"", b"", None),
    ];
    for &(input, addr, scope) in cases {
        assert_eq!(split_scope(input), (addr, scope));
    }
}

fn text6(ip: Ipv6Addr) -> String {
    let mut s = String::new();
    fmt_ipv6(ip, &mut s).unwrap_or_default();
    s
}

#[test]
fn ipv6_text_matches_glibc_inet_ntop() {
    let table = include_str!("testdata/inet_ntop6.txt");
    let mut checked = 0;
    for line in table.lines().filter(|l| !l.starts_with('#')) {
        let (hex, want) = line.split_once(' ').unwrap_or_default();
        let ip = v6(hex).unwrap_or(Ipv6Addr::UNSPECIFIED);
        assert_eq!(text6(ip), want, "{hex}");
        // And glibc's text parses back to the same address.
        assert_eq!(parse_ipv6(want.as_bytes()), Some(ip), "{want}");
        checked += 1;
    }
    assert!(checked > 600);
}

#[test]
fn ipv4_text() {
    let cases = [
        ("0.0.0.0", "0.0.0.0"),
        ("127.0.0.1", "127.0.0.1"),
        ("255.255.255.255", "255.255.255.255"),
        ("10.200.3.45", "10.200.3.45"),
    ];
    for (ip, want) in cases {
        let mut s = String::new();
        let ip: Ipv4Addr = ip.parse().unwrap_or(Ipv4Addr::UNSPECIFIED);
        fmt_ipv4(ip, &mut s).unwrap_or_default();
        assert_eq!(s, want);
    }
}

#[test]
fn hostile_input_never_panics() {
    let mut seed = 0x1234_5678u32;
    let alphabet = b"0123456789abcdefxX.:%\0 ";
    for len in 0..48 {
        for _ in 0..400 {
            let mut s = alloc::vec::Vec::new();
            for _ in 0..len {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let i = (seed >> 16) as usize % alphabet.len();
                s.push(alphabet.get(i).copied().unwrap_or(b'0'));
            }
            let _ = parse_ipv4(&s);
            if let Some(ip) = parse_ipv6(&s) {
                assert_eq!(parse_ipv6(text6(ip).as_bytes()), Some(ip));
            }
            let (a, scope) = split_scope(&s);
            let _ = parse_scope(&Ipv6Addr::LOCALHOST, scope.unwrap_or(a), &ifindex);
        }
    }
    let long = [b'1'; 10_000];
    assert_eq!(parse_ipv4(&long), None);
    assert_eq!(parse_ipv6(&long), None);
}

#[test]
fn scoped_parse_agrees_with_split_then_parse() {
    let inputs: &[&[u8]] = &[
        b"fe80::1%lo",
        b"fe80::1%",
        b"::1%1",
        b"::ffff:1.2.3.4%eth0",
        b"1.2.3.4%x",
        b"%lo",
        b"::%%",
        b"1:2:3:4:5:6:7:8%9",
        b"1:2:3:4:5:6:7:8:9%1",
        b"::1",
        b"1::2::3%x",
        b"12345::1%x",
        b"::1.2.3%x",
    ];
    for s in inputs {
        let (text, scope) = split_scope(s);
        let want = parse_ipv6(text).map(|ip| (ip, scope));
        assert_eq!(parse_ipv6_scoped(s), want, "{:?}", core::str::from_utf8(s));
    }
}

#[test]
fn may_be_numeric_never_rejects_a_numeric_host() {
    for s in [
        &b"127.0.0.1"[..],
        b"0x7f.1",
        b"0X7F.1",
        b"::1",
        b"fe80::1%lo",
        b"::ffff:1.2.3.4",
        b"2001:DB8::1",
        b"017.1",
    ] {
        assert!(may_be_numeric(s), "{:?}", core::str::from_utf8(s));
    }
    for s in [&b"localhost"[..], b"example.com", b"1.2.3.4 ", b"host-1"] {
        assert!(!may_be_numeric(s), "{:?}", core::str::from_utf8(s));
    }
}
