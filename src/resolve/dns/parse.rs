//! Questions and records read forward from a `Message`, and the walks the resolver needs.

use super::header::{field, Message};
use super::name::Name;
use super::{WireError, CLASS_IN, TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_PTR};
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
    left: [u16; 3],
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
pub fn question_matches(reply: &Message<'_>, qname: &[u8], qtype: u16) -> bool {
    if reply.question_count() != 1 {
        return false;
    }
    match reply.question() {
        Ok(q) => q.qtype == qtype && q.qclass == CLASS_IN && q.name.eq_text(qname),
        Err(_) => false,
    }
}

/// Records of type `qtype` that answer the question, following CNAMEs, as glibc 2.36 walks an
/// answer (`getanswer_r`, `gaih_getanswer_slice`, `getanswer_ptr` in resolv/nss_dns):
///
/// - The owner we look for starts as the reply's question name.
/// - A CNAME makes its target the owner we look for, whatever the CNAME's own owner (glibc:
///   "no check for owner name match, based on historic precedent"). The walk is one pass in
///   answer order: a record before the CNAME that names its target is not taken.
/// - A record counts if its type is `qtype` and its owner equals the current one (ASCII case
///   ignored). Other types are skipped.
/// - With `class_in_only`, records of another class are skipped (CNAMEs too). glibc's
///   AF_INET/AF_INET6 path checks the class; its AF_UNSPEC path does not.
/// - Any malformed record ends the walk with an error; glibc then drops the whole answer.
///
/// No bound on the chain: each record is read once, so the walk is linear in ANCOUNT and in
/// the bytes and cannot loop; glibc follows a 20-CNAME chain, and so do we.
#[derive(Clone, Debug)]
pub struct AnswerWalk<'a> {
    records: Records<'a>,
    owner: Name<'a>,
    canonical: Name<'a>,
    qtype: u16,
    class_in_only: bool,
}

impl<'a> AnswerWalk<'a> {
    pub fn new(reply: &Message<'a>, qtype: u16, class_in_only: bool) -> Result<Self, WireError> {
        let question = reply.question()?;
        Ok(AnswerWalk {
            records: reply.answers(),
            owner: question.name,
            canonical: question.name,
            qtype,
            class_in_only,
        })
    }

    /// glibc's canonical name: the last CNAME target read so far that is a valid hostname
    /// (`__res_binary_hnok`), else the question name as the reply spells it. Final once the
    /// walk has ended (a CNAME after the last address still counts, as in glibc).
    pub fn canonical_name(&self) -> Name<'a> {
        self.canonical
    }

    fn step(&mut self, record: Record<'a>) -> Result<Option<Record<'a>>, WireError> {
        if self.class_in_only && record.rclass != CLASS_IN {
            return Ok(None);
        }
        if record.rtype == TYPE_CNAME && self.qtype != TYPE_CNAME {
            let target = record.rdata_name()?;
            self.owner = target;
            if target.is_hostname() {
                self.canonical = target;
            }
            return Ok(None);
        }
        let wanted = record.rtype == self.qtype && record.name.eq_ignore_case(&self.owner);
        Ok(wanted.then_some(record))
    }
}

impl<'a> Iterator for AnswerWalk<'a> {
    type Item = Result<Record<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let record = match self.records.next()? {
                Ok(record) => record,
                Err(e) => return Some(Err(e)),
            };
            match self.step(record) {
                Ok(None) => continue,
                Ok(Some(found)) => return Some(Ok(found)),
                Err(e) => {
                    self.records.left = [0; 3];
                    return Some(Err(e));
                }
            }
        }
    }
}

/// The A (qtype 1) or AAAA (qtype 28) addresses of a reply, in answer order, after CNAMEs;
/// see `AnswerWalk`. A or AAAA records whose rdata is not exactly 4 or 16 bytes are skipped,
/// as glibc skips them. After the walk, `canonical_name()` gives AI_CANONNAME's name.
#[derive(Clone, Debug)]
pub struct Addresses<'a> {
    walk: AnswerWalk<'a>,
}

pub fn addresses<'a>(
    reply: &Message<'a>,
    qtype: u16,
    class_in_only: bool,
) -> Result<Addresses<'a>, WireError> {
    Ok(Addresses {
        walk: AnswerWalk::new(reply, qtype, class_in_only)?,
    })
}

impl<'a> Addresses<'a> {
    pub fn canonical_name(&self) -> Name<'a> {
        self.walk.canonical_name()
    }
}

impl Iterator for Addresses<'_> {
    type Item = Result<IpAddr, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.walk.next()? {
                Ok(record) => match record.address() {
                    Some(ip) => return Some(Ok(ip)),
                    None => continue,
                },
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// The target of the first PTR record for the question name (after CNAMEs, class IN only),
/// as glibc's `getanswer_ptr` takes it; `None` when the answer has none.
pub fn first_ptr<'a>(reply: &Message<'a>) -> Result<Option<Name<'a>>, WireError> {
    match AnswerWalk::new(reply, TYPE_PTR, true)?.next() {
        Some(Ok(record)) => record.rdata_name().map(Some),
        Some(Err(e)) => Err(e),
        None => Ok(None),
    }
}

/// `first_ptr` written as dotted text into `out` (no NUL); returns its length. `Ok(None)`
/// also when the first PTR target is not a hostname: glibc 2.36 then fails the lookup rather
/// than trying a later PTR record.
pub fn ptr_text(reply: &Message<'_>, out: &mut [u8]) -> Result<Option<usize>, WireError> {
    match first_ptr(reply)? {
        Some(name) if name.is_hostname() => name.write_text(out).map(Some),
        _ => Ok(None),
    }
}
