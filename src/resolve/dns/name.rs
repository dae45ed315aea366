//! Names read in place (RFC 1035 §3.1, §4.1.4), compared in place, written out as text.

use super::WireError;

/// RFC 1035 §2.3.4: a label is at most 63 bytes (its length byte's top two bits are 00).
pub const MAX_LABEL_LEN: usize = 63;
/// RFC 1035 §2.3.4: a name is at most 255 bytes in wire form, length bytes and root included.
pub const MAX_NAME_LEN: usize = 255;
/// The longest dotted text of a valid name: 255 wire bytes give at most 253 characters.
pub const MAX_TEXT_LEN: usize = MAX_NAME_LEN - 2;
/// A 255-byte name has at most 127 labels, and an encoder needs at most one pointer per
/// label; more jumps than that is a crafted message making us walk in circles.
const MAX_POINTERS: usize = 127;

/// A name inside a message: the message's bytes plus the offset where the name starts.
/// Only `Name::parse` makes one, so every `Name` has been checked whole: its labels are in
/// bounds, ≤ 63 bytes, ≤ 255 bytes in all, and its pointers go strictly backwards.
#[derive(Clone, Copy, Debug)]
pub struct Name<'a> {
    msg: &'a [u8],
    start: usize,
}

impl<'a> Name<'a> {
    /// Checks the name starting at `msg[start]` and returns it with the offset just past its
    /// in-place bytes (after the root label, or after the first pointer).
    ///
    /// RFC 1035 §4.1.4: "the pointer ... specifies an offset from the start of the message".
    /// Each pointer must point strictly before the previous one's target (and the first before
    /// the name's own start), the window shrinking on every jump as in smoltcp's `parse_name`,
    /// so no loop can be built, whatever the bytes.
    pub fn parse(msg: &'a [u8], start: usize) -> Result<(Self, usize), WireError> {
        let mut pos = start;
        let mut limit = start; // the next pointer must point below this
        let mut end = None; // the in-place end is fixed at the first pointer
        let mut wire_len = 0;
        let mut jumps = 0;
        loop {
            let len = *msg.get(pos).ok_or(WireError::Truncated)?;
            match len & 0xc0 {
                0x00 => {
                    let len = usize::from(len);
                    wire_len += 1 + len;
                    if wire_len > MAX_NAME_LEN {
                        return Err(WireError::NameTooLong);
                    }
                    let next = pos + 1 + len;
                    if next > msg.len() {
                        return Err(WireError::Truncated);
                    }
                    if len == 0 {
                        return Ok((Name { msg, start }, end.unwrap_or(next)));
                    }
                    pos = next;
                }
                0xc0 => {
                    let low = *msg.get(pos + 1).ok_or(WireError::Truncated)?;
                    let target = usize::from(u16::from_be_bytes([len & 0x3f, low]));
                    jumps += 1;
                    if target >= limit || jumps > MAX_POINTERS {
                        return Err(WireError::BadPointer);
                    }
                    end.get_or_insert(pos + 2);
                    limit = target;
                    pos = target;
                }
                // 0x40 (RFC 6891 §5: extended label types, never deployed) and 0x80 (reserved).
                _ => return Err(WireError::BadLabel),
            }
        }
    }

    /// The labels from left to right, root excluded (the root name has none).
    pub fn labels(&self) -> Labels<'a> {
        Labels {
            msg: self.msg,
            pos: self.start,
            steps: 0,
        }
    }

    /// True for the root name ".".
    pub fn is_root(&self) -> bool {
        self.labels().next().is_none()
    }

    /// Same name, ASCII letters compared without case (RFC 1035 §2.3.3), label by label.
    pub fn eq_ignore_case(&self, other: &Name<'_>) -> bool {
        let mut mine = self.labels();
        let mut theirs = other.labels();
        loop {
            match (mine.next(), theirs.next()) {
                (None, None) => return true,
                (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => {}
                _ => return false,
            }
        }
    }

    /// Same name as dotted `text` (one trailing dot allowed), ASCII case ignored. Text that is
    /// not a valid name (empty labels, escapes) never equals a wire name.
    pub fn eq_text(&self, text: &[u8]) -> bool {
        let text = text.strip_suffix(b".").unwrap_or(text);
        let mut mine = self.labels();
        if text.is_empty() {
            return mine.next().is_none();
        }
        for part in text.split(|&b| b == b'.') {
            match mine.next() {
                Some(label) if label.eq_ignore_ascii_case(part) => {}
                _ => return false,
            }
        }
        mine.next().is_none()
    }

    /// glibc's `__res_binary_hnok` (resolv/res-name-checking.c): every byte is a letter, a
    /// digit, '-' or '_', and the first label does not start with '-'. glibc takes a CNAME
    /// target as the canonical name, and a PTR target as the host name, only when this holds.
    pub fn is_hostname(&self) -> bool {
        let mut labels = self.labels();
        if let Some(first) = labels.clone().next() {
            if first.first() == Some(&b'-') {
                return false;
            }
        }
        labels.all(|label| {
            label
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
    }

    /// Length of `write_text`'s output.
    pub fn text_len(&self) -> usize {
        let (count, bytes) = self
            .labels()
            .fold((0, 0), |(n, sum), label| (n + 1, sum + label.len()));
        if count == 0 {
            1
        } else {
            bytes + count - 1
        }
    }

    /// Writes the name as dotted text, without a trailing dot ("." for the root), bytes and
    /// case exactly as received; no NUL. Returns the length written. Bytes are not escaped
    /// (glibc's ns_name_ntop would write "\." or "\032"): callers write hostnames only, which
    /// `is_hostname` vouches need no escape.
    pub fn write_text(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let len = self.text_len();
        let out = out.get_mut(..len).ok_or(WireError::NoSpace)?;
        if self.is_root() {
            out.fill(b'.');
            return Ok(len);
        }
        let mut rest = out;
        for (i, label) in self.labels().enumerate() {
            if i > 0 {
                rest = put(rest, b".")?;
            }
            rest = put(rest, label)?;
        }
        Ok(len)
    }
}

/// Copies `bytes` to the front of `out` and returns what is left after them.
fn put<'o>(out: &'o mut [u8], bytes: &[u8]) -> Result<&'o mut [u8], WireError> {
    let (head, tail) = out
        .split_at_mut_checked(bytes.len())
        .ok_or(WireError::NoSpace)?;
    head.copy_from_slice(bytes);
    Ok(tail)
}

/// The labels of a checked `Name`. The walk repeats `Name::parse`'s and stops (rather than
/// panics) on anything it did not accept; `steps` bounds it even so.
#[derive(Clone, Debug)]
pub struct Labels<'a> {
    msg: &'a [u8],
    pos: usize,
    steps: usize,
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        while self.steps <= MAX_NAME_LEN + MAX_POINTERS {
            self.steps += 1;
            let len = *self.msg.get(self.pos)?;
            match len & 0xc0 {
                0x00 if len > 0 => {
                    let from = self.pos + 1;
                    let label = self.msg.get(from..from + usize::from(len))?;
                    self.pos = from + usize::from(len);
                    return Some(label);
                }
                0xc0 => {
                    let low = *self.msg.get(self.pos + 1)?;
                    self.pos = usize::from(u16::from_be_bytes([len & 0x3f, low]));
                }
                _ => return None,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &Name) -> String {
        let mut buf = [0u8; 300];
        let n = name.write_text(&mut buf).unwrap();
        assert_eq!(n, name.text_len());
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    #[test]
    fn parse_valid() {
        // (message, start, text, in-place end)
        #[rustfmt::skip]
        let table: &[(&[u8], usize, &str, usize)] = &[
            (b"\x00", 0, ".", 1),
            (b"\x03www\x07Example\x03com\x00", 0, "www.Example.com", 17),
            // "mail" + pointer to "example.com" at 4
            (b"\x03www\x07example\x03com\x00\x04mail\xc0\x04", 17, "mail.example.com", 24),
            // a bare pointer to a pointer to the root
            (b"\x00\xc0\x00\xc0\x01", 3, ".", 5),
            // label of exactly 63 bytes
            (b"\x3faaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\x00", 0,
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 65),
        ];
        for &(msg, start, want, want_end) in table {
            let (name, end) = Name::parse(msg, start).unwrap();
            assert_eq!((text(&name).as_str(), end), (want, want_end), "{msg:02x?}");
        }
    }

    #[test]
    fn parse_hostile() {
        let mut long_label = vec![64u8];
        long_label.extend([b'a'; 64]);
        long_label.push(0);
        // 4 labels of 63 bytes: 256 wire bytes with the root.
        let mut long_name = Vec::new();
        for _ in 0..4 {
            long_name.push(63u8);
            long_name.extend([b'a'; 63]);
        }
        long_name.push(0);
        // exactly 255: three of 63, one of 61
        let mut max_name = Vec::new();
        for len in [63u8, 63, 63, 61] {
            max_name.push(len);
            max_name.extend(std::iter::repeat(b'b').take(len.into()));
        }
        max_name.push(0);
        assert_eq!(max_name.len(), 255);
        assert!(Name::parse(&max_name, 0).is_ok());
        assert_eq!(
            Name::parse(&max_name, 0).unwrap().0.text_len(),
            MAX_TEXT_LEN
        );
        // 256 bytes reached through a pointer
        let mut via_ptr = max_name.clone();
        via_ptr.truncate(254); // drop the root: labels are 254 bytes
        via_ptr.push(0);
        via_ptr.extend([1, b'x', 0xc0, 0]); // "x" + pointer to the 254-byte-plus-root name

        #[rustfmt::skip]
        let table: &[(&[u8], usize, WireError)] = &[
            (b"", 0, WireError::Truncated),
            (b"\x03ww", 0, WireError::Truncated),
            (b"\x03www", 0, WireError::Truncated),
            (b"\xc0", 0, WireError::Truncated),
            (b"\xc0\x00", 0, WireError::BadPointer),          // to itself
            (b"\xc0\x02\x00", 0, WireError::BadPointer),      // forward
            (b"\x00\xc0\x03\xc0\x01", 1, WireError::BadPointer), // forward inside the chain
            (b"\x01a\xc0\x00", 0, WireError::BadPointer),     // back to its own start
            (b"\x00\x01a\xc0\x01", 3, WireError::BadPointer), // loop: 1 -> 3 -> 1
            (b"\x01a\x00\xc0\x03", 3, WireError::BadPointer),
            (b"\x40\x00", 0, WireError::BadLabel),
            (b"\x80\x00", 0, WireError::BadLabel),
            (b"\x01a\x41", 0, WireError::BadLabel),
            (&long_label, 0, WireError::BadLabel),
            (&long_name, 0, WireError::NameTooLong),
            (&via_ptr, 255, WireError::NameTooLong),
        ];
        for &(msg, start, want) in table {
            assert_eq!(
                Name::parse(msg, start).err(),
                Some(want),
                "{msg:02x?} at {start}"
            );
        }
    }

    #[test]
    fn pointer_chain_bound() {
        // 200 pointers each to the one before, ending at a root: each goes backwards, but
        // more jumps than MAX_POINTERS is refused.
        let mut msg = vec![0u8];
        for i in 0..200u16 {
            let target = if i == 0 { 0 } else { 1 + 2 * (i - 1) };
            msg.extend(0xc000u16.checked_add(target).unwrap().to_be_bytes());
        }
        let last = msg.len() - 2;
        assert_eq!(Name::parse(&msg, last).err(), Some(WireError::BadPointer));
        assert!(Name::parse(&msg, 1 + 2 * 50).is_ok());
    }

    #[test]
    fn compare() {
        let msg = b"\x03WWW\x07example\x03COM\x00\x03www\xc0\x04\x00";
        let (a, _) = Name::parse(msg, 0).unwrap();
        let (b, _) = Name::parse(msg, 17).unwrap();
        let (root, _) = Name::parse(msg, 23).unwrap();
        assert!(a.eq_ignore_case(&b) && b.eq_ignore_case(&a));
        assert!(!a.eq_ignore_case(&root) && root.eq_ignore_case(&root));
        // (text, equals a)
        let table: &[(&[u8], bool)] = &[
            (b"www.example.com", true),
            (b"WwW.ExAmPlE.cOm.", true),
            (b"www.example.com..", false),
            (b"www.example", false),
            (b"www.example.com.au", false),
            (b"ww.example.com", false),
            (b"", false),
            (b".", false),
            (b".www.example.com", false),
        ];
        for &(t, want) in table {
            assert_eq!(a.eq_text(t), want, "{:?}", String::from_utf8_lossy(t));
        }
        assert!(root.eq_text(b".") && root.eq_text(b"") && !root.eq_text(b"a"));
    }

    #[test]
    fn hostname_check() {
        // (wire name, glibc's __res_binary_hnok), verified against glibc 2.36 PTR answers
        let table: &[(&[u8], bool)] = &[
            (b"\x04host\x04test\x00", true),
            (b"\x03a_b\x04test\x00", true),
            (b"\x01x\x02-y\x04test\x00", true),
            (b"\x02x-\x04test\x00", true),
            (b"\x02-x\x04test\x00", false),
            (b"\x03a b\x04test\x00", false),
            (b"\x03a.b\x04test\x00", false),
            (b"\x00", true),
        ];
        for &(msg, want) in table {
            let (name, _) = Name::parse(msg, 0).unwrap();
            assert_eq!(name.is_hostname(), want, "{msg:02x?}");
        }
    }

    #[test]
    fn write_text_no_space() {
        let (name, _) = Name::parse(b"\x03www\x04test\x00", 0).unwrap();
        for size in 0..8 {
            let mut buf = [0xaau8; 12];
            assert_eq!(name.write_text(&mut buf[..size]), Err(WireError::NoSpace));
            assert!(buf.iter().all(|&b| b == 0xaa), "wrote into a short buffer");
        }
        let mut buf = [0u8; 8];
        assert_eq!(name.write_text(&mut buf), Ok(8));
        assert_eq!(&buf, b"www.test");
    }
}
