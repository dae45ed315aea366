//! DNS answers a traced program received: the question, its addresses (after CNAMEs), and
//! the names to give its later connects. Read with the library's wire modules, which never
//! panic on hostile bytes; a message they do not accept gives nothing, never a guess.

use crate::resolve::dns::{self, Message};
use std::net::IpAddr;

/// One answer, as the program read it.
#[derive(Debug, PartialEq, Eq)]
pub struct Answer {
    pub name: String,
    pub qtype: u16,
    /// "ok" or the RCODE's name (RFC 1035 §4.1.1, RFC 2136).
    pub result: &'static str,
    pub addrs: Vec<IpAddr>,
}

/// A response message (QR set) with one question; None for anything else.
pub fn read_answer(bytes: &[u8]) -> Option<Answer> {
    let msg = Message::new_checked(bytes).ok()?;
    if !msg.qr() {
        return None;
    }
    let question = msg.question().ok()?;
    let mut text = [0u8; 256];
    let len = question.name.write_text(&mut text).ok()?;
    let name = String::from_utf8_lossy(&text[..len]).into_owned();
    let addrs = match question.qtype {
        dns::TYPE_A | dns::TYPE_AAAA => dns::addresses(&msg, question.qtype, true)
            .map(|walk| walk.filter_map(Result::ok).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    Some(Answer {
        name,
        qtype: question.qtype,
        result: rcode_name(msg.rcode()),
        addrs,
    })
}

fn rcode_name(rcode: u8) -> &'static str {
    match rcode {
        dns::RCODE_NOERROR => "ok",
        dns::RCODE_FORMERR => "FORMERR",
        dns::RCODE_SERVFAIL => "SERVFAIL",
        dns::RCODE_NXDOMAIN => "NXDOMAIN",
        dns::RCODE_NOTIMP => "NOTIMP",
        dns::RCODE_REFUSED => "REFUSED",
        _ => "RCODE",
    }
}

/// DNS over TCP (RFC 1035 §4.2.2): messages with a two-byte length, in whatever pieces the
/// program's reads returned them.
#[derive(Default)]
pub struct Stream {
    buf: Vec<u8>,
}

/// The most a stream keeps waiting for the rest of a message: one 64 KiB message.
const STREAM_MAX: usize = 2 + 65_535;

impl Stream {
    /// Adds the bytes of one read; returns the answers now complete.
    pub fn push(&mut self, data: &[u8]) -> Vec<Answer> {
        self.buf.extend_from_slice(data);
        let mut out = Vec::new();
        while self.buf.len() >= 2 {
            let len = usize::from(u16::from_be_bytes([self.buf[0], self.buf[1]]));
            if self.buf.len() < 2 + len {
                break;
            }
            out.extend(read_answer(&self.buf[2..2 + len]));
            self.buf.drain(..2 + len);
        }
        if self.buf.len() > STREAM_MAX {
            self.buf.clear(); // not DNS after all: stop collecting
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    /// "h.test" A: a CNAME to "w.test" and its address, as dnsmasq answers.
    fn reply() -> Vec<u8> {
        let mut m = vec![0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0];
        m.extend(b"\x01h\x04test\x00\x00\x01\x00\x01");
        m.extend(b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c\x00\x04\x01w\xc0\x0e");
        m.extend(b"\xc0\x24\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x07");
        m
    }

    #[test]
    fn answers_give_the_question_and_its_addresses() {
        let a = read_answer(&reply()).unwrap();
        assert_eq!(a.name, "h.test");
        assert_eq!(a.qtype, dns::TYPE_A);
        assert_eq!(a.result, "ok");
        assert_eq!(a.addrs, [IpAddr::V4(Ipv4Addr::new(127, 0, 0, 7))]);
        let mut nx = reply();
        nx[3] = 0x83; // NXDOMAIN
        nx[7] = 0; // no answers
        nx.truncate(12 + 12);
        assert_eq!(read_answer(&nx).unwrap().result, "NXDOMAIN");
    }

    #[test]
    fn queries_and_garbage_give_nothing() {
        let mut query = reply();
        query[2] = 0x01; // QR clear: a question, not an answer
        assert_eq!(read_answer(&query), None);
        for len in 0..reply().len() - 4 {
            // every truncated prefix parses to nothing or to an answer without a guess
            if let Some(a) = read_answer(&reply()[..len]) {
                assert!(a.addrs.is_empty() || a.name == "h.test");
            }
        }
    }

    #[test]
    fn tcp_streams_are_split_into_messages() {
        let msg = reply();
        let mut framed = (msg.len() as u16).to_be_bytes().to_vec();
        framed.extend(&msg);
        framed.extend(framed.clone());
        let mut s = Stream::default();
        assert!(s.push(&framed[..1]).is_empty());
        assert!(s.push(&framed[1..20]).is_empty());
        let got = s.push(&framed[20..]);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].name, "h.test");
    }
}
