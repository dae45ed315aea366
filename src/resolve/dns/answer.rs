//! The walks over an answer section that getaddrinfo (A/AAAA after CNAMEs, canonical name)
//! and getnameinfo (PTR) need, with glibc 2.36's rules.

use super::header::Message;
use super::name::Name;
use super::parse::{Record, Records};
use super::{WireError, CLASS_IN, TYPE_CNAME, TYPE_PTR};
use core::net::IpAddr;

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
/// An `Err` ends the walk: glibc then drops the addresses already read, and so should the
/// caller (verified: a good A followed by a truncated record gives EAI_NONAME).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::dns::parse::tests::{msg, reply, strs, walk, wire, Rr};
    use crate::resolve::dns::{TYPE_A, TYPE_AAAA};
    use core::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn glibc_answer_rules() {
        // Each case was run against glibc 2.36 (Debian 2.36-9+deb12u14) getaddrinfo with a
        // loopback server in a private network namespace; the expected column is its answer.
        let a = |s: &str| s.parse::<Ipv4Addr>().unwrap().octets().to_vec();
        let aaaa = |s: &str| s.parse::<Ipv6Addr>().unwrap().octets().to_vec();
        let (cn, ch) = (TYPE_CNAME, 3);
        #[allow(clippy::type_complexity)] // one table row per case
        #[rustfmt::skip]
        let table: Vec<(&str, Vec<Rr>, bool, Vec<&str>, &str)> = vec![
            // records for another owner, no CNAME: nothing (glibc: EAI_NONAME)
            ("owner.test", vec![("elsewhere.test", TYPE_A, 1, a("1.2.3.4"))], true, vec![], "owner.test"),
            // an AAAA inside an A reply is skipped
            ("mixed.test", vec![("mixed.test", TYPE_A, 1, a("1.1.1.1")),
                                ("mixed.test", TYPE_AAAA, 1, aaaa("2001:db8::1"))], true, vec!["1.1.1.1"], "mixed.test"),
            // a CNAME whose owner is unrelated still moves the owner
            ("cnameowner.test", vec![("zzz.test", cn, 1, wire("t.test")),
                                     ("t.test", TYPE_A, 1, a("4.4.4.4"))], true, vec!["4.4.4.4"], "t.test"),
            // a 5-byte A is skipped, not an error
            ("badlen.test", vec![("badlen.test", TYPE_A, 1, vec![1, 2, 3, 4, 5]),
                                 ("badlen.test", TYPE_A, 1, a("5.5.5.5"))], true, vec!["5.5.5.5"], "badlen.test"),
            // class CH: skipped on glibc's AF_INET path, taken on its AF_UNSPEC path
            ("class.test", vec![("class.test", TYPE_A, ch, a("6.6.6.6")),
                                ("class.test", TYPE_A, 1, a("6.6.6.7"))], true, vec!["6.6.6.7"], "class.test"),
            ("class.test", vec![("class.test", TYPE_A, ch, a("6.6.6.6")),
                                ("class.test", TYPE_A, 1, a("6.6.6.7"))], false, vec!["6.6.6.6", "6.6.6.7"], "class.test"),
            // only a CNAME: nothing, canonical name moved
            ("cnameonly.test", vec![("cnameonly.test", cn, 1, wire("nowhere.test"))], true, vec![], "nowhere.test"),
            // two CNAMEs from the same owner: the last one wins
            ("twocname.test", vec![("twocname.test", cn, 1, wire("x1.test")), ("twocname.test", cn, 1, wire("x2.test")),
                                   ("x1.test", TYPE_A, 1, a("8.8.8.1")), ("x2.test", TYPE_A, 1, a("8.8.8.2"))],
             true, vec!["8.8.8.2"], "x2.test"),
            // an A before the CNAME that leads to it is not taken: one pass
            ("cnamelater.test", vec![("y.test", TYPE_A, 1, a("9.9.9.1")), ("cnamelater.test", cn, 1, wire("y.test")),
                                     ("y.test", TYPE_A, 1, a("9.9.9.2"))], true, vec!["9.9.9.2"], "y.test"),
            // owner in another case matches
            ("CaSe.test", vec![("CASE.TEST", TYPE_A, 1, a("10.0.0.1"))], true, vec!["10.0.0.1"], "CaSe.test"),
            // a target that is no hostname is followed but is not the canonical name
            ("cnamesp.test", vec![("cnamesp.test", cn, 1, wire("a b.test")), ("a b.test", TYPE_A, 1, a("16.0.0.1"))],
             true, vec!["16.0.0.1"], "cnamesp.test"),
            ("cnamedot.test", vec![("cnamedot.test", cn, 1, wire("a|b.test")), ("a|b.test", TYPE_A, 1, a("16.0.0.2"))],
             true, vec!["16.0.0.2"], "cnamedot.test"),
            ("cnamebad.test", vec![("cnamebad.test", cn, 1, wire("a_b.test")), ("a_b.test", TYPE_A, 1, a("11.0.0.1"))],
             true, vec!["11.0.0.1"], "a_b.test"),
            // unknown types with odd rdata are skipped
            ("unkafter.test", vec![("unkafter.test", TYPE_A, 1, a("14.0.0.1")), ("unkafter.test", 16, 1, vec![0xff]),
                                   ("unkafter.test", TYPE_A, 1, a("14.0.0.2"))], true, vec!["14.0.0.1", "14.0.0.2"], "unkafter.test"),
        ];
        for (qname, records, class_in_only, ips, canon) in table {
            let bytes = reply(qname, TYPE_A, &records);
            assert_eq!(
                walk(&bytes, TYPE_A, class_in_only),
                Ok((strs(&ips), canon.to_string())),
                "{qname}"
            );
        }
        // a 20-CNAME chain is followed to its end
        let mut chain = vec![("chain20.test".to_string(), "c1.test".to_string())];
        chain.extend((1..20).map(|k| (format!("c{k}.test"), format!("c{}.test", k + 1))));
        let mut records: Vec<Rr> = chain
            .iter()
            .map(|(o, t)| (o.as_str(), cn, 1, wire(t)))
            .collect();
        records.push(("c20.test", TYPE_A, 1, a("17.0.0.1")));
        let bytes = reply("chain20.test", TYPE_A, &records);
        assert_eq!(
            walk(&bytes, TYPE_A, true),
            Ok((strs(&["17.0.0.1"]), "c20.test".into()))
        );
    }

    #[test]
    fn glibc_ptr_rules() {
        // (answer records, getnameinfo's host under glibc 2.36; None = EAI_NONAME)
        let q = "1.0.0.10.in-addr.arpa";
        #[rustfmt::skip]
        let table: Vec<(Vec<Rr>, Option<&str>)> = vec![
            // other owner skipped; first matching PTR taken though '_' is odd
            (vec![("other.arpa", TYPE_PTR, 1, wire("wrong.test")), (q, TYPE_PTR, 1, wire("a_b.test")),
                  (q, TYPE_PTR, 1, wire("Right.Test"))], Some("a_b.test")),
            // through a CNAME (RFC 2317 classless delegation)
            (vec![(q, TYPE_CNAME, 1, wire("2.sub.arpa")), ("2.sub.arpa", TYPE_PTR, 1, wire("viacname.test"))],
             Some("viacname.test")),
            // the first PTR is no hostname: the lookup fails, the second is not tried
            (vec![(q, TYPE_PTR, 1, wire("a b.test")), (q, TYPE_PTR, 1, wire("fallback.test"))], None),
            (vec![(q, TYPE_PTR, 1, wire("-x.test")), (q, TYPE_PTR, 1, wire("fallback5.test"))], None),
            (vec![(q, TYPE_PTR, 1, wire("x.-y.test"))], Some("x.-y.test")),
            (vec![(q, TYPE_PTR, 1, wire("x-.test"))], Some("x-.test")),
            (vec![(q, TYPE_PTR, 1, wire("."))], Some(".")),
            (vec![], None),
        ];
        for (records, want) in table {
            let bytes = reply(q, TYPE_PTR, &records);
            let mut buf = [0u8; 64];
            let got = ptr_text(&msg(&bytes), &mut buf).unwrap().map(|n| &buf[..n]);
            assert_eq!(got, want.map(str::as_bytes), "{want:?}");
        }
    }
}
