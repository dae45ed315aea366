//! The command line. Every command and flag is defined once, in `COMMANDS` and `FLAGS`; the
//! parser (lexopt), `--help` and the man page all read those tables, so they cannot disagree
//! (ripgrep's crates/core/flags is the model). Adding a flag is one `Flag` entry: its names,
//! its value's placeholder, its text and the one function that stores it in `LowArgs`.

use std::ffi::OsString;
use std::path::PathBuf;

/// The subcommands, in the order --help lists them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cmd {
    Run,
    Report,
}

pub struct Command {
    pub cmd: Cmd,
    pub name: &'static str,
    /// What follows the options in the synopsis.
    pub operands: &'static str,
    /// A paragraph: what the command does.
    pub doc: &'static str,
}

pub const COMMANDS: &[Command] = &[
    Command {
        cmd: Cmd::Run,
        name: "run",
        operands: "[--] CMD [ARGS...]",
        doc: "runs CMD and logs every connect its whole process tree makes (and every \
              getaddrinfo of the programs that load the library): to stderr (default, or -o \
              -), appended to FILE, or to syslog or the journal (--syslog, --journal), by \
              the preloaded programs and the tracer alike (docs/LOGGING.md). Dynamically linked programs get \
              libnetshim.so through LD_PRELOAD (existing entries are kept). Programs the \
              preload cannot reach - Go (dynamic or static), static glibc or musl, a cleared \
              environment - are traced: a seccomp filter stops only connect, \
              getsockopt(SO_ERROR), sendto with an address and io_uring_setup, and only where \
              the library did not handle the call; the launcher reads them with ptrace \
              (lines say via=trace). A traced connect costs one stop (non-blocking) or two \
              (blocking), its SO_ERROR one more; names come from the DNS answers the program \
              reads (not from the hosts file: host is then null). Not seen: connects through \
              io_uring. A program already under gdb or strace runs with the preload alone. As root \
              the whole tree is under the filter; for another user only the subtrees that need \
              it: the library's exec and posix_spawn hooks put a static, Go or 32-bit image, or one started with \
              the preload dropped, under the tracer as it is exec'd, so that set-uid and \
              file-capability programs elsewhere in the tree keep their privilege (inside a \
              traced subtree, or with --trace=always, they lose it: a warning names them). \
              If netshim is killed, the traced programs die with it. CMD's exit status, or its death by a signal, is \
              netshim's. The library is found through NETSHIM_LIBRARY, else next to this \
              command (../lib/libnetshim.so.0, ./libnetshim.so), else in the multiarch directory a \
              Debian package installs it in (../lib/ARCH-linux-gnu/libnetshim.so.0).",
    },
    Command {
        cmd: Cmd::Report,
        name: "report",
        operands: "FILE",
        doc: "reads a JSON log and prints one row per destination (or per host or program): \
              host name, address, connects, failures by errno, median and p99 duration, the \
              programs; as a table, as JSON, or as one self-contained HTML page with a \
              waterfall of every process's connects.",
    },
];

/// One flag of one command.
pub struct Flag {
    pub cmd: Cmd,
    pub long: &'static str,
    pub short: Option<char>,
    /// The value's placeholder in help ("FILE"); None for a switch.
    pub value: Option<&'static str>,
    /// One line for --help and the man page.
    pub doc: &'static str,
    /// Stores the flag (and its value, for flags that take one) in the low-level arguments.
    pub set: fn(&mut LowArgs, Option<OsString>) -> Result<(), String>,
}

pub const FLAGS: &[Flag] = &[
    Flag {
        cmd: Cmd::Run,
        long: "output",
        short: Some('o'),
        value: Some("FILE|-"),
        doc: "append the log to FILE; - (the default) writes it to stderr",
        set: |a, v| {
            if a.run.socket.is_some() {
                return Err(ONE_DESTINATION.into());
            }
            a.run.output = v;
            Ok(())
        },
    },
    Flag {
        cmd: Cmd::Run,
        long: "syslog",
        short: None,
        value: None,
        doc: "send the log to syslog (/dev/log, glibc syslog(3)'s format, program netshim, \
              the facility from NETSHIM_SYSLOG_FACILITY): NETSHIM_LOG=syslog for the \
              preloaded programs and the same datagrams from the tracer",
        set: |a, _| set_output(a, "syslog"),
    },
    Flag {
        cmd: Cmd::Run,
        long: "journal",
        short: None,
        value: None,
        doc: "send the log to the systemd journal (native protocol, every field as \
              NETSHIM_*: journalctl NETSHIM_DEST=...): NETSHIM_LOG=journal for the preloaded \
              programs and the tracer alike",
        set: |a, _| set_output(a, "journal"),
    },
    Flag {
        cmd: Cmd::Run,
        long: "json",
        short: None,
        value: None,
        doc: "one JSON object per line instead of text",
        set: |a, _| {
            a.run.json = true;
            Ok(())
        },
    },
    Flag {
        cmd: Cmd::Run,
        long: "trace",
        short: None,
        value: Some("auto|always|never"),
        doc: "auto (the default): programs the preload cannot reach (static, Go, a cleared \
              environment) are traced, the others keep the preload; always: every program is \
              traced, none preloaded; never: the preload alone",
        set: |a, v| {
            a.run.trace = match v.as_ref().and_then(|v| v.to_str()) {
                Some("auto") => Trace::Auto,
                Some("always") => Trace::Always,
                Some("never") => Trace::Never,
                _ => return Err("--trace takes auto, always or never".into()),
            };
            Ok(())
        },
    },
    Flag {
        cmd: Cmd::Run,
        long: "stats",
        short: None,
        value: None,
        doc: "at the end, print the tracer's counts on stderr: stops, connects, calls made \
              for the program",
        set: |a, _| {
            a.run.stats = true;
            Ok(())
        },
    },
    Flag {
        cmd: Cmd::Report,
        long: "by",
        short: None,
        value: Some("host|dest|program"),
        doc: "one row per host name, per destination address (the default) or per program",
        set: |a, v| {
            a.report.by = match v.as_deref().and_then(|v| v.to_str()) {
                Some("host") => By::Host,
                Some("dest") => By::Dest,
                Some("program") => By::Program,
                _ => return Err("--by takes host, dest or program".into()),
            };
            Ok(())
        },
    },
    Flag {
        cmd: Cmd::Report,
        long: "json",
        short: None,
        value: None,
        doc: "print the rows as one JSON document, for scripts",
        set: |a, _| {
            a.report.json = true;
            Ok(())
        },
    },
    Flag {
        cmd: Cmd::Report,
        long: "html",
        short: None,
        value: Some("OUT.html"),
        doc: "also write one self-contained HTML page: the table and a waterfall of each \
              process's connects (hover a bar for its fields)",
        set: |a, v| {
            a.report.html = v.map(PathBuf::from);
            Ok(())
        },
    },
    Flag {
        cmd: Cmd::Report,
        long: "family",
        short: None,
        value: Some("LIST"),
        doc: "only connects of these families, comma-separated: inet, inet6, unix, netlink, \
              unspec, other",
        set: |a, v| {
            let list = v.as_deref().and_then(|v| v.to_str()).unwrap_or_default();
            let known = ["inet", "inet6", "unix", "netlink", "unspec", "other"];
            let families: Vec<String> = list.split(',').map(str::to_string).collect();
            if let Some(bad) = families.iter().find(|f| !known.contains(&f.as_str())) {
                return Err(format!(
                    "--family: unknown family '{bad}' (known: {})",
                    known.join(", ")
                ));
            }
            a.report.families = Some(families);
            Ok(())
        },
    },
];

const ONE_DESTINATION: &str = "-o, --syslog and --journal each name the log's one destination";

/// --syslog or --journal: the NETSHIM_LOG value, given once, and never with -o.
fn set_output(a: &mut LowArgs, sink: &'static str) -> Result<(), String> {
    if a.run.output.is_some() || a.run.socket.is_some_and(|s| s != sink) {
        return Err(ONE_DESTINATION.into());
    }
    a.run.socket = Some(sink);
    Ok(())
}

/// How `netshim run` watches the program.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Trace {
    #[default]
    Auto,
    Always,
    Never,
}

/// `netshim run`'s arguments as given.
#[derive(Debug, Default)]
pub struct RunArgs {
    pub output: Option<OsString>,
    /// `syslog` (--syslog) or `journal` (--journal), instead of -o.
    pub socket: Option<&'static str>,
    pub json: bool,
    pub trace: Trace,
    pub stats: bool,
    /// CMD and its arguments, untouched.
    pub command: Vec<OsString>,
}

/// `netshim report`'s arguments as given.
#[derive(Debug, Default)]
pub struct ReportArgs {
    pub file: Option<PathBuf>,
    pub by: By,
    pub json: bool,
    pub html: Option<PathBuf>,
    /// None: every family.
    pub families: Option<Vec<String>>,
}

/// What one row of a report stands for.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Host,
    #[default]
    Dest,
    Program,
}

/// Every command's arguments, so that each flag's `set` has one signature.
#[derive(Debug, Default)]
pub struct LowArgs {
    pub run: RunArgs,
    pub report: ReportArgs,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Parsed {
    Run(RunArgs),
    Report(ReportArgs),
    Help,
    Version,
    /// `netshim --man`: netshim(1) in roff, from the same tables (man.rs).
    Man,
}

/// A command line that cannot be run: the message, printed above the usage.
#[derive(Debug)]
pub struct UsageError(pub String);

impl From<lexopt::Error> for UsageError {
    fn from(e: lexopt::Error) -> Self {
        UsageError(e.to_string())
    }
}

fn usage(msg: impl Into<String>) -> UsageError {
    UsageError(msg.into())
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, UsageError> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let cmd = match parser.next()? {
        Some(Long("help") | Short('h')) => return Ok(Parsed::Help),
        Some(Long("version") | Short('V')) => return Ok(Parsed::Version),
        Some(Long("man")) => return Ok(Parsed::Man),
        Some(Value(word)) => match word.to_str() {
            Some("help") => return Ok(Parsed::Help),
            Some(name) => {
                COMMANDS
                    .iter()
                    .find(|c| c.name == name)
                    .ok_or_else(|| usage(format!("unknown command '{name}'")))?
                    .cmd
            }
            None => return Err(usage("unknown command")),
        },
        Some(other) => return Err(other.unexpected().into()),
        None => return Err(usage("no command")),
    };
    let mut low = LowArgs::default();
    while let Some(arg) = parser.next()? {
        let flag = match &arg {
            Long("help") | Short('h') => return Ok(Parsed::Help),
            Long(name) => FLAGS.iter().find(|f| f.cmd == cmd && f.long == *name),
            Short(c) => FLAGS.iter().find(|f| f.cmd == cmd && f.short == Some(*c)),
            Value(operand) => {
                operands(cmd, operand.clone(), &mut parser, &mut low)?;
                continue;
            }
        };
        let Some(flag) = flag else {
            return Err(arg.unexpected().into());
        };
        let value = match flag.value {
            Some(placeholder) => Some(
                parser
                    .value()
                    .map_err(|_| usage(format!("{} needs {placeholder}", flag_name(flag))))?,
            ),
            None => None,
        };
        (flag.set)(&mut low, value).map_err(usage)?;
    }
    match cmd {
        Cmd::Run if low.run.command.is_empty() => Err(usage("run needs a command")),
        Cmd::Run => Ok(Parsed::Run(low.run)),
        Cmd::Report if low.report.file.is_none() => Err(usage("report takes one FILE")),
        Cmd::Report => Ok(Parsed::Report(low.report)),
    }
}

/// A command's operands. `run` takes CMD and everything after it as they are, flags included.
fn operands(
    cmd: Cmd,
    first: OsString,
    parser: &mut lexopt::Parser,
    low: &mut LowArgs,
) -> Result<(), UsageError> {
    match cmd {
        Cmd::Run => {
            low.run.command.push(first);
            low.run.command.extend(parser.raw_args()?);
        }
        Cmd::Report if low.report.file.is_some() => return Err(usage("report takes one FILE")),
        Cmd::Report => low.report.file = Some(first.into()),
    }
    Ok(())
}

fn flag_name(flag: &Flag) -> String {
    match flag.short {
        Some(c) => format!("-{c}/--{}", flag.long),
        None => format!("--{}", flag.long),
    }
}

/// The text of `netshim --help`, from the tables above.
pub fn help() -> String {
    let mut out = String::new();
    for (i, c) in COMMANDS.iter().enumerate() {
        let lead = if i == 0 { "usage:" } else { "      " };
        out += &format!("{lead} netshim {} [OPTIONS] {}\n", c.name, c.operands);
    }
    out += "       netshim --help | --version\n";
    for c in COMMANDS {
        out += "\n";
        out += &wrap(c.name, 8, c.doc);
        for f in FLAGS.iter().filter(|f| f.cmd == c.cmd) {
            let names = match (f.short, f.value) {
                (Some(s), Some(v)) => format!("-{s}, --{} {v}", f.long),
                (Some(s), None) => format!("-{s}, --{}", f.long),
                (None, Some(v)) => format!("    --{} {v}", f.long),
                (None, None) => format!("    --{}", f.long),
            };
            out += &wrap(&format!("  {names}"), 24, f.doc);
        }
    }
    out
}

/// `head` padded to `indent` columns, then `body` wrapped at 92 columns, continuation lines
/// indented by `indent`.
fn wrap(head: &str, indent: usize, body: &str) -> String {
    const WIDTH: usize = 92;
    let mut out = String::new();
    // A head as wide as the indent gets a line of its own.
    let mut line = if head.len() + 1 < indent {
        format!("{head:<indent$}")
    } else {
        out = format!("{head}\n");
        " ".repeat(indent)
    };
    let mut fresh = true; // no word on this line yet after the padding
    for word in body.split_whitespace() {
        if !fresh && line.len() + 1 + word.len() > WIDTH {
            out += &line;
            out += "\n";
            line = " ".repeat(indent);
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line += word;
        fresh = false;
    }
    out += &line;
    out += "\n";
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Parsed, UsageError> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn run_takes_flags_then_the_command_untouched() {
        let Ok(Parsed::Run(r)) = parse_strs(&["run", "-o", "f", "--json", "ls", "-l", "--json"])
        else {
            panic!("run parses")
        };
        assert_eq!(r.output.as_deref(), Some("f".as_ref()));
        assert!(r.json);
        assert_eq!(r.command, ["ls", "-l", "--json"]);
        let Ok(Parsed::Run(r)) = parse_strs(&["run", "--output=-", "--", "-x"]) else {
            panic!("-- ends the options")
        };
        assert_eq!(r.command, ["-x"]);
        assert_eq!(r.output.as_deref(), Some("-".as_ref()));
    }

    #[test]
    fn usage_errors_name_the_problem() {
        for (args, msg) in [
            (&[][..], "no command"),
            (&["run"], "run needs a command"),
            (&["run", "-o"], "-o/--output needs FILE|-"),
            (&["bogus"], "unknown command 'bogus'"),
            (&["report"], "report takes one FILE"),
            (&["report", "a", "b"], "report takes one FILE"),
        ] {
            match parse_strs(args) {
                Err(UsageError(m)) => assert_eq!(m, msg, "{args:?}"),
                other => panic!("{args:?}: {other:?}"),
            }
        }
        for args in [
            &["run", "-o", "f", "--syslog", "x"][..],
            &["run", "--journal", "-o", "f", "x"],
            &["run", "--syslog", "--journal", "x"],
        ] {
            match parse_strs(args) {
                Err(UsageError(m)) => assert_eq!(m, ONE_DESTINATION, "{args:?}"),
                other => panic!("{args:?}: {other:?}"),
            }
        }
        let Ok(Parsed::Run(r)) = parse_strs(&["run", "--journal", "--journal", "x"]) else {
            panic!("--journal twice is --journal")
        };
        assert_eq!((r.socket, r.output), (Some("journal"), None));
        assert!(parse_strs(&["run", "--nope", "x"]).is_err());
        // Flags belong to one command: run's --output is not report's.
        assert!(parse_strs(&["report", "--output", "x"]).is_err());
        assert!(parse_strs(&["report", "--by", "nope", "x"]).is_err());
        assert!(parse_strs(&["report", "--family", "inet,ipx", "x"]).is_err());
    }

    #[test]
    fn help_lists_every_flag_from_the_table() {
        let text = help();
        for f in FLAGS {
            assert!(text.contains(&format!("--{}", f.long)), "{}", f.long);
        }
        for c in COMMANDS {
            assert!(text.contains(&format!("netshim {} [OPTIONS]", c.name)));
        }
        assert!(text.lines().all(|l| l.len() <= 92), "{text}");
        assert!(matches!(parse_strs(&["run", "--help"]), Ok(Parsed::Help)));
    }
}
