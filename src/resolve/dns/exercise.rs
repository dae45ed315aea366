//! One function that runs every reader in this module over arbitrary bytes. The fuzz target
//! (`fuzz/fuzz_targets/dns_parse.rs`) and the pseudo-random test both call it; any panic it
//! reaches is a bug. It returns a number derived from what it read so nothing is optimised
//! away.

use super::parse::AnswerWalk;
use super::{addresses, ptr_text, question_matches, Message};
use super::{TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_NS, TYPE_PTR};

pub fn exercise(bytes: &[u8]) -> usize {
    let Ok(msg) = Message::new_checked(bytes) else {
        return 0;
    };
    let mut text = [0u8; 256];
    let mut sum = usize::from(msg.id()) + usize::from(msg.rcode()) + usize::from(msg.tc());
    for question in msg.questions().flatten() {
        sum += question.name.write_text(&mut text).unwrap_or(0);
        sum += usize::from(question_matches(&msg, b"www.example.com", question.qtype));
    }
    for record in msg.records() {
        let Ok(record) = record else {
            sum += 1;
            continue;
        };
        sum += record.rdata.len() + usize::from(record.name.is_hostname());
        sum += record.name.write_text(&mut text).unwrap_or(0);
        if matches!(record.rtype, TYPE_CNAME | TYPE_PTR | TYPE_NS) {
            if let Ok(target) = record.rdata_name() {
                sum += target.text_len() + usize::from(target.eq_ignore_case(&record.name));
            }
        }
    }
    for qtype in [TYPE_A, TYPE_AAAA] {
        for class_in_only in [true, false] {
            if let Ok(mut walk) = addresses(&msg, qtype, class_in_only) {
                sum += walk
                    .by_ref()
                    .map(|ip| usize::from(ip.is_ok()))
                    .sum::<usize>();
                sum += walk.canonical_name().write_text(&mut text).unwrap_or(0);
            }
        }
    }
    if let Ok(walk) = AnswerWalk::new(&msg, TYPE_CNAME, false) {
        sum += walk.count();
    }
    sum + ptr_text(&msg, &mut text).ok().flatten().unwrap_or(0)
}
