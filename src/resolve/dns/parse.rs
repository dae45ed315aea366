//! Questions and records read forward from a `Message`, and the question check.

use super::header::{field, Message};
use super::name::Name;
use super::{WireError, CLASS_IN, TYPE_A, TYPE_AAAA};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Reads forward through a message; every read is checked and ends in `Truncated` at the end.
/// Offsets off the wire are never used to index: names go through `Name::parse`.
#[derive(Clone, Copy, Debug)]
pub struct Cursor<'a> {
    msg: &'a [u8],
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// A cursor just past the header.
    pub fn after_header(msg: &Message<'a>) -> Self {
        let bytes = msg.as_bytes();
        Cursor {
            msg: bytes,
            rest: bytes.get(field::HEADER_LEN..).unwrap_or(&[]),
        }
    }

    /// Offset of the next byte from the start of the message.
    pub fn offset(&self) -> usize {
        self.msg.len() - self.rest.len()
    }

    pub fn bytes(&mut self, len: usize) -> Result<&'a [u8], WireError> {
        let (head, tail) = self
            .rest
            .split_at_checked(len)
            .ok_or(WireError::Truncated)?;
        self.rest = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let (head, tail) = self
            .rest
            .split_first_chunk::<N>()
            .ok_or(WireError::Truncated)?;
        self.rest = tail;
        Ok(*head)
    }

    pub fn u16(&mut self) -> Result<u16, WireError> {
        self.array().map(u16::from_be_bytes)
    }

    pub fn u32(&mut self) -> Result<u32, WireError> {
        self.array().map(u32::from_be_bytes)
    }

    /// The name here; the cursor moves past its in-place bytes (not past pointer targets).
    pub fn name(&mut self) -> Result<Name<'a>, WireError> {
        let (name, end) = Name::parse(self.msg, self.offset())?;
        self.bytes(end.saturating_sub(self.offset()))?;
        Ok(name)
    }
}

/// One entry of the question section (RFC 1035 §4.1.2).
#[derive(Clone, Copy, Debug)]
pub struct Question<'a> {
    pub name: Name<'a>,
    pub qtype: u16,
    pub qclass: u16,
}

impl<'a> Question<'a> {
    fn read(cur: &mut Cursor<'a>) -> Result<Self, WireError> {
        Ok(Question {
            name: cur.name()?,
            qtype: cur.u16()?,
            qclass: cur.u16()?,
        })
    }
}

/// Which section a record came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Section {
    Answer,
    Authority,
    Additional,
}

/// One resource record (RFC 1035 §4.1.3), borrowed from the message: nothing is copied.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    pub section: Section,
    pub name: Name<'a>,
    pub rtype: u16,
    pub rclass: u16,
    pub ttl: u32,
    pub rdata: &'a [u8],
    msg: &'a [u8],
    rdata_at: usize,
}

impl<'a> Record<'a> {
    fn read(cur: &mut Cursor<'a>, section: Section) -> Result<Self, WireError> {
        let name = cur.name()?;
        let rtype = cur.u16()?;
        let rclass = cur.u16()?;
        let ttl = cur.u32()?;
        let rdlength = cur.u16()?;
        let rdata_at = cur.offset();
        let rdata = cur.bytes(usize::from(rdlength))?;
        Ok(Record {
            section,
            name,
            rtype,
            rclass,
            ttl,
            rdata,
            msg: cur.msg,
            rdata_at,
        })
    }

    /// The name that is the whole rdata of a CNAME, PTR or NS record. Pointers in it may reach
    /// anywhere earlier in the message, but its own bytes must end within the rdata.
    pub fn rdata_name(&self) -> Result<Name<'a>, WireError> {
        let (name, end) = Name::parse(self.msg, self.rdata_at)?;
        if end > self.rdata_at + self.rdata.len() {
            return Err(WireError::BadRdata);
        }
        Ok(name)
    }

    /// The address of an A record with exactly 4 bytes of rdata or an AAAA record with exactly
    /// 16 (smoltcp's `RecordData::parse`); `None` for any other record.
    pub fn address(&self) -> Option<IpAddr> {
        match self.rtype {
            TYPE_A => <[u8; 4]>::try_from(self.rdata)
                .ok()
                .map(|b| IpAddr::V4(Ipv4Addr::from(b))),
            TYPE_AAAA => <[u8; 16]>::try_from(self.rdata)
                .ok()
                .map(|b| IpAddr::V6(Ipv6Addr::from(b))),
            _ => None,
        }
    }
}

impl<'a> Message<'a> {
    /// The question section. Yields at most `question_count()` entries; a count larger than
    /// the bytes hold ends in one `Err(Truncated)`, because a count is only the sender's claim.
    pub fn questions(&self) -> Questions<'a> {
        Questions {
            cur: Cursor::after_header(self),
            left: self.question_count(),
        }
    }

    /// The first question, for replies to our own single-question queries.
    pub fn question(&self) -> Result<Question<'a>, WireError> {
        self.questions().next().unwrap_or(Err(WireError::Truncated))
    }

    /// Answer, authority and additional records in order, after skipping the questions. The
    /// counts are claims: a record the bytes do not hold ends the walk in one `Err`.
    pub fn records(&self) -> Records<'a> {
        let mut questions = self.questions();
        let mut error = None;
        for question in questions.by_ref() {
            if let Err(e) = question {
                error = Some(e);
            }
        }
        Records {
            cur: questions.cur,
            left: [
                self.answer_count(),
                self.authority_count(),
                self.additional_count(),
            ],
            error,
        }
    }

    /// The answer section alone: the authority and additional sections are not read.
    pub fn answers(&self) -> Records<'a> {
        let mut records = self.records();
        records.left = [self.answer_count(), 0, 0];
        records
    }
}

/// Iterator over the question section; see `Message::questions`.
#[derive(Clone, Debug)]
pub struct Questions<'a> {
    cur: Cursor<'a>,
    left: u16,
}

impl<'a> Iterator for Questions<'a> {
    type Item = Result<Question<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.left = self.left.checked_sub(1)?;
        let question = Question::read(&mut self.cur);
        if question.is_err() {
            self.left = 0; // nothing after a bad entry can be found
        }
        Some(question)
    }
}

/// Iterator over all records after the questions; see `Message::records`.
#[derive(Clone, Debug)]
pub struct Records<'a> {
    cur: Cursor<'a>,
    pub(super) left: [u16; 3], // answers, authority, additional still claimed
    error: Option<WireError>,
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.error.take() {
            self.left = [0; 3];
            return Some(Err(e));
        }
        let sections = [Section::Answer, Section::Authority, Section::Additional];
        let (left, section) = self.left.iter_mut().zip(sections).find(|(n, _)| **n > 0)?;
        *left -= 1;
        let record = Record::read(&mut self.cur, section);
        if record.is_err() {
            self.left = [0; 3]; // records have no framing: after a bad one nothing is found
        }
        Some(record)
    }
}

/// The anti-spoofing check: does `reply` ask exactly the one question we sent (`qname` as
/// dotted text, `qtype`, class IN)? Names compare without ASCII case, as glibc's
/// `res_queriesmatch` does: a server may change the case of the name it echoes.
/// A reply whose question section is missing or malformed does not match.
/// glibc's `res_queriesmatch`: the same number of questions, and each question of the
/// query in the reply (name without regard to case, type, class).
pub fn queries_match(query: &Message<'_>, reply: &Message<'_>) -> bool {
    if query.question_count() != reply.question_count() {
        return false;
    }
    query.questions().all(|q| {
        q.is_ok_and(|q| {
            reply.questions().any(|r| {
                r.is_ok_and(|r| {
                    r.qtype == q.qtype && r.qclass == q.qclass && r.name.eq_ignore_case(&q.name)
                })
            })
        })
    })
}

pub fn question_matches(reply: &Message<'_>, qname: &[u8], qtype: u16) -> bool {
    if reply.question_count() != 1 {
        return false;
    }
    match reply.question() {
        Ok(q) => q.qtype == qtype && q.qclass == CLASS_IN && q.name.eq_text(qname),
        Err(_) => false,
    }
}

#[cfg(test)]
pub(in crate::resolve) mod tests {
    use super::*;
    use crate::resolve::dns::answer::{addresses, ptr_text};
    use crate::resolve::dns::{RCODE_NXDOMAIN, TYPE_CNAME, TYPE_SOA};

    // Replies as a server sends them, built by hand with compression.

    /// www.example.com A: two answers, owners compressed to the question (offset 12).
    #[rustfmt::skip]
    const A_REPLY: &[u8] = &[
        0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
        3, b'w', b'w', b'w', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0,
        0, 1, 0, 1,
        0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 93, 184, 216, 34,
        0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 93, 184, 216, 35,
    ];

    /// www.example.com AAAA, one answer.
    #[rustfmt::skip]
    const AAAA_REPLY: &[u8] = &[
        0x12, 0x35, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
        3, b'w', b'w', b'w', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0,
        0, 28, 0, 1,
        0xc0, 12, 0, 28, 0, 1, 0, 0, 1, 44, 0, 16,
        0x26, 0x06, 0x28, 0x00, 0x02, 0x20, 0, 1, 0x02, 0x48, 0x18, 0x93, 0x25, 0xc8, 0x19, 0x46,
    ];

    /// www.example.com A → CNAME cdn.example.net (at 45) → CNAME edge.<45> (at 74) → two A
    /// records, with a stray A for the old owner between them that must not be taken.
    #[rustfmt::skip]
    const CNAME_REPLY: &[u8] = &[
        0xab, 0xcd, 0x81, 0x80, 0, 1, 0, 5, 0, 0, 0, 0,
        3, b'w', b'w', b'w', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0,
        0, 1, 0, 1,
        // 33: www.example.com CNAME cdn.example.net
        0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 17,
        3, b'c', b'd', b'n', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'n', b'e', b't', 0,
        // 62: cdn.example.net CNAME edge.cdn.example.net
        0xc0, 45, 0, 5, 0, 1, 0, 0, 0, 60, 0, 7,
        4, b'e', b'd', b'g', b'e', 0xc0, 45,
        // 81: edge.cdn.example.net A 192.0.2.1
        0xc0, 74, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1,
        // 97: www.example.com A 192.0.2.99 (the old owner: skipped)
        0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 99,
        // 113: EDGE.cdn.example.net A 192.0.2.2 (case differs: taken)
        4, b'E', b'D', b'G', b'E', 0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 2,
    ];

    /// 4.3.2.1.in-addr.arpa PTR host.example.com
    #[rustfmt::skip]
    const PTR_REPLY: &[u8] = &[
        0x00, 0x07, 0x85, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
        1, b'4', 1, b'3', 1, b'2', 1, b'1', 7, b'i', b'n', b'-', b'a', b'd', b'd', b'r',
        4, b'a', b'r', b'p', b'a', 0, 0, 12, 0, 1,
        0xc0, 12, 0, 12, 0, 1, 0, 0, 0x0e, 0x10, 0, 18,
        4, b'h', b'o', b's', b't', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0,
    ];

    /// nope.example.com A: NXDOMAIN with the zone's SOA in the authority section.
    #[rustfmt::skip]
    const NXDOMAIN_REPLY: &[u8] = &[
        0x55, 0x66, 0x81, 0x83, 0, 1, 0, 0, 0, 1, 0, 0,
        4, b'n', b'o', b'p', b'e', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0,
        0, 1, 0, 1,
        0xc0, 17, 0, 6, 0, 1, 0, 0, 3, 0x84, 0, 38,
        2, b'n', b's', 0xc0, 17,
        10, b'h', b'o', b's', b't', b'm', b'a', b's', b't', b'e', b'r', 0xc0, 17,
        0x78, 0x49, 0x8e, 0x6c, 0, 0, 0x1c, 0x20, 0, 0, 0x0e, 0x10, 0, 0x12, 0x75, 0, 0, 0, 0x0e, 0x10,
    ];

    pub(in crate::resolve::dns) const GOOD: [&[u8]; 5] =
        [A_REPLY, AAAA_REPLY, CNAME_REPLY, PTR_REPLY, NXDOMAIN_REPLY];

    pub(in crate::resolve::dns) fn msg(bytes: &[u8]) -> Message<'_> {
        Message::new_checked(bytes).unwrap()
    }

    pub(in crate::resolve::dns) fn text(name: Name<'_>) -> String {
        let mut buf = [0u8; 256];
        let n = name.write_text(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// Every address and the canonical name, or the first error.
    pub(in crate::resolve::dns) fn walk(
        bytes: &[u8],
        qtype: u16,
        class_in_only: bool,
    ) -> Result<(Vec<String>, String), WireError> {
        let m = Message::new_checked(bytes)?;
        let mut walk = addresses(&m, qtype, class_in_only)?;
        let ips = walk
            .by_ref()
            .map(|ip| ip.map(|ip| ip.to_string()))
            .collect::<Result<_, _>>()?;
        Ok((ips, text(walk.canonical_name())))
    }

    pub(in crate::resolve::dns) fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn captured_replies() {
        #[rustfmt::skip]
        let table: &[(&[u8], u16, &[&str], &str)] = &[
            (A_REPLY, TYPE_A, &["93.184.216.34", "93.184.216.35"], "www.example.com"),
            (A_REPLY, TYPE_AAAA, &[], "www.example.com"),
            (AAAA_REPLY, TYPE_AAAA, &["2606:2800:220:1:248:1893:25c8:1946"], "www.example.com"),
            (CNAME_REPLY, TYPE_A, &["192.0.2.1", "192.0.2.2"], "edge.cdn.example.net"),
            (NXDOMAIN_REPLY, TYPE_A, &[], "nope.example.com"),
        ];
        for &(bytes, qtype, ips, canon) in table {
            assert_eq!(
                walk(bytes, qtype, true),
                Ok((strs(ips), canon.to_string())),
                "{ips:?}"
            );
        }
        let nx = msg(NXDOMAIN_REPLY);
        assert_eq!(
            (nx.rcode(), nx.answer_count(), nx.authority_count()),
            (RCODE_NXDOMAIN, 0, 1)
        );
        let soa = nx.records().next().unwrap().unwrap();
        assert_eq!(
            (soa.section, soa.rtype, soa.ttl),
            (Section::Authority, TYPE_SOA, 900)
        );
        assert_eq!(text(soa.rdata_name().unwrap()), "ns.example.com");
        assert_eq!(nx.records().count(), 1);
        let mut buf = [0u8; 64];
        assert_eq!(ptr_text(&msg(PTR_REPLY), &mut buf), Ok(Some(16)));
        assert_eq!(&buf[..16], b"host.example.com");
        assert_eq!(ptr_text(&msg(A_REPLY), &mut buf), Ok(None));
        assert_eq!(
            ptr_text(&msg(PTR_REPLY), &mut buf[..15]),
            Err(WireError::NoSpace)
        );
    }

    #[test]
    fn question_check() {
        let a = msg(A_REPLY);
        // (name, qtype, matches)
        let table: &[(&[u8], u16, bool)] = &[
            (b"www.example.com", TYPE_A, true),
            (b"WWW.Example.COM.", TYPE_A, true),
            (b"www.example.com", TYPE_AAAA, false),
            (b"example.com", TYPE_A, false),
            (b"www.example.com.evil", TYPE_A, false),
            (b"www.example.co", TYPE_A, false),
        ];
        for &(name, qtype, want) in table {
            assert_eq!(
                question_matches(&a, name, qtype),
                want,
                "{:?}",
                String::from_utf8_lossy(name)
            );
        }
        let patch = |at: usize, v: u8| {
            let mut b = A_REPLY.to_vec();
            b[at] = v;
            b
        };
        // qdcount 0, qdcount 2, class CH, question cut short
        for bytes in [
            patch(5, 0),
            patch(5, 2),
            patch(32, 3),
            A_REPLY[..30].to_vec(),
        ] {
            assert!(
                !question_matches(&msg(&bytes), b"www.example.com", TYPE_A),
                "{bytes:02x?}"
            );
        }
    }

    /// One answer record: owner, type, class, rdata.
    pub(in crate::resolve) type Rr<'a> = (&'a str, u16, u16, Vec<u8>);

    /// A reply to `qname`/`qtype` with uncompressed records (owner, type, class, rdata).
    pub(in crate::resolve) fn reply(qname: &str, qtype: u16, records: &[Rr]) -> Vec<u8> {
        let mut b = vec![0, 1, 0x81, 0x80, 0, 1, 0, records.len() as u8, 0, 0, 0, 0];
        b.extend(wire(qname));
        b.extend(qtype.to_be_bytes());
        b.extend(CLASS_IN.to_be_bytes());
        for (owner, rtype, class, rdata) in records {
            b.extend(wire(owner));
            b.extend(rtype.to_be_bytes());
            b.extend(class.to_be_bytes());
            b.extend(60u32.to_be_bytes());
            b.extend((rdata.len() as u16).to_be_bytes());
            b.extend(rdata);
        }
        b
    }

    /// Dotted text to an uncompressed wire name; '|' stands for a literal dot inside a label.
    pub(in crate::resolve) fn wire(name: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for label in name.split('.').filter(|l| !l.is_empty()) {
            out.push(label.len() as u8);
            out.extend(label.replace('|', ".").bytes());
        }
        out.push(0);
        out
    }

    #[test]
    fn hostile_replies() {
        let mut cases: Vec<(Vec<u8>, WireError)> = Vec::new();
        // every truncated prefix of every good reply (past the header): the counts claim
        // more than the bytes hold, so some read must fail
        for good in GOOD {
            for len in 12..good.len() {
                cases.push((good[..len].to_vec(), WireError::Truncated));
            }
        }
        let with = |at: usize, bytes: &[u8]| {
            let mut b = A_REPLY.to_vec();
            b[at..at + bytes.len()].copy_from_slice(bytes);
            b
        };
        // A_REPLY: question name at 12, answers at 33 and 49, their rdlength at 43 and 59
        cases.push((with(33, &[0xc0, 33]), WireError::BadPointer)); // owner points to itself
        cases.push((with(33, &[0xc0, 49]), WireError::BadPointer)); // forward pointer
        let mut looped = with(33, &[0xc0, 49]); // 33 -> 49 -> 33: a loop
        looped[49..51].copy_from_slice(&[0xc0, 33]);
        cases.push((looped, WireError::BadPointer));
        cases.push((with(16, &[0xc0, 12]), WireError::BadPointer)); // question loops on itself
        cases.push((with(12, &[0x40]), WireError::BadLabel)); // extended label type
        cases.push((with(12, &[0x80]), WireError::BadLabel)); // reserved label type
        cases.push((with(33, &[0x80, 0]), WireError::BadLabel));
        cases.push((with(59, &[0, 5]), WireError::Truncated)); // rdlength past the end
        cases.push((with(43, &[0xff, 0xff]), WireError::Truncated));
        cases.push((with(6, &[0xff, 0xff]), WireError::Truncated)); // ANCOUNT 65535
        cases.push((with(4, &[0xff, 0xff]), WireError::Truncated)); // QDCOUNT 65535
                                                                    // a 64-byte label, a 256-byte name, in the question
        let mut label64 = A_REPLY[..12].to_vec();
        label64.push(64);
        label64.extend([b'a'; 64]);
        label64.extend([0, 0, 1, 0, 1]);
        cases.push((label64, WireError::BadLabel));
        let mut name256 = A_REPLY[..12].to_vec();
        for _ in 0..4 {
            name256.push(63);
            name256.extend([b'a'; 63]);
        }
        name256.extend([0, 0, 1, 0, 1]);
        cases.push((name256, WireError::NameTooLong));
        // a CNAME target "x" whose pointer lies past its 2-byte rdata
        let mut overrun = reply(
            "q.test",
            TYPE_A,
            &[("q.test", TYPE_CNAME, 1, vec![1, b'x'])],
        );
        overrun.extend([0xc0, 12]);
        cases.push((overrun, WireError::BadRdata));
        // a CNAME target pointing forward
        let mut forward = CNAME_REPLY.to_vec();
        forward[79..81].copy_from_slice(&[0xc0, 90]);
        cases.push((forward, WireError::BadPointer));

        for (bytes, want) in cases {
            let m = Message::new_checked(&bytes).unwrap();
            let walked = walk(&bytes, TYPE_A, true).err().or_else(|| {
                // the walk reads the answers only; the records iterator reads the rest
                m.records().find_map(Result::err)
            });
            assert_eq!(walked, Some(want), "{bytes:02x?}");
            assert!(
                m.records().filter(Result::is_err).count() <= 1,
                "one error, then the end"
            );
        }
    }
}
