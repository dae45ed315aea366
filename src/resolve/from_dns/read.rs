//! The replies read as resolv/nss_dns/dns-host.c reads them: `getanswer_r` for one family,
//! `gaih_getanswer` (reply by reply, `gaih_getanswer_slice`) for A and AAAA together.

use super::super::dns::{self, Message, Name};
use super::super::found::Found;
use super::super::nsswitch::Status;
use super::super::Address;
use super::{HErrno, Nss};
use alloc::vec::Vec;

/// glibc's `__ns_rr_cursor_init`: one question, its name written out in full (a
/// compressed question name is refused), type and class present.
fn cursor_init<'a>(packet: &'a [u8]) -> Option<(Message<'a>, Name<'a>, u16)> {
    let msg = Message::new_checked(packet).ok()?;
    if msg.question_count() != 1 {
        return None;
    }
    let mut pos = 12;
    loop {
        let len = usize::from(*packet.get(pos)?);
        if len == 0 {
            break;
        }
        if len > 63 {
            return None;
        }
        pos += 1 + len;
    }
    let question = msg.question().ok()?;
    Some((msg, question.name, question.qtype))
}

fn text(name: &Name<'_>) -> Option<Vec<u8>> {
    let mut out = [0u8; 256];
    name.write_text(&mut out).ok().map(|n| out[..n].to_vec())
}

/// `getanswer_r`, one family: NXDOMAIN or a question name that is no host name → NOTFOUND;
/// any malformed record → UNAVAIL (NO_RECOVERY); records of another class skipped; each
/// CNAME moves the name looked for; addresses of exactly 4 or 16 bytes for that name;
/// none → TRYAGAIN (NO_RECOVERY). The canonical name is the last alias that is a host name.
pub(super) fn getanswer_r(packet: &[u8], qtype: u16) -> Nss {
    let malformed = || Nss::failed(Status::Unavail, HErrno::NoRecovery, Some(libc::EMSGSIZE));
    let Some((msg, qname, _)) = cursor_init(packet) else {
        return malformed();
    };
    if msg.rcode() == dns::RCODE_NXDOMAIN || !qname.is_hostname() {
        return Nss::failed(Status::NotFound, HErrno::HostNotFound, Some(libc::ENOENT));
    }
    let Ok(mut walk) = dns::addresses(&msg, qtype, true) else {
        return malformed();
    };
    let mut found = Found::empty();
    for item in walk.by_ref() {
        match item {
            Ok(ip) => found.addrs.push(Address::new(ip)),
            Err(_) => return malformed(),
        }
    }
    if found.addrs.is_empty() {
        return Nss::failed(Status::TryAgain, HErrno::NoRecovery, Some(libc::ENOENT));
    }
    found.canon = text(&walk.canonical_name());
    Nss {
        status: Status::Success,
        h_errno: HErrno::Success,
        errno: None,
        found,
    }
}

/// `gaih_getanswer_slice`, one reply of gethostbyname4_r: no answer records or a question
/// name that is no host name → NOTFOUND; a malformed record → UNAVAIL; records of any
/// class; CNAMEs move the name looked for; the canonical name is the host-name alias seen
/// when the first address is (only if `store_canon`). Addresses are appended to `found`.
fn gaih_slice(packet: &[u8], found: &mut Found, store_canon: bool) -> (Status, HErrno) {
    let Some((msg, qname, qtype)) = cursor_init(packet) else {
        return (Status::Unavail, HErrno::NoRecovery);
    };
    if msg.answer_count() == 0 || !qname.is_hostname() {
        return (Status::NotFound, HErrno::HostNotFound);
    }
    let Ok(mut walk) = dns::addresses(&msg, qtype, false) else {
        return (Status::Unavail, HErrno::NoRecovery);
    };
    let mut store_canon = store_canon;
    let mut any = false;
    while let Some(item) = walk.next() {
        let Ok(ip) = item else {
            return (Status::Unavail, HErrno::NoRecovery);
        };
        if store_canon {
            found.canon = text(&walk.canonical_name());
            store_canon = false;
        }
        found.addrs.push(Address::new(ip));
        any = true;
    }
    if any {
        (Status::Success, HErrno::Success)
    } else {
        // Only CNAMEs, or records of other types: not found.
        (Status::NotFound, HErrno::HostNotFound)
    }
}

/// `gaih_getanswer`: the first reply to arrive, then the second when the first found
/// something or nothing (not when it failed), the second's status counting only when the
/// first did not succeed and the second is not NOTFOUND. h_errno is the last slice's.
pub(super) fn gaih_getanswer(first: &[u8], second: &[u8]) -> Nss {
    let mut found = Found::empty();
    let (mut status, mut h_errno) = (Status::NotFound, HErrno::HostNotFound);
    if !first.is_empty() {
        (status, h_errno) = gaih_slice(first, &mut found, true);
    }
    if matches!(status, Status::Success | Status::NotFound) && !second.is_empty() {
        let (status2, h2) = gaih_slice(second, &mut found, status != Status::Success);
        h_errno = h2;
        if status != Status::Success && status2 != Status::NotFound {
            status = status2;
        }
    }
    // AF_UNSPEC answers carry no IPv6 preference: v4-mapped filtering is for AF_INET6.
    found.got_ipv6 = false;
    Nss {
        status,
        h_errno,
        errno: None,
        found,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::dns::parse::tests::{reply, wire, Rr};
    use crate::resolve::dns::{TYPE_A, TYPE_AAAA, TYPE_CNAME};
    use alloc::string::String;

    fn a(text: &str) -> Vec<u8> {
        text.parse::<core::net::Ipv4Addr>()
            .unwrap()
            .octets()
            .to_vec()
    }

    fn aaaa(text: &str) -> Vec<u8> {
        text.parse::<core::net::Ipv6Addr>()
            .unwrap()
            .octets()
            .to_vec()
    }

    fn ips(found: &Found) -> Vec<String> {
        found.addrs.iter().map(|a| a.ip.to_string()).collect()
    }

    #[test]
    fn one_family_as_getanswer_r() {
        // (records, glibc's status and h_errno, addresses); the reply's question: q.test A
        let (cn, ch) = (TYPE_CNAME, 3);
        #[rustfmt::skip]
        let table: Vec<(Vec<Rr>, Status, HErrno, Vec<&str>)> = vec![
            (vec![("q.test", TYPE_A, 1, a("192.0.2.1"))], Status::Success, HErrno::Success, vec!["192.0.2.1"]),
            // an alias without an address: TRYAGAIN with NO_RECOVERY (EAI_NODATA through
            // gethostbyname2_r, EAI_NONAME through gethosts)
            (vec![("q.test", cn, 1, wire("t.test"))], Status::TryAgain, HErrno::NoRecovery, vec![]),
            // class CH is skipped, an A of 5 bytes too
            (vec![("q.test", TYPE_A, ch, a("192.0.2.2"))], Status::TryAgain, HErrno::NoRecovery, vec![]),
            (vec![("q.test", TYPE_A, 1, vec![1, 2, 3, 4, 5])], Status::TryAgain, HErrno::NoRecovery, vec![]),
            (vec![("q.test", TYPE_A, 1, vec![1, 2, 3, 4, 5]), ("q.test", TYPE_A, 1, a("192.0.2.3"))],
             Status::Success, HErrno::Success, vec!["192.0.2.3"]),
            // a CNAME whose target is cut short: the whole reply is malformed
            (vec![("q.test", TYPE_A, 1, a("192.0.2.4")), ("q.test", cn, 1, vec![5, b'a'])],
             Status::Unavail, HErrno::NoRecovery, vec![]),
        ];
        for (records, status, h_errno, want) in table {
            let packet = reply("q.test", TYPE_A, &records);
            let got = getanswer_r(&packet, TYPE_A);
            assert_eq!((got.status, got.h_errno), (status, h_errno), "{records:?}");
            assert_eq!(ips(&got.found), want);
        }
        // NXDOMAIN, and a question name that is no host name: NOTFOUND
        let mut nx = reply("q.test", TYPE_A, &[("q.test", TYPE_A, 1, a("192.0.2.5"))]);
        nx[3] |= 3;
        assert_eq!(getanswer_r(&nx, TYPE_A).status, Status::NotFound);
        let odd = reply(
            "a b.test",
            TYPE_A,
            &[("a b.test", TYPE_A, 1, a("192.0.2.6"))],
        );
        assert_eq!(getanswer_r(&odd, TYPE_A).h_errno, HErrno::HostNotFound);
        // ANCOUNT claims two records, one is there
        let mut lying = reply("q.test", TYPE_A, &[("q.test", TYPE_A, 1, a("192.0.2.7"))]);
        lying[7] = 2;
        assert_eq!(getanswer_r(&lying, TYPE_A).status, Status::Unavail);
    }

    #[test]
    fn both_families_as_gaih_getanswer() {
        let a_ok = reply("q.test", TYPE_A, &[("q.test", TYPE_A, 1, a("192.0.2.1"))]);
        let aaaa_ok = reply(
            "q.test",
            TYPE_AAAA,
            &[("q.test", TYPE_AAAA, 1, aaaa("2001:db8::1"))],
        );
        let cname_only = reply(
            "q.test",
            TYPE_A,
            &[("q.test", TYPE_CNAME, 1, wire("t.test"))],
        );
        let mut cut = a_ok.clone();
        cut.truncate(cut.len() - 2);
        let class_ch = reply("q.test", TYPE_A, &[("q.test", TYPE_A, 3, a("192.0.2.9"))]);
        #[rustfmt::skip]
        #[allow(clippy::type_complexity)] // one table row per case
        let table: Vec<(&[u8], &[u8], Status, Vec<&str>)> = vec![
            (&a_ok, &aaaa_ok, Status::Success, vec!["192.0.2.1", "2001:db8::1"]),
            // the order is the replies' arrival order
            (&aaaa_ok, &a_ok, Status::Success, vec!["2001:db8::1", "192.0.2.1"]),
            // the first reply was an error: only the second counts
            (&[], &aaaa_ok, Status::Success, vec!["2001:db8::1"]),
            (&cname_only, &aaaa_ok, Status::Success, vec!["2001:db8::1"]),
            (&cname_only, &cname_only, Status::NotFound, vec![]),
            // a malformed first reply ends it; a malformed second one is ignored after a success
            (&cut, &aaaa_ok, Status::Unavail, vec![]),
            (&a_ok, &cut, Status::Success, vec!["192.0.2.1"]),
            (&cname_only, &cut, Status::Unavail, vec![]),
            // any class counts here
            (&class_ch, &[], Status::Success, vec!["192.0.2.9"]),
        ];
        for (first, second, status, want) in table {
            let got = gaih_getanswer(first, second);
            assert_eq!(got.status, status, "{want:?}");
            assert_eq!(ips(&got.found), want);
        }
        // the canonical name is the alias seen at the first address: a later CNAME does
        // not move it (glibc: "this assumes that all the CNAME records come first")
        let late_cname = reply(
            "q.test",
            TYPE_A,
            &[
                ("q.test", TYPE_CNAME, 1, wire("c1.test")),
                ("c1.test", TYPE_A, 1, a("192.0.2.10")),
                ("c1.test", TYPE_CNAME, 1, wire("c2.test")),
            ],
        );
        let got = gaih_getanswer(&late_cname, &[]);
        assert_eq!(got.found.canon.as_deref(), Some(&b"c1.test"[..]));
        // getanswer_r's canonical name is the last alias
        let got = getanswer_r(&late_cname, TYPE_A);
        assert_eq!(got.found.canon.as_deref(), Some(&b"c2.test"[..]));
    }
}
