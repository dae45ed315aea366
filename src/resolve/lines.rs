//! Lines and fields of the /etc-style files (hosts, services), cut as glibc 2.36's nss_files
//! cuts them, without allocating.
//!
//! What glibc does (nss/nss_readline.c, nss/nss_files/files-parse.c), and so what we do:
//! - A line runs to `\n` and may be any length (glibc grows its buffer and re-reads).
//! - The line is a C string: it ends at its first NUL byte.
//! - Leading C-locale whitespace is skipped; a line that is then empty or starts with `#` is
//!   skipped. A `#` anywhere else ends the line too (mid-line comments).
//! - Fields are separated by runs of C-locale whitespace: space, `\t`, `\n`, `\v`, `\f`, `\r`
//!   (so CRLF files read as LF files).
//! - glibc quirk: __nss_readline removes the leading whitespace with
//!   `memmove(buf, p, strlen(p))`, which does not move the terminating NUL. When the line does
//!   not end in `\n` (the last line of a file without a final newline, or a line cut by a NUL),
//!   its last `k` bytes (k = the whitespace removed) are therefore read twice:
//!   `"  1.2.3.4 last"` at the end of a file names the host `lastst`. Verified against glibc
//!   2.36 with a bind-mounted /etc/hosts. [`Line::tail`] carries those repeated bytes.

/// C-locale `isspace`: the bytes glibc's file parsers treat as field separators.
pub const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// One line that glibc would hand to its parser: `head` followed by `tail`.
/// `tail` is empty except in the memmove quirk described in the module docs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Line<'a> {
    pub head: &'a [u8],
    pub tail: &'a [u8],
}

impl<'a> Line<'a> {
    /// The line as one slice when glibc's quirk does not apply (the usual case).
    pub fn whole(&self) -> Option<&'a [u8]> {
        self.tail.is_empty().then_some(self.head)
    }
}

/// The parser-visible lines of a file, in order: comment-only, blank and whitespace-only
/// lines are skipped, as nss_files skips them.
pub fn lines(text: &[u8]) -> Lines<'_> {
    Lines { rest: text }
}

pub struct Lines<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        while !self.rest.is_empty() {
            // fgets: up to and including the next '\n', or to the end of the file.
            let raw_len = match self.rest.iter().position(|&b| b == b'\n') {
                Some(i) => i + 1,
                None => self.rest.len(),
            };
            let (raw, rest) = self.rest.split_at(raw_len);
            self.rest = rest;
            if let Some(line) = parser_view(raw) {
                return Some(line);
            }
        }
        None
    }
}

/// What glibc's line parser sees of one raw line (including its '\n'), or None if skipped.
fn parser_view(raw: &[u8]) -> Option<Line<'_>> {
    // The C string ends at the first NUL.
    let s = raw.split(|&b| b == 0).next().unwrap_or_default();
    let skip = s.iter().take_while(|&&b| is_space(b)).count();
    let body = s.get(skip..).unwrap_or_default();
    if body.first().map_or(true, |&b| b == b'#') {
        return None;
    }
    // The memmove quirk: bytes s[len-skip..] follow unless a '\n' (kept in `body`) ends the
    // line first.
    let tail = if s.last() == Some(&b'\n') {
        &[][..]
    } else {
        s.get(s.len() - skip..).unwrap_or_default()
    };
    Some(Line {
        head: cut_comment(body),
        tail: if body.contains(&b'#') {
            &[]
        } else {
            cut_comment(tail)
        },
    })
}

/// The part of a line before its first `#` or `\n`.
pub fn cut_comment(line: &[u8]) -> &[u8] {
    let end = line
        .iter()
        .position(|&b| b == b'#' || b == b'\n')
        .unwrap_or(line.len());
    line.get(..end).unwrap_or_default()
}

/// The whitespace-separated fields of a line.
pub fn fields(line: &[u8]) -> Fields<'_> {
    Fields { rest: line }
}

pub struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let start = self.rest.iter().position(|&b| !is_space(b))?;
        let rest = self.rest.get(start..).unwrap_or_default();
        let len = rest.iter().position(|&b| is_space(b)).unwrap_or(rest.len());
        let (field, rest) = rest.split_at(len);
        self.rest = rest;
        Some(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// Each visible line as head+tail joined, so the tables read as glibc's parser input.
    fn joined(text: &[u8]) -> Vec<Vec<u8>> {
        lines(text).map(|l| [l.head, l.tail].concat()).collect()
    }

    #[test]
    fn lines_table() {
        let cases: &[(&[u8], &[&[u8]])] = &[
            (b"", &[]),
            (b"\n\n\n", &[]),
            (b"a b\nc d\n", &[b"a b", b"c d"]),
            (b"a b", &[b"a b"]),
            (b"a b\r\nc\r\n", &[b"a b\r", b"c\r"]),
            (b"# comment\n   # indented comment\n\t\n x\n", &[b"x"]),
            (b"a#b\nc # d\n", &[b"a", b"c "]),
            (b"#only", &[]),
            (b"   ", &[]),
            (b"\x0b\x0c\r\ta\n", &[b"a"]),
            // A NUL ends the C string; the bytes after it up to '\n' are never seen.
            (b"a\0b c\nd\n", &[b"a", b"d"]),
            (b"\0a\nb\n", &[b"b"]),
            // The memmove quirk: a last line with leading blanks and no '\n'.
            (b"x\n  1.2.3.4 last", &[b"x", b"1.2.3.4 lastst"]),
            (b"\t1 a", &[b"1 aa"]),
            // ... and a line cut by NUL after leading blanks.
            (b"  ab\0zz\n", &[b"abab"]),
            // The repeated bytes can themselves hold a '#'.
            (b"  ab c#", &[b"ab c"]),
            (b"  abc #x", &[b"abc "]),
            (b" a#", &[b"a"]),
        ];
        for (text, want) in cases {
            let got = joined(text);
            let want: Vec<Vec<u8>> = want.iter().map(|w| w.to_vec()).collect();
            assert_eq!(got, want, "{:?}", text);
        }
    }

    #[test]
    fn fields_table() {
        let cases: &[(&[u8], &[&[u8]])] = &[
            (b"", &[]),
            (b"   \t ", &[]),
            (b"a", &[b"a"]),
            (
                b" a  b\tc\x0bd\x0ce\rf\ng ",
                &[b"a", b"b", b"c", b"d", b"e", b"f", b"g"],
            ),
            (b"1.2.3.4\thost alias\r", &[b"1.2.3.4", b"host", b"alias"]),
            (b"\xff\xfe \x80", &[b"\xff\xfe", b"\x80"]),
        ];
        for (line, want) in cases {
            let got: Vec<&[u8]> = fields(line).collect();
            assert_eq!(&got[..], *want, "{:?}", line);
        }
    }

    #[test]
    fn hostile_input_never_panics() {
        let long = [b'a'; 100_000];
        assert_eq!(lines(&long).count(), 1);
        assert_eq!(fields(&long).count(), 1);
        let mut junk = Vec::new();
        for i in 0..5000u32 {
            junk.push((i.wrapping_mul(2654435761) >> 24) as u8);
        }
        for l in lines(&junk) {
            let _ = fields(l.head).count() + fields(l.tail).count();
        }
    }
}
