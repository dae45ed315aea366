//! The `hosts:` line of nsswitch.conf: which sources answer names, in which order, and what
//! each outcome does next (`[NOTFOUND=return]`). netshim implements `files` and `dns`;
//! other sources (myhostname, mdns4_minimal, resolve, ldap, …) are skipped, as documented
//! in docs/COMPATIBILITY.md.

use alloc::vec::Vec;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Source {
    Files,
    Dns,
}

/// A source's outcome, as NSS names them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    Success,
    NotFound,
    Unavail,
    TryAgain,
}

/// What to do after a source answered with a status.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Action {
    Return,
    Continue,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Step {
    pub source: Source,
    /// Indexed by Status: Success, NotFound, Unavail, TryAgain.
    actions: [Action; 4],
}

impl Step {
    fn new(source: Source) -> Self {
        use Action::*;
        Step {
            source,
            actions: [Return, Continue, Continue, Continue],
        }
    }

    pub fn action(&self, status: Status) -> Action {
        self.actions[status as usize]
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HostsLine {
    pub steps: Vec<Step>,
}

impl HostsLine {
    /// glibc's built-in default when nsswitch.conf is missing or has no `hosts:` line:
    /// `dns [!UNAVAIL=return] files`.
    pub fn glibc_default() -> Self {
        let mut dns = Step::new(Source::Dns);
        dns.actions = [
            Action::Return,
            Action::Return,
            Action::Continue,
            Action::Return,
        ];
        HostsLine {
            steps: alloc::vec![dns, Step::new(Source::Files)],
        }
    }

    /// Parses nsswitch.conf text (None: the file is missing).
    pub fn parse(text: Option<&[u8]>) -> Self {
        let Some(text) = text else {
            return Self::glibc_default();
        };
        for fields in text.split(|&b| b == b'\n').map(words) {
            let mut words = fields.iter().copied();
            let Some(first) = words.next() else { continue };
            // "hosts:" or "hosts" followed by ":"; the database name is case-sensitive in glibc.
            let rest: Vec<&[u8]> = if first == b"hosts:" {
                words.collect()
            } else if let Some(tail) = first.strip_prefix(b"hosts:") {
                core::iter::once(tail).chain(words).collect()
            } else {
                continue;
            };
            return Self::from_words(&rest);
        }
        Self::glibc_default()
    }

    fn from_words(words: &[&[u8]]) -> Self {
        let mut steps: Vec<Step> = Vec::new();
        let mut current: Option<Step> = None; // a known source, waiting for its actions
        let mut in_brackets = false;
        for &word in words {
            let mut word = word;
            if let Some(tail) = word.strip_prefix(b"[") {
                in_brackets = true;
                word = tail;
            }
            let closes = word.ends_with(b"]");
            if closes {
                word = &word[..word.len() - 1];
            }
            if in_brackets {
                if let Some(step) = current.as_mut() {
                    apply_action(step, word);
                }
                if closes {
                    in_brackets = false;
                }
                continue;
            }
            if let Some(step) = current.take() {
                steps.push(step);
            }
            current = match word {
                b"files" => Some(Step::new(Source::Files)),
                b"dns" => Some(Step::new(Source::Dns)),
                _ => None, // a source netshim does not implement: skipped
            };
        }
        if let Some(step) = current {
            steps.push(step);
        }
        HostsLine { steps }
    }
}

/// The white-space separated words of one line, without its `#` comment.
fn words(line: &[u8]) -> Vec<&[u8]> {
    let line = line.split(|&b| b == b'#').next().unwrap_or_default();
    line.split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .collect()
}

/// `STATUS=action` or `!STATUS=action`, case-insensitively as glibc reads it.
fn apply_action(step: &mut Step, word: &[u8]) {
    let (negate, word) = match word.strip_prefix(b"!") {
        Some(rest) => (true, rest),
        None => (false, word),
    };
    let Some(eq) = word.iter().position(|&b| b == b'=') else {
        return;
    };
    let (status, action) = (&word[..eq], &word[eq + 1..]);
    let status = match status.to_ascii_uppercase().as_slice() {
        b"SUCCESS" => Status::Success,
        b"NOTFOUND" => Status::NotFound,
        b"UNAVAIL" => Status::Unavail,
        b"TRYAGAIN" => Status::TryAgain,
        _ => return,
    };
    let action = match action.to_ascii_lowercase().as_slice() {
        b"return" => Action::Return,
        // "merge" makes sense only for group databases; glibc treats it as continue here.
        b"continue" | b"merge" => Action::Continue,
        _ => return,
    };
    for (i, slot) in step.actions.iter_mut().enumerate() {
        if (i == status as usize) != negate {
            *slot = action;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    #[test]
    fn hosts_lines() {
        let files = Step::new(Source::Files);
        let dns = Step::new(Source::Dns);
        let cases: &[(&[u8], Vec<Step>)] = &[
            (b"hosts: files dns\n", vec![files, dns]),
            (b"# c\npasswd: files\nhosts:\tfiles mdns4_minimal [NOTFOUND=return] dns myhostname\n", vec![files, dns]),
            (b"hosts:files\n", vec![files]),
            (b"hosts: dns files\nhosts: files\n", vec![dns, files]),
            (b"hosts: files [NOTFOUND=return] dns", vec![
                Step { source: Source::Files, actions: [Return, Return, Continue, Continue] }, dns]),
            (b"hosts: dns [!UNAVAIL=return] files", HostsLine::glibc_default().steps),
            (b"hosts: dns [ NOTFOUND=return  TRYAGAIN=return ] files", vec![
                Step { source: Source::Dns, actions: [Return, Return, Continue, Return] }, files]),
            (b"hosts: resolve [!UNAVAIL=return] files", vec![files]),
            (b"passwd: files\n", HostsLine::glibc_default().steps),
        ];
        for (text, want) in cases {
            assert_eq!(
                &HostsLine::parse(Some(text)).steps,
                want,
                "{:?}",
                core::str::from_utf8(text)
            );
        }
        assert_eq!(HostsLine::parse(None), HostsLine::glibc_default());
    }
}
