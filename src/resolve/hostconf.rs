//! /etc/host.conf, for the settings that change netshim's answers: `multi on` makes
//! nss_files return every matching hosts line for a one-family query (glibc's default is
//! off; Debian's file turns it on), and `trim` names domains cut from the names
//! gethostbyaddr finds (getnameinfo's). RESOLV_MULTI, RESOLV_ADD_TRIM_DOMAINS and
//! RESOLV_OVERRIDE_TRIM_DOMAINS change them, as in glibc (resolv/res_hconf.c).

use alloc::vec::Vec;

/// glibc's TRIMDOMAINS_MAX: a fifth domain ends the list it is on.
const TRIM_MAX: usize = 4;

#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct HostConf {
    multi: bool,
    trim: Vec<Vec<u8>>,
}

impl HostConf {
    pub fn parse(text: Option<&[u8]>) -> Self {
        let mut conf = HostConf::default();
        for line in text.unwrap_or_default().split(|&b| b == b'\n') {
            conf.trim_line(line);
            let line = line.split(|&b| b == b'#').next().unwrap_or_default();
            let mut words = line
                .split(|b| b.is_ascii_whitespace() || *b == b',')
                .filter(|w| !w.is_empty());
            if words
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case(b"multi"))
            {
                if let Some(value) = words.next().and_then(on_off) {
                    conf.multi = value;
                }
            }
        }
        if let Some(value) = crate::sys::env::var(b"RESOLV_MULTI").and_then(on_off) {
            conf.multi = value;
        }
        if let Some(list) = crate::sys::env::var(b"RESOLV_ADD_TRIM_DOMAINS") {
            conf.trim_list(list);
        }
        if let Some(list) = crate::sys::env::var(b"RESOLV_OVERRIDE_TRIM_DOMAINS") {
            conf.trim.clear();
            conf.trim_list(list);
        }
        conf
    }

    /// A `trim` line (the command word in any case), read as glibc's parse_line does.
    fn trim_line(&mut self, line: &[u8]) {
        let line = skip_space(line);
        let word_len = word(line);
        if line[..word_len].eq_ignore_ascii_case(b"trim") {
            self.trim_list(skip_space(&line[word_len..]));
        }
    }

    /// glibc's arg_trimdomain_list: words separated by blanks or by one of `,;:`, up to a
    /// `#`; a delimiter with nothing after it, or a fifth domain, ends the list there.
    fn trim_list(&mut self, mut list: &[u8]) {
        loop {
            let len = word(list);
            if self.trim.len() >= TRIM_MAX {
                return;
            }
            self.trim.push(list[..len].to_vec());
            list = skip_space(&list[len..]);
            if let Some(b',' | b';' | b':') = list.first() {
                list = skip_space(&list[1..]);
                if matches!(list.first(), None | Some(b'#')) {
                    return;
                }
            }
            if matches!(list.first(), None | Some(b'#')) {
                return;
            }
        }
    }

    /// glibc's _res_hconf_trim_domain: the first trim domain the name ends with (compared
    /// without case, and shorter than the name) is cut off.
    pub fn trimmed(&self, mut name: Vec<u8>) -> Vec<u8> {
        for domain in &self.trim {
            let Some(cut) = name.len().checked_sub(domain.len()).filter(|&c| c > 0) else {
                continue;
            };
            if name[cut..].eq_ignore_ascii_case(domain) {
                name.truncate(cut);
                break;
            }
        }
        name
    }

    pub fn multi(&self) -> bool {
        self.multi
    }
}

/// isspace in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn skip_space(text: &[u8]) -> &[u8] {
    let n = text.iter().take_while(|&&b| is_space(b)).count();
    &text[n..]
}

/// glibc's skip_string: the length up to a blank, `#` or `,`.
fn word(text: &[u8]) -> usize {
    text.iter()
        .take_while(|&&b| !is_space(b) && b != b'#' && b != b',')
        .count()
}

fn on_off(word: &[u8]) -> Option<bool> {
    if word.eq_ignore_ascii_case(b"on") {
        Some(true)
    } else if word.eq_ignore_ascii_case(b"off") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi() {
        let cases: &[(Option<&[u8]>, bool)] = &[
            (None, false),
            (Some(b"multi on\n"), true),
            (Some(b"# multi on\nmulti off\n"), false),
            (Some(b"order hosts,bind\nMULTI On"), true),
            (Some(b"multi maybe"), false),
        ];
        for (text, want) in cases {
            assert_eq!(HostConf::parse(*text).multi(), *want, "{text:?}");
        }
    }

    #[test]
    fn trim_lists() {
        let cases: &[(&[u8], &[&[u8]])] = &[
            (b"trim .corp.test\n", &[b".corp.test"]),
            // `;` and `:` separate only after a blank or a word glibc ended at `,`.
            (b"  TRIM .a,.b ; .c:.d\n", &[b".a", b".b", b".c:.d"]),
            (b"trim .a :.b\n", &[b".a", b".b"]),
            (b"trim .a .b # .c\n", &[b".a", b".b"]),
            (b"trim .a,.b,.c,.d,.e\n", &[b".a", b".b", b".c", b".d"]),
            (b"trim .a,\n", &[b".a"]),
            (b"trim .a\ntrim .b\n", &[b".a", b".b"]),
            (b"# trim .a\nmulti on\n", &[]),
            (b"trimmed .a\n", &[]),
        ];
        for (text, want) in cases {
            let conf = HostConf::parse(Some(text));
            assert_eq!(conf.trim, *want, "{:?}", core::str::from_utf8(text));
        }
    }

    #[test]
    fn trimmed_names() {
        let conf = HostConf::parse(Some(b"trim .corp.test, corp.example\n"));
        let cases: &[(&[u8], &[u8])] = &[
            (b"db.corp.test", b"db"),
            (b"db.CORP.Test", b"db"),
            (b".corp.test", b".corp.test"),
            (b"db.corp.test.", b"db.corp.test."),
            (b"db.corp.example", b"db."),
            (b"other.test", b"other.test"),
        ];
        for (name, want) in cases {
            assert_eq!(conf.trimmed(name.to_vec()), *want);
        }
    }
}
