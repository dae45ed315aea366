//! One log line, formatted on the stack: no allocation, truncated rather than failed.

use core::fmt::{self, Write};

/// PIPE_BUF: one write(2) of at most this many bytes to a pipe is atomic, and lines of
/// this size never tear in an O_APPEND file either.
pub const MAX_LINE: usize = 4096;

pub struct Line {
    buf: [u8; MAX_LINE],
    len: usize,
}

impl Line {
    pub const fn new() -> Self {
        Line {
            buf: [0; MAX_LINE],
            len: 0,
        }
    }

    /// The finished line, always ending in a newline (the last byte is kept for it).
    pub fn finish(&mut self) -> &[u8] {
        let end = self.len.min(MAX_LINE - 1);
        self.buf[end] = b'\n';
        &self.buf[..=end]
    }

    pub fn push(&mut self, bytes: &[u8]) {
        let room = (MAX_LINE - 1).saturating_sub(self.len);
        let n = bytes.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
    }

    /// Bytes as JSON string content: quotes, backslashes and control bytes escaped,
    /// other bytes passed through (invalid UTF-8 becomes \u00XX so jq still parses).
    pub fn push_json(&mut self, bytes: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for &b in bytes {
            match b {
                b'"' => self.push(b"\\\""),
                b'\\' => self.push(b"\\\\"),
                0x20..=0x7e => self.push(&[b]),
                _ => self.push(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 15)],
                ]),
            }
        }
    }

    /// Bytes for the text format: printable ASCII as is, anything else as \xHH.
    pub fn push_text(&mut self, bytes: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for &b in bytes {
            match b {
                0x21..=0x7e => self.push(&[b]),
                _ => self.push(&[
                    b'\\',
                    b'x',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 15)],
                ]),
            }
        }
    }
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s.as_bytes());
        Ok(())
    }
}

/// A UTC civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(20_785), (2026, 11, 28));
        assert_eq!(civil(11_016), (2000, 2, 29));
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
        let mut line = Line::new();
        line.push_json(b"a\"b\\c\n\xff");
        assert_eq!(line.finish(), b"a\\\"b\\\\c\\u000a\\u00ff\n");
    }
}
