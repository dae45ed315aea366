//! netshim(1), in roff, from the same tables as --help (cli::COMMANDS and cli::FLAGS), so
//! the page and the help cannot disagree. `netshim --man` prints it; `make man` keeps it.

use crate::cli::{Flag, COMMANDS, FLAGS};

/// roff-escapes text: backslashes, and a leading dot or quote that would read as a request.
fn esc(text: &str) -> String {
    let t = text.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

fn flag_head(flag: &Flag) -> String {
    let mut head = String::new();
    if let Some(c) = flag.short {
        head += &format!("\\fB\\-{c}\\fR, ");
    }
    head += &format!("\\fB\\-\\-{}\\fR", esc(flag.long));
    if let Some(v) = flag.value {
        head += &format!(" \\fI{}\\fR", esc(v));
    }
    head
}

/// The whole page.
pub fn page() -> String {
    let version = env!("CARGO_PKG_VERSION");
    let mut out = format!(".TH NETSHIM 1 \"\" \"netshim {version}\" \"netshim\"\n");
    out += ".SH NAME\nnetshim \\- run a program with its connects and lookups logged; summarise the log\n";
    out += ".SH SYNOPSIS\n.nf\n";
    for c in COMMANDS {
        out += &format!(
            "\\fBnetshim {}\\fR [\\fIOPTIONS\\fR] {}\n",
            c.name,
            esc(c.operands)
        );
    }
    out += "\\fBnetshim \\-\\-help\\fR | \\fB\\-\\-version\\fR\n.fi\n";
    out += ".SH DESCRIPTION\nDynamically linked programs get \\fBlibnetshim.so.0\\fR through \
            \\fBLD_PRELOAD\\fR; the library itself is described in \\fBlibnetshim\\fR(7).\n";
    out += ".SH COMMANDS\n";
    for c in COMMANDS {
        out += &format!(".SS netshim {}\n{}\n", c.name, esc(c.doc));
        let flags: Vec<&Flag> = FLAGS.iter().filter(|f| f.cmd == c.cmd).collect();
        for f in flags {
            out += &format!(".TP\n{}\n{}\n", flag_head(f), esc(f.doc));
        }
    }
    out += ".SH EXIT STATUS\n\\fBnetshim run\\fR becomes the command (exec), so its exit \
            status is the command's; 127 when the command or the library is not found, 126 \
            when the command cannot be run, 2 for a usage error. \\fBnetshim report\\fR exits \
            0, or non-zero when the log cannot be read.\n";
    out += ".SH EXAMPLES\n.EX\nnetshim run \\-o conn.log \\-\\-json \\-\\- curl \\-s http://example.test/\n\
            netshim report conn.log\n.EE\n";
    out += ".SH ENVIRONMENT\n.TP\n.B NETSHIM_LIBRARY\nthe library to preload, instead of the one \
            found beside this command or in the system's library directory.\n";
    out += ".SH SEE ALSO\n\\fBlibnetshim\\fR(7), \\fBld.so\\fR(8)\n";
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_of_help_is_on_the_page() {
        let page = page();
        for f in FLAGS {
            assert!(
                page.contains(&format!("\\-\\-{}", esc(f.long))),
                "{}",
                f.long
            );
            assert!(page.contains(&esc(f.doc)), "{}", f.doc);
        }
        for c in COMMANDS {
            assert!(page.contains(&format!(".SS netshim {}", c.name)));
        }
    }

    #[test]
    fn roff_requests_cannot_be_injected() {
        assert_eq!(esc(".x"), "\\&.x");
        assert_eq!(esc("a\\b-c"), "a\\eb\\-c");
    }
}
