//! One log line, formatted on the stack with hand-written number and escape writers (no
//! core::fmt: its generic padding and per-argument dispatch cost more than the rest of a
//! line). Nothing allocates; a line that would not fit is cut, never failed.

use crate::sys::stackbuf::StackBuf;

/// PIPE_BUF: one write(2) of at most this many bytes to a pipe is atomic, and lines of
/// this size never tear in an O_APPEND file either. Also the largest datagram sent.
pub const MAX_LINE: usize = 4096;

/// How bytes from outside (names, paths) are written into a line.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Esc {
    /// Printable ASCII as is, anything else (space included) as `\xHH`.
    Text,
    /// JSON string content: `"` and `\` escaped, bytes outside printable ASCII as `\u00XX`.
    Json,
    /// As they are (journal values, which are binary-safe).
    Raw,
}

const HEX: &[u8; 16] = b"0123456789abcdef";
/// "00" "01" … "99": two digits per table load.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Bytes written as they are: printable ASCII except space (text), printable ASCII except
/// `"` and `\` (JSON).
const TEXT_PLAIN: [bool; 256] = plain_table(0x21, 0);
const JSON_PLAIN: [bool; 256] = plain_table(0x20, 1);

const fn plain_table(first: u8, json: u8) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = first as usize;
    while b <= 0x7e {
        t[b] = json == 0 || (b != b'"' as usize && b != b'\\' as usize);
        b += 1;
    }
    t
}

/// 0..=99 as two digits each.
pub const PAIR_DIGITS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut v = 0;
    while v < 100 {
        t[v] = [b'0' + (v / 10) as u8, b'0' + (v % 10) as u8];
        v += 1;
    }
    t
};

/// Each octet value as (digit count, up to three digits).
const OCTETS: [[u8; 4]; 256] = {
    let mut t = [[0u8; 4]; 256];
    let mut v = 0;
    while v < 256 {
        let (h, te, o) = ((v / 100) as u8, (v / 10 % 10) as u8, (v % 10) as u8);
        t[v] = if v >= 100 {
            [3, b'0' + h, b'0' + te, b'0' + o]
        } else if v >= 10 {
            [2, b'0' + te, b'0' + o, 0]
        } else {
            [1, b'0' + o, 0, 0]
        };
        v += 1;
    }
    t
};

pub struct Line {
    buf: StackBuf<MAX_LINE>,
}

impl Line {
    #[inline(always)]
    pub const fn new() -> Self {
        Line {
            buf: StackBuf::new(),
        }
    }

    #[inline(always)]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    #[inline(always)]
    pub fn room(&self) -> usize {
        self.buf.room()
    }

    #[inline(always)]
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len)
    }

    #[inline(always)]
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.push(bytes);
    }

    /// The first `used` bytes of a fixed-size array (stored at once when it fits).
    #[inline(always)]
    pub fn push_padded<const K: usize>(&mut self, bytes: &[u8; K], used: usize) {
        self.buf.push_padded(bytes, used);
    }

    #[inline(always)]
    pub fn byte(&mut self, b: u8) {
        self.buf.push_byte(b);
    }

    /// The bytes so far, without a newline (a datagram's payload).
    pub fn bytes(&self) -> &[u8] {
        self.buf.as_bytes()
    }

    /// The finished line, always ending in a newline (the last byte is kept for it).
    pub fn finish(&mut self) -> &[u8] {
        self.buf.truncate(MAX_LINE - 1);
        self.buf.push_byte(b'\n');
        self.buf.as_bytes()
    }

    /// A decimal number. Numbers in log lines are mostly short (fds, octets, ports, pids),
    /// so up to eight digits are composed in a register-sized array and stored at once.
    pub fn dec(&mut self, v: u64) {
        if v >= 100_000_000 {
            return self.dec_long(v);
        }
        let mut x = v as u32;
        let n = match x {
            0..=9 => 1,
            10..=99 => 2,
            100..=999 => 3,
            1000..=9999 => 4,
            10_000..=99_999 => 5,
            100_000..=999_999 => 6,
            1_000_000..=9_999_999 => 7,
            _ => 8,
        };
        let mut d = [0u8; 8];
        let mut i = n;
        while i >= 2 {
            let p = (x % 100) as usize * 2;
            x /= 100;
            d[i - 2] = PAIRS[p];
            d[i - 1] = PAIRS[p + 1];
            i -= 2;
        }
        if i == 1 {
            d[0] = b'0' + x as u8;
        }
        self.buf.push_padded(&d, n);
    }

    #[cold]
    fn dec_long(&mut self, mut v: u64) {
        let mut d = [0u8; 20];
        let mut i = d.len();
        while v >= 100 {
            let p = (v % 100) as usize * 2;
            v /= 100;
            i -= 2;
            d[i] = PAIRS[p];
            d[i + 1] = PAIRS[p + 1];
        }
        if v >= 10 {
            let p = v as usize * 2;
            i -= 2;
            d[i] = PAIRS[p];
            d[i + 1] = PAIRS[p + 1];
        } else {
            i -= 1;
            d[i] = b'0' + v as u8;
        }
        self.push(&d[i..]);
    }

    /// A signed decimal number.
    pub fn int(&mut self, v: i64) {
        if v < 0 {
            self.byte(b'-');
        }
        self.dec(v.unsigned_abs());
    }

    /// Two digits, zero-padded (`v` < 100).
    #[inline(always)]
    pub fn pad2(&mut self, v: u32) {
        let p = (v % 100) as usize * 2;
        self.push(&[PAIRS[p], PAIRS[p + 1]]);
    }

    /// Three digits, zero-padded (`v` < 1000).
    #[inline(always)]
    pub fn pad3(&mut self, v: u64) {
        self.byte(b'0' + (v / 100 % 10) as u8);
        self.pad2((v % 100) as u32);
    }

    /// Lower-case hexadecimal without leading zeros.
    pub fn hex(&mut self, v: u32) {
        let mut d = [0u8; 8];
        let mut i = d.len();
        let mut v = v;
        loop {
            i -= 1;
            d[i] = HEX[(v & 15) as usize];
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        self.push(&d[i..]);
    }

    /// Bytes from outside, escaped for `esc`; runs that need no escape go in one copy.
    pub fn escaped(&mut self, bytes: &[u8], esc: Esc) {
        if esc == Esc::Raw {
            self.push(bytes);
            return;
        }
        let table = if esc == Esc::Text {
            &TEXT_PLAIN
        } else {
            &JSON_PLAIN
        };
        let plain = |b: u8| table[usize::from(b)];
        let mut rest = bytes;
        while !rest.is_empty() {
            let run = rest.iter().position(|&b| !plain(b)).unwrap_or(rest.len());
            self.push(&rest[..run]);
            let Some((&b, tail)) = rest[run..].split_first() else {
                break;
            };
            let hex = [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]];
            match (esc, b) {
                (Esc::Json, b'"' | b'\\') => self.push(&[b'\\', b]),
                (Esc::Json, _) => self.push(&[b'\\', b'u', b'0', b'0', hex[0], hex[1]]),
                _ => self.push(&[b'\\', b'x', hex[0], hex[1]]),
            }
            rest = tail;
        }
    }

    /// An IPv4 address in dotted decimal: each octet's digits and dot from a table.
    pub fn ipv4(&mut self, o: [u8; 4]) {
        for (i, &b) in o.iter().enumerate() {
            let [len, digits @ ..] = OCTETS[usize::from(b)];
            if i > 0 {
                self.byte(b'.');
            }
            self.buf.push_padded(&digits, usize::from(len));
        }
    }

    /// An IPv6 address as glibc's inet_ntop writes it: lower-case hex without leading
    /// zeros, the first longest run of two or more zero words as "::", and the last 32
    /// bits dotted for v4-mapped (::ffff:a.b.c.d) and v4-compatible (::a.b.c.d) forms.
    pub fn ipv6(&mut self, o: [u8; 16]) {
        let mut words = [0u16; 8];
        for (i, w) in words.iter_mut().enumerate() {
            *w = u16::from_be_bytes([o[2 * i], o[2 * i + 1]]);
        }
        let (mut best, mut run) = ((8usize, 0usize), (0usize, 0usize));
        for (at, &w) in words.iter().enumerate() {
            if w != 0 {
                run = (at + 1, 0);
                continue;
            }
            run.1 += 1;
            if run.1 >= 2 && run.1 > best.1 {
                best = run;
            }
        }
        let dotted = best.0 == 0 && (best.1 == 6 || (best.1 == 5 && words[5] == 0xffff));
        let mut at = 0;
        while at < 8 {
            if at == best.0 && best.1 > 0 {
                self.push(if at == 0 { b"::" } else { b":" });
                at += best.1;
                continue;
            }
            if at == 6 && dotted {
                self.ipv4([o[12], o[13], o[14], o[15]]);
                return;
            }
            self.hex(u32::from(words[at]));
            if at < 7 {
                self.byte(b':');
            }
            at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    fn text(f: impl Fn(&mut Line)) -> std::string::String {
        let mut line = Line::new();
        f(&mut line);
        std::string::String::from_utf8(line.bytes().to_vec()).unwrap()
    }

    #[test]
    fn numbers() {
        for v in [0u64, 7, 10, 99, 100, 101, 65_535, 1_000_000, u64::MAX] {
            assert_eq!(text(|l| l.dec(v)), v.to_string());
        }
        assert_eq!(text(|l| l.int(-115)), "-115");
        assert_eq!(text(|l| l.pad3(7)), "007");
        assert_eq!(text(|l| l.pad3(999)), "999");
        assert_eq!(text(|l| l.pad2(5)), "05");
        assert_eq!(text(|l| l.hex(0xfe80)), "fe80");
        assert_eq!(text(|l| l.hex(0)), "0");
    }

    #[test]
    fn addresses_match_inet_ntop() {
        assert_eq!(text(|l| l.ipv4([127, 0, 0, 1])), "127.0.0.1");
        assert_eq!(text(|l| l.ipv4([255, 10, 0, 200])), "255.10.0.200");
        for s in [
            "::1",
            "::",
            "2001:db8::53",
            "fe80::1:2",
            "::ffff:1.2.3.4",
            "::1.2.3.4",
            "1:0:0:1:0:0:0:1",
            "1::1:0:0:1",
            "2001:db8:1:2:3:4:5:6",
            "::ffff:0:1",
        ] {
            let ip: Ipv6Addr = s.parse().unwrap();
            let mut want = std::string::String::new();
            crate::resolve::numeric::fmt_ipv6(ip, &mut want).unwrap();
            assert_eq!(text(|l| l.ipv6(ip.octets())), want, "{s}");
        }
    }

    #[test]
    fn escapes() {
        assert_eq!(
            text(|l| l.escaped(b"a\"b\\c\n\xff d", Esc::Json)),
            "a\\\"b\\\\c\\u000a\\u00ff d"
        );
        assert_eq!(text(|l| l.escaped(b"a b\x01", Esc::Text)), "a\\x20b\\x01");
        assert_eq!(text(|l| l.escaped(b"a b\n", Esc::Raw)), "a b\n");
    }

    #[test]
    fn lines_truncate_and_end_with_newline() {
        let mut line = Line::new();
        for _ in 0..1000 {
            line.push(b"0123456789");
        }
        let out = line.finish();
        assert_eq!(out.len(), MAX_LINE);
        assert_eq!(out.last(), Some(&b'\n'));
    }
}
