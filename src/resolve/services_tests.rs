//! Tables for services.rs; expected values are glibc 2.36's getaddrinfo answers on the same
//! fixture lines (tools/glibc-probes).
#![allow(clippy::type_complexity)] // (input, expected) tables
use super::*;

const FIXTURE: &[u8] = b"\
# a comment
web 80/tcp http WWW # comment
web 81/tcp
web 8080/udp
Web 82/tcp
neg -1/tcp
big 65536/tcp
big2 70000/tcp
huge 4294967296/tcp
huge2 99999999999999999999999/tcp
plus +83/tcp
hex 0x54/tcp
oct 010/tcp
oct2 085/tcp
negz -0/tcp
sp 86 /tcp
noproto 87
badport 88x/tcp
zero 0/tcp
dupalias 90/tcp web
crlf 91/tcp\r
CaseP 92/TCP
sctponly 93/sctp
empty /tcp
sl 94//tcp
ws\t95/tcp\tws2\x0bws3
x 0x/tcp
mid 97/tcp#c
mid2 98/#c
mid3 99/t#cp
nul 100/tcp\0junk 7/tcp
dupport 80/tcp
  last 101/tcp";

#[test]
fn port_of_table() {
    let s = parse(FIXTURE);
    let cases: &[(&[u8], &[u8], Option<u16>)] = &[
        (b"web", b"tcp", Some(80)), // first line wins over "web 81/tcp"
        (b"web", b"udp", Some(8080)),
        (b"http", b"tcp", Some(80)),
        (b"WWW", b"tcp", Some(80)),
        (b"www", b"tcp", None), // case-sensitive
        (b"WEB", b"tcp", None),
        (b"Web", b"tcp", Some(82)),
        (b"web", b"sctp", None),
        (b"neg", b"tcp", None),
        (b"big", b"tcp", Some(0)),
        (b"big2", b"tcp", Some(4464)),
        (b"huge", b"tcp", None),
        (b"huge2", b"tcp", None),
        (b"plus", b"tcp", Some(83)),
        (b"hex", b"tcp", Some(84)),
        (b"oct", b"tcp", Some(8)),
        (b"oct2", b"tcp", None),
        (b"negz", b"tcp", Some(0)),
        (b"sp", b"tcp", None),
        (b"noproto", b"tcp", None),
        (b"noproto", b"", None),
        (b"badport", b"tcp", None),
        (b"zero", b"tcp", Some(0)),
        (b"crlf", b"tcp", Some(91)),
        (b"CaseP", b"tcp", None),
        (b"CaseP", b"TCP", Some(92)),
        (b"sctponly", b"sctp", Some(93)),
        (b"sctponly", b"tcp", None),
        (b"empty", b"tcp", None),
        (b"sl", b"tcp", Some(94)),
        (b"ws", b"tcp", Some(95)),
        (b"ws2", b"tcp", Some(95)),
        (b"ws3", b"tcp", Some(95)),
        (b"x", b"tcp", None),
        (b"mid", b"tcp", Some(97)),
        (b"mid2", b"", None),
        (b"mid3", b"t", Some(99)),
        (b"mid3", b"tcp", None),
        (b"nul", b"tcp", Some(100)),
        (b"junk", b"tcp", None),
        (b"last", b"tcp", None), // glibc reads the indented last line as "last 101/tcpcp"
        (b"last", b"tcpcp", Some(101)),
        (b"comment", b"tcp", None),
        (b"#", b"tcp", None),
        (b"", b"", None),
        (b"nosuch", b"tcp", None),
    ];
    for &(name, proto, want) in cases {
        let got = s.port_of(name, proto);
        assert_eq!(got, want, "{:?}/{:?}", name, proto);
    }
}

#[test]
fn name_of_table() {
    let s = parse(FIXTURE);
    let cases: &[(u16, &[u8], Option<&[u8]>)] = &[
        (80, b"tcp", Some(b"web")), // first of web, dupport
        (8080, b"udp", Some(b"web")),
        (80, b"udp", None),
        (82, b"tcp", Some(b"Web")),
        (0, b"tcp", Some(b"big")),
        (95, b"tcp", Some(b"ws")),
        (92, b"tcp", None),
        (92, b"TCP", Some(b"CaseP")),
        (65535, b"tcp", None),
    ];
    for &(port, proto, want) in cases {
        assert_eq!(s.name_of(port, proto), want, "{port}/{:?}", proto);
    }
}

#[test]
fn parse_port_table() {
    use PortParse::*;
    let cases: &[(&[u8], PortParse)] = &[
        (b"80", Port(80)),
        (b"0", Port(0)),
        (b"65535", Port(65535)),
        (b"65536", Port(0)),
        (b"+80", Port(80)),
        (b" 80", Port(80)),
        (b"\t80", Port(80)),
        (b"\x0b80", Port(80)),
        (b"\r80", Port(80)),
        (b" +80", Port(80)),
        (b"080", Port(80)),
        (b"00080", Port(80)),
        (b"", Port(0)),
        (b"-0", Port(0)),
        (b"4294967296", Port(0)),
        (b"4294967376", Port(80)),
        (b"2147483647", Port(65535)),
        (b"-18446744073709551615", Port(1)),
        (b"80 ", NotNumeric),
        (b"80\n", NotNumeric),
        (b"0x50", NotNumeric),
        (b"8a", NotNumeric),
        (b"-", NotNumeric),
        (b"+", NotNumeric),
        (b" ", NotNumeric),
        (b"http", NotNumeric),
        (b"80\0", NotNumeric),
        (b"-1", Negative),
        (b" -1", Negative),
        (b"-65535", Negative),
        (b"-65536", Negative),
        (b"2147483648", Negative),
        (b"3000000000", Negative),
        (b"6442450944", Negative),
        (b"99999999999999999999", Negative),
        (b"18446744073709551615", Negative),
        (b"18446744073709551616", Negative),
    ];
    for &(input, want) in cases {
        assert_eq!(parse_port(input), want, "{:?}", input);
    }
}

#[test]
fn hostile_input_never_panics() {
    let mut text = alloc::vec::Vec::new();
    let mut seed = 7u32;
    for _ in 0..20_000 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let pick = b"ab1/0x9 \t\r\n#\0-+";
        text.push(
            pick.get((seed >> 16) as usize % pick.len())
                .copied()
                .unwrap_or(b'a'),
        );
    }
    let s = parse(&text);
    let _ = s.port_of(b"a", b"b");
    let _ = s.name_of(1, b"b");
    let long = [b'9'; 50_000];
    assert_eq!(parse_port(&long), PortParse::Negative);
    let s = parse(&long);
    assert_eq!(s.port_of(&long, b""), None);
}

/// An 11,000-line file answers in well under a microsecond per lookup (run in release:
/// `cargo test --release --lib services -- --ignored --nocapture`).
#[test]
#[ignore]
fn lookup_speed() {
    extern crate std;
    use std::{format, time::Instant};
    let mut text = alloc::vec::Vec::new();
    for i in 0..11_000u32 {
        text.extend_from_slice(format!("svc{i} {}/tcp alias{i} other{i}\n", i % 60000).as_bytes());
    }
    let s = parse(&text);
    let names: alloc::vec::Vec<_> = (0..1000).map(|i| format!("alias{}", i * 11)).collect();
    let start = Instant::now();
    let mut found = 0;
    for _ in 0..100 {
        for n in &names {
            found += usize::from(s.port_of(n.as_bytes(), b"tcp").is_some());
        }
    }
    let per = start.elapsed() / 100_000;
    std::println!("services lookup: {per:?} per lookup ({found} found)");
    assert_eq!(found, 100_000);
    assert!(per.as_nanos() < 1000);
}
