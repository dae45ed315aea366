//! Queries (RFC 1035 §4.1, EDNS0 from RFC 6891) and reverse-lookup names (RFC 1035 §3.5,
//! RFC 3596 §2.5). Size first, then write: nothing is written unless all of it fits.

use super::header::field::HEADER_LEN;
use super::name::{MAX_LABEL_LEN, MAX_NAME_LEN};
use super::{WireError, CLASS_IN, TYPE_OPT};
use core::net::{Ipv4Addr, Ipv6Addr};

/// The OPT pseudo-record: root name (1), TYPE, CLASS (2 each), TTL (4), RDLENGTH (2).
const OPT_LEN: usize = 11;
/// "255.255.255.255.in-addr.arpa" is 28 bytes; 32 nibbles with dots plus "ip6.arpa" is 72.
pub const MAX_REVERSE_NAME_LEN: usize = 72;

/// glibc's `ns_name_pton`: dotted text to an uncompressed wire name, written into `out`;
/// returns its length. RFC 1035 §5.1 escapes are decoded ("\." is a dot inside a label,
/// "\DDD" the byte of that decimal value, "\X" the byte X); one trailing dot is allowed
/// and "." alone is the root. Refused (`BadLabel`): an empty label (".a", "a..b", "a.."),
/// a label over 63 bytes, a "\DDD" over 255 or cut short, a trailing backslash, the empty text (which glibc
/// would read as the root; netshim never sends it); `NameTooLong` over 255 wire bytes.
/// Any other byte (space, '_', non-ASCII) is sent as it is, as glibc sends it.
pub fn name_to_wire(text: &[u8], out: &mut [u8; MAX_NAME_LEN]) -> Result<usize, WireError> {
    if text.is_empty() {
        return Err(WireError::BadLabel);
    }
    if text == b"." {
        out[0] = 0;
        return Ok(1);
    }
    let mut label = 0; // where the current label's length byte goes
    let mut at = 1; // the next byte to write
    let mut i = 0;
    fn put(out: &mut [u8], at: &mut usize, byte: u8) -> Result<(), WireError> {
        *out.get_mut(*at).ok_or(WireError::NameTooLong)? = byte;
        *at += 1;
        Ok(())
    }
    while i < text.len() {
        let c = text[i];
        i += 1;
        if c == b'\\' {
            let &next = text.get(i).ok_or(WireError::BadLabel)?; // a trailing backslash
            i += 1;
            let byte = if next.is_ascii_digit() {
                let digits = text.get(i..i + 2).ok_or(WireError::BadLabel)?;
                if !digits.iter().all(u8::is_ascii_digit) {
                    return Err(WireError::BadLabel);
                }
                i += 2;
                let value = [next, digits[0], digits[1]]
                    .iter()
                    .fold(0u32, |v, &d| v * 10 + u32::from(d - b'0'));
                u8::try_from(value).map_err(|_| WireError::BadLabel)?
            } else {
                next
            };
            put(out, &mut at, byte)?;
        } else if c == b'.' {
            let len = at - label - 1;
            if len == 0 || len > MAX_LABEL_LEN || text.get(i) == Some(&b'.') {
                return Err(WireError::BadLabel);
            }
            out[label] = len as u8;
            if i == text.len() {
                put(out, &mut at, 0)?; // fully qualified: the root label
                return Ok(at);
            }
            label = at;
            put(out, &mut at, 0)?;
        } else {
            put(out, &mut at, c)?;
        }
    }
    let len = at - label - 1;
    if len == 0 || len > MAX_LABEL_LEN {
        return Err(WireError::BadLabel);
    }
    out[label] = len as u8;
    put(out, &mut at, 0)?;
    Ok(at)
}

/// The wire length of dotted `text`, or why it is no query name (see `name_to_wire`).
pub fn name_len(text: &[u8]) -> Result<usize, WireError> {
    name_to_wire(text, &mut [0; MAX_NAME_LEN])
}

/// glibc's `res_hnok` (resolv/res-name-checking.c), which nss_dns asks of a name before it
/// sends a query (gethostbyname2_r, gethostbyname4_r): printable ASCII without spaces,
/// a valid name (`ns_name_pton`), every byte of its labels a letter, digit, '-' or '_',
/// and no '-' starting the first label.
pub fn is_hostname_text(text: &[u8]) -> bool {
    if !text.iter().all(|&b| (0x21..=0x7e).contains(&b)) {
        return false;
    }
    let mut wire = [0; MAX_NAME_LEN];
    let Ok(len) = name_to_wire(text, &mut wire) else {
        return false;
    };
    if wire[0] > 0 && wire[1] == b'-' {
        return false;
    }
    let mut at = 0;
    while at < len && wire[at] != 0 {
        let end = at + 1 + usize::from(wire[at]);
        let Some(label) = wire.get(at + 1..end) else {
            return false;
        };
        if !label
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return false;
        }
        at = end;
    }
    true
}

/// The length `encode_query` will write for this name, or why it cannot.
pub fn query_len(name: &[u8], edns: bool) -> Result<usize, WireError> {
    let opt = if edns { OPT_LEN } else { 0 };
    Ok(HEADER_LEN + name_len(name)? + 4 + opt)
}

/// Writes a standard query for `name` (dotted text, see `name_len` for what is refused),
/// `qtype`, class IN into `buf`, and returns its length.
///
/// - `rd`: recursion desired (glibc always sets it).
/// - `edns_udp_size`: add an EDNS0 OPT record advertising this UDP payload size (RFC 6891
///   §6.1.2; version 0, DO clear). glibc with `options edns0` advertises 1200.
/// - `ad`: set the AD bit (RFC 6840 §5.7); glibc does only with `options trust-ad`.
///
/// Checks the size first: on `Err` nothing has been written.
pub fn encode_query(
    id: u16,
    name: &[u8],
    qtype: u16,
    rd: bool,
    edns_udp_size: Option<u16>,
    ad: bool,
    buf: &mut [u8],
) -> Result<usize, WireError> {
    let len = query_len(name, edns_udp_size.is_some())?;
    let out = buf.get_mut(..len).ok_or(WireError::NoSpace)?;
    let flags: u16 = if rd { 0x0100 } else { 0 } | if ad { 0x0020 } else { 0 };
    let additional: u16 = edns_udp_size.is_some().into();
    let mut w = Writer { out, at: 0 };
    for word in [id, flags, 1, 0, 0, additional] {
        w.put(&word.to_be_bytes())?;
    }
    let mut wire = [0; MAX_NAME_LEN];
    let wire_len = name_to_wire(name, &mut wire)?;
    w.put(&wire[..wire_len])?;
    w.put(&qtype.to_be_bytes())?;
    w.put(&CLASS_IN.to_be_bytes())?;
    if let Some(size) = edns_udp_size {
        // root owner; TYPE OPT; CLASS = UDP payload size; TTL = extended RCODE 0,
        // version 0, flags 0; RDLENGTH 0 (no options)
        w.put(&[0])?;
        w.put(&TYPE_OPT.to_be_bytes())?;
        w.put(&size.to_be_bytes())?;
        w.put(&[0, 0, 0, 0, 0, 0])?;
    }
    Ok(w.at)
}

/// A forward writer that refuses, rather than panics, past the end.
struct Writer<'o> {
    out: &'o mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        let end = self.at + bytes.len();
        let dst = self.out.get_mut(self.at..end).ok_or(WireError::NoSpace)?;
        dst.copy_from_slice(bytes);
        self.at = end;
        Ok(())
    }
}

/// "d.c.b.a.in-addr.arpa" for a.b.c.d (RFC 1035 §3.5), as dotted text into `out`.
pub fn reverse_name_v4(addr: Ipv4Addr, out: &mut [u8]) -> Result<usize, WireError> {
    let octets = addr.octets();
    let len: usize = octets.iter().map(|&o| decimal_len(o) + 1).sum::<usize>() + 12;
    let out = out.get_mut(..len).ok_or(WireError::NoSpace)?;
    let mut w = Writer { out, at: 0 };
    for &octet in octets.iter().rev() {
        let digits = [
            b'0' + octet / 100,
            b'0' + octet / 10 % 10,
            b'0' + octet % 10,
        ];
        w.put(digits.get(3 - decimal_len(octet)..).unwrap_or(&digits))?;
        w.put(b".")?;
    }
    w.put(b"in-addr.arpa")?;
    Ok(w.at)
}

fn decimal_len(octet: u8) -> usize {
    match octet {
        0..=9 => 1,
        10..=99 => 2,
        _ => 3,
    }
}

/// The 32 nibbles of the address, lowest first, then "ip6.arpa" (RFC 3596 §2.5), lower-case
/// hex as glibc writes them, as dotted text into `out`.
pub fn reverse_name_v6(addr: Ipv6Addr, out: &mut [u8]) -> Result<usize, WireError> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let out = out
        .get_mut(..MAX_REVERSE_NAME_LEN)
        .ok_or(WireError::NoSpace)?;
    let mut w = Writer { out, at: 0 };
    for &byte in addr.octets().iter().rev() {
        for nibble in [byte & 0x0f, byte >> 4] {
            let digit = HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
            w.put(&[digit, b'.'])?;
        }
    }
    w.put(b"ip6.arpa")?;
    Ok(w.at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::dns::{Message, TYPE_A, TYPE_AAAA};

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn queries_match_glibc_bytes() {
        // Captured from glibc 2.36 (Debian 2.36-9+deb12u14) on loopback: plain, with
        // `options edns0`, and with `options edns0 trust-ad`.
        #[allow(clippy::type_complexity)] // one table row per case
        #[rustfmt::skip]
        let table: &[(u16, &[u8], u16, Option<u16>, bool, &str)] = &[
            (0xa171, b"owner.test", TYPE_A, None, false,
             "a17101000001000000000000056f776e657204746573740000010001"),
            (0x447b, b"owner.test", TYPE_AAAA, None, false,
             "447b01000001000000000000056f776e6572047465737400001c0001"),
            (0x039e, b"mixed.test", TYPE_A, Some(1200), false,
             "039e01000001000000000001056d697865640474657374000001000100002904b0000000000000"),
            (0x8a3b, b"mixed.test.", TYPE_A, Some(1200), true,
             "8a3b01200001000000000001056d697865640474657374000001000100002904b0000000000000"),
        ];
        for &(id, name, qtype, edns, ad, want) in table {
            let mut buf = [0u8; 512];
            let n = encode_query(id, name, qtype, true, edns, ad, &mut buf).unwrap();
            assert_eq!(&buf[..n], unhex(want).as_slice());
            assert_eq!(query_len(name, edns.is_some()), Ok(n));
            let m = Message::new_checked(&buf[..n]).unwrap();
            assert!(crate::resolve::dns::question_matches(&m, name, qtype));
        }
    }

    #[test]
    fn refused_names() {
        let label63 = [b'a'; 63];
        let label64 = [b'a'; 64];
        // 4 labels of 63, 61: 253 characters, 255 wire bytes, the longest allowed
        let mut longest = Vec::new();
        for len in [63, 63, 63, 61] {
            if !longest.is_empty() {
                longest.push(b'.');
            }
            longest.extend(std::iter::repeat(b'x').take(len));
        }
        assert_eq!(longest.len(), 253);
        let mut too_long = longest.clone();
        too_long.push(b'y');
        let mut longest_dot = longest.clone();
        longest_dot.push(b'.');
        #[rustfmt::skip]
        let table: &[(&[u8], Result<usize, WireError>)] = &[
            (b"a", Ok(3)),
            (b"a.", Ok(3)),
            (b"a b.test", Ok(10)),
            (&label63, Ok(65)),
            (&longest, Ok(255)),
            (&longest_dot, Ok(255)),
            (&too_long, Err(WireError::NameTooLong)),
            (&label64, Err(WireError::BadLabel)),
            (b"", Err(WireError::BadLabel)),
            (b".", Ok(1)), // the root: glibc asks for it
            (b"..", Err(WireError::BadLabel)),
            (b".a", Err(WireError::BadLabel)),
            (b"a..b", Err(WireError::BadLabel)),
            (b"a..", Err(WireError::BadLabel)),
            (b"a\\.b", Ok(5)), // one label "a.b", as glibc's ns_name_pton reads it
            (b"\\065", Ok(3)),  // "A"
            (b"\\256", Err(WireError::BadLabel)),
            (b"a\\06", Err(WireError::BadLabel)),
            (b"a\\", Err(WireError::BadLabel)), // a trailing backslash
        ];
        for &(text, want) in table {
            assert_eq!(name_len(text), want, "{:?}", String::from_utf8_lossy(text));
            let mut buf = [0u8; 300];
            let got = encode_query(1, text, TYPE_A, true, None, false, &mut buf);
            assert_eq!(got, want.map(|n| HEADER_LEN + n + 4));
        }
    }

    #[test]
    fn res_hnok() {
        // (text, glibc 2.36's res_hnok)
        let long_label = [b'a'; 64];
        let table: &[(&[u8], bool)] = &[
            (b"a.b", true),
            (b"a.b.", true),
            (b".", true),
            (b"a_b-c.d", true),
            (b"127.0.0.1", true),
            (b"256.1.1.1", true),
            (b" 127.0.0.1", false),
            (b"127.0.0.1 junk", false),
            (b"a\tb", false),
            (b"-a.b", false),
            (b"a.-b", true),
            (b"a..b", false),
            (b".a", false),
            (b"a*b", false),
            (b"a\\098c", true),
            (b"a\\.b", false),
            (b"", false),
            (&long_label, false),
            (&long_label[..63], true),
            ("bücher.test".as_bytes(), false),
        ];
        for &(text, want) in table {
            assert_eq!(
                is_hostname_text(text),
                want,
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn never_writes_past_the_end() {
        let need = query_len(b"www.example.com", true).unwrap();
        for size in 0..need {
            let mut buf = vec![0xeeu8; need + 8];
            let got = encode_query(
                7,
                b"www.example.com",
                TYPE_A,
                true,
                Some(1200),
                false,
                &mut buf[..size],
            );
            assert_eq!(got, Err(WireError::NoSpace));
            assert!(buf.iter().all(|&b| b == 0xee), "wrote with {size} bytes");
        }
    }

    #[test]
    fn reverse_names() {
        // (address, text), the names glibc's getnameinfo queried (see queries.log probes)
        let v4: &[(Ipv4Addr, &str)] = &[
            (Ipv4Addr::new(10, 0, 0, 7), "7.0.0.10.in-addr.arpa"),
            (
                Ipv4Addr::new(192, 168, 100, 1),
                "1.100.168.192.in-addr.arpa",
            ),
            (
                Ipv4Addr::new(255, 255, 255, 255),
                "255.255.255.255.in-addr.arpa",
            ),
            (Ipv4Addr::new(0, 0, 0, 0), "0.0.0.0.in-addr.arpa"),
        ];
        for &(addr, want) in v4 {
            let mut buf = [0u8; MAX_REVERSE_NAME_LEN];
            let n = reverse_name_v4(addr, &mut buf).unwrap();
            assert_eq!(&buf[..n], want.as_bytes());
            assert_eq!(
                reverse_name_v4(addr, &mut buf[..n - 1]),
                Err(WireError::NoSpace)
            );
            assert!(name_len(&buf[..n]).is_ok());
        }
        let addr: Ipv6Addr = "2001:db8::567:89ab".parse().unwrap();
        let mut buf = [0u8; 80];
        let n = reverse_name_v6(addr, &mut buf).unwrap();
        assert_eq!(
            &buf[..n],
            b"b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
        assert_eq!(n, MAX_REVERSE_NAME_LEN);
        assert_eq!(
            reverse_name_v6(addr, &mut buf[..71]),
            Err(WireError::NoSpace)
        );
        assert!(name_len(&buf[..n]).is_ok());
    }
}
