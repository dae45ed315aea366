//! /etc/host.conf, for the one setting that changes getaddrinfo's answers: `multi on`
//! makes nss_files return every matching hosts line for a one-family query (glibc's
//! default is off; Debian's file turns it on). RESOLV_MULTI overrides it, as in glibc.

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct HostConf {
    multi: bool,
}

impl HostConf {
    pub fn parse(text: Option<&[u8]>) -> Self {
        let mut conf = HostConf::default();
        for line in text.unwrap_or_default().split(|&b| b == b'\n') {
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
        conf
    }

    pub fn multi(&self) -> bool {
        self.multi
    }
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
}
