//! One function that runs every reader in this module over arbitrary bytes. The fuzz target
//! (`fuzz/fuzz_targets/dns_parse.rs`) and the pseudo-random test both call it; any panic it
//! reaches is a bug. It returns a number derived from what it read so nothing is optimised
//! away (sums wrap: the number means nothing).

use super::answer::AnswerWalk;
use super::encode::is_hostname_text;
use super::parse::queries_match;
use super::{addresses, ptr_text, question_matches, Message};
use super::{TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_NS, TYPE_PTR};

pub fn exercise(bytes: &[u8]) -> usize {
    // The bytes as a host name given to getaddrinfo (res_hnok's reading of text).
    let named = usize::from(is_hostname_text(bytes));
    let Ok(msg) = Message::new_checked(bytes) else {
        return named;
    };
    // The message as its own query and as a reply to a fixed one (res_queriesmatch).
    let query: &[u8] = &[0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, b'x', 0, 0, 1, 0, 1];
    let named = named + usize::from(queries_match(&msg, &msg));
    let named =
        named + Message::new_checked(query).map_or(0, |q| usize::from(queries_match(&q, &msg)));
    let mut text = [0u8; 256];
    let mut sum = named ^ usize::from(msg.id()) ^ usize::from(msg.rcode()) ^ usize::from(msg.tc());
    for question in msg.questions().flatten() {
        sum = sum.wrapping_add(question.name.write_text(&mut text).unwrap_or(0));
        sum = sum.wrapping_add(usize::from(question_matches(
            &msg,
            b"www.example.com",
            question.qtype,
        )));
    }
    for record in msg.records() {
        let Ok(record) = record else {
            sum = sum.wrapping_add(1);
            continue;
        };
        sum = sum.wrapping_add(record.rdata.len() + usize::from(record.name.is_hostname()));
        sum = sum.wrapping_add(record.name.write_text(&mut text).unwrap_or(0));
        if matches!(record.rtype, TYPE_CNAME | TYPE_PTR | TYPE_NS) {
            if let Ok(target) = record.rdata_name() {
                sum = sum.wrapping_add(
                    target.text_len() + usize::from(target.eq_ignore_case(&record.name)),
                );
            }
        }
    }
    for qtype in [TYPE_A, TYPE_AAAA] {
        for class_in_only in [true, false] {
            if let Ok(mut walk) = addresses(&msg, qtype, class_in_only) {
                let found = walk.by_ref().filter(Result::is_ok).count();
                sum = sum.wrapping_add(found);
                sum = sum.wrapping_add(walk.canonical_name().write_text(&mut text).unwrap_or(0));
            }
        }
    }
    if let Ok(walk) = AnswerWalk::new(&msg, TYPE_CNAME, false) {
        sum = sum.wrapping_add(walk.count());
    }
    sum.wrapping_add(ptr_text(&msg, &mut text).ok().flatten().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::super::name::MAX_TEXT_LEN;
    use super::super::parse::tests::GOOD;
    use super::*;

    /// Knuth's MMIX LCG: deterministic, so a failure reproduces from its case number.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// The same function the fuzz target runs, over 200,000 random and mutated messages.
    /// Passing means: no panic, no endless loop, and the walks' invariants hold.
    #[test]
    fn random_and_mutated_messages() {
        let mut rng = Lcg(0x5eed);
        let mut total = 0usize;
        // Under Miri (`make miri`) a hundred messages (15 s there): each costs it ~10^4 times more.
        let cases = if cfg!(miri) { 100 } else { 200_000usize };
        for case in 0..cases {
            let bytes = match case % 4 {
                0 => (0..rng.below(300))
                    .map(|_| rng.next() as u8)
                    .collect::<Vec<u8>>(),
                1 => {
                    let mut b = GOOD[rng.below(GOOD.len())].to_vec();
                    for _ in 0..1 + rng.below(4) {
                        let at = rng.below(b.len());
                        b[at] = rng.next() as u8;
                    }
                    b
                }
                2 => {
                    // compression pointers anywhere, to anywhere
                    let mut b = GOOD[rng.below(GOOD.len())].to_vec();
                    for _ in 0..1 + rng.below(3) {
                        let at = 12 + rng.below(b.len() - 13);
                        let to = rng.below(b.len() + 8) as u8;
                        b[at] = 0xc0;
                        b[at + 1] = to;
                    }
                    b
                }
                _ => {
                    // lying counts and a cut anywhere
                    let mut b = GOOD[rng.below(GOOD.len())].to_vec();
                    let at = 4 + 2 * rng.below(4);
                    b[at + 1] = rng.next() as u8;
                    if rng.below(2) == 0 {
                        b[at] = rng.next() as u8;
                    }
                    b.truncate(rng.below(b.len() + 1));
                    b
                }
            };
            total = total.wrapping_add(exercise(&bytes));
            check_invariants(&bytes, case);
        }
        assert_ne!(total, 0);
    }

    fn check_invariants(bytes: &[u8], case: usize) {
        let Ok(msg) = Message::new_checked(bytes) else {
            assert!(bytes.len() < 12, "case {case}");
            return;
        };
        for record in msg.records().flatten() {
            let len = record.name.text_len();
            assert!(len <= MAX_TEXT_LEN, "case {case}: {len}-byte name");
            let mut buf = [0u8; MAX_TEXT_LEN];
            assert_eq!(record.name.write_text(&mut buf), Ok(len), "case {case}");
            assert!(record.name.eq_ignore_case(&record.name), "case {case}");
        }
        if let Ok(walk) = addresses(&msg, super::TYPE_A, true) {
            assert!(
                walk.canonical_name().text_len() <= MAX_TEXT_LEN,
                "case {case}"
            );
        }
    }

    #[test]
    fn good_replies_exercise() {
        for good in GOOD {
            assert!(exercise(good) > 0);
        }
    }
}
