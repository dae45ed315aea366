//! The `netshim` command: run a program with the connect logger preloaded, and summarise a
//! JSON log. A separate executable with std; it never runs inside the programs it watches.
//!
//!     netshim run [-o FILE|-] [--json] [--] CMD [ARGS…]
//!     netshim report FILE
//!     netshim --help | --version

use std::collections::BTreeMap;
use std::env;
use std::ffi::OsString;
use std::fs;
use std::io::{self, BufRead, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: netshim run [-o FILE|-] [--json] [--] CMD [ARGS...]
       netshim report FILE
       netshim --help | --version

run     runs CMD with libnetshim.so preloaded (existing LD_PRELOAD entries are kept) and
        logs every connect and getaddrinfo it makes: to stderr (default, or -o -), or
        appended to FILE. --json writes one JSON object per line (docs/LOGGING.md).
        CMD's exit status is netshim's. The library is found through NETSHIM_LIBRARY,
        else next to this command (../lib/libnetshim.so.0, ./libnetshim.so).
report  reads a JSON log and prints one row per destination: host name, address,
        connects, failures by errno, median and p99 duration, the programs.
";

fn main() -> ExitCode {
    let args: Vec<OsString> = env::args_os().skip(1).collect();
    match args.first().and_then(|a| a.to_str()) {
        Some("run") => run(&args[1..]),
        Some("report") => match args.get(1) {
            Some(file) if args.len() == 2 => report(Path::new(file)),
            _ => usage_error("report takes one FILE"),
        },
        Some("--help") | Some("-h") | Some("help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("--version") | Some("-V") => {
            println!("netshim {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(other) => usage_error(&format!("unknown command '{other}'")),
        None => usage_error("no command"),
    }
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("netshim: {msg}\n{USAGE}");
    ExitCode::from(2)
}

fn run(args: &[OsString]) -> ExitCode {
    let mut output: Option<OsString> = None;
    let mut json = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].to_str() {
            Some("-o") => {
                let Some(v) = args.get(i + 1) else {
                    return usage_error("-o needs FILE or -");
                };
                output = Some(v.clone());
                i += 2;
            }
            Some("--json") => {
                json = true;
                i += 1;
            }
            Some("--") => {
                i += 1;
                break;
            }
            Some(s) if s.starts_with('-') && s.len() > 1 => {
                return usage_error(&format!("unknown option '{s}'"))
            }
            _ => break,
        }
    }
    let Some(cmd) = args.get(i) else {
        return usage_error("run needs a command");
    };
    let Some(library) = find_library() else {
        eprintln!("netshim: libnetshim.so not found (set NETSHIM_LIBRARY)");
        return ExitCode::from(127);
    };
    if let Some(path) = resolve_command(cmd) {
        for warning in interposition_warnings(&path) {
            eprintln!("netshim: warning: {warning}");
        }
    }
    let log = match output.as_deref().and_then(|o| o.to_str()) {
        None | Some("-") => OsString::from("stderr"),
        Some(_) => {
            let given = PathBuf::from(output.unwrap_or_default());
            let absolute = if given.is_absolute() {
                given
            } else {
                env::current_dir().unwrap_or_default().join(given)
            };
            absolute.into_os_string()
        }
    };
    let mut preload = library.into_os_string();
    if let Some(existing) = env::var_os("LD_PRELOAD").filter(|v| !v.is_empty()) {
        preload.push(" ");
        preload.push(existing);
    }
    let mut command = Command::new(cmd);
    command
        .args(&args[i + 1..])
        .env("LD_PRELOAD", preload)
        .env("NETSHIM_LOG", log);
    command.env("NETSHIM_LOG_FORMAT", if json { "json" } else { "text" });
    let err = command.exec(); // returns only on failure
    eprintln!("netshim: cannot run {}: {err}", cmd.to_string_lossy());
    ExitCode::from(if err.kind() == io::ErrorKind::NotFound {
        127
    } else {
        126
    })
}

fn find_library() -> Option<PathBuf> {
    if let Some(p) = env::var_os("NETSHIM_LIBRARY") {
        return Some(PathBuf::from(p));
    }
    let exe = env::current_exe().ok()?;
    let dir = exe.parent()?;
    [
        dir.join("../lib/libnetshim.so.0"),
        dir.join("libnetshim.so"),
        dir.join("../lib/libnetshim.so"),
    ]
    .into_iter()
    .find(|p| p.exists())
    .and_then(|p| p.canonicalize().ok())
}

fn resolve_command(cmd: &OsString) -> Option<PathBuf> {
    let cmd = Path::new(cmd);
    if cmd.components().count() > 1 {
        return Some(cmd.to_path_buf());
    }
    env::split_paths(&env::var_os("PATH")?)
        .map(|d| d.join(cmd))
        .find(|p| p.is_file())
}

/// Why LD_PRELOAD would not reach the program: a static ELF (no PT_INTERP: no dynamic
/// loader reads LD_PRELOAD) or a set-uid/set-gid file (the loader drops LD_PRELOAD).
fn interposition_warnings(path: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(meta) = fs::metadata(path) {
        let mode = meta.permissions().mode();
        if mode & 0o6000 != 0 {
            out.push(format!(
                "{} is set-uid/set-gid: the dynamic loader ignores LD_PRELOAD for it (and netshim ignores NETSHIM_*); nothing will be logged",
                path.display()
            ));
        }
    }
    if let Ok(bytes) = fs::read(path) {
        if bytes.starts_with(b"\x7fELF") && !has_interp(&bytes) {
            out.push(format!(
                "{} is statically linked (no PT_INTERP): LD_PRELOAD has no effect on it; nothing will be logged",
                path.display()
            ));
        }
    }
    out
}

/// Whether an ELF file has a PT_INTERP program header (64- or 32-bit, either endianness).
fn has_interp(elf: &[u8]) -> bool {
    let is64 = elf.get(4) == Some(&2);
    let little = elf.get(5) == Some(&1);
    let rd = |at: usize, n: usize| -> Option<u64> {
        let b = elf.get(at..at + n)?;
        let mut v = 0u64;
        for (i, &x) in b.iter().enumerate() {
            let shift = if little { 8 * i } else { 8 * (n - 1 - i) };
            v |= u64::from(x) << shift;
        }
        Some(v)
    };
    let (phoff, phentsize, phnum) = if is64 {
        (rd(0x20, 8), rd(0x36, 2), rd(0x38, 2))
    } else {
        (rd(0x1c, 4), rd(0x2a, 2), rd(0x2c, 2))
    };
    let (Some(phoff), Some(size), Some(num)) = (phoff, phentsize, phnum) else {
        return false;
    };
    (0..num.min(4096)).any(|i| rd((phoff + i * size) as usize, 4) == Some(3)) // PT_INTERP
}

/// One destination's numbers.
#[derive(Default)]
struct Row {
    host: String,
    connects: u64,
    failures: BTreeMap<String, u64>,
    durations: Vec<u64>,
    programs: BTreeMap<String, u64>,
}

fn report(file: &Path) -> ExitCode {
    let reader = match fs::File::open(file) {
        Ok(f) => io::BufReader::new(f),
        Err(e) => {
            eprintln!("netshim: cannot read {}: {e}", file.display());
            return ExitCode::from(1);
        }
    };
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut skipped = 0u64;
    for line in reader.lines().map_while(Result::ok) {
        let Some(fields) = flat_json(&line) else {
            skipped += 1;
            continue;
        };
        let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
        let event = get("event");
        // A non-blocking connect's outcome is its connect-done line; its EINPROGRESS line
        // only counts the attempt.
        if event != "connect" && event != "connect-done" {
            continue;
        }
        let result = get("result");
        let row = rows.entry(get("dest")).or_default();
        if event == "connect" {
            row.connects += 1;
            *row.programs.entry(get("prog")).or_default() += 1;
        }
        if !get("host").is_empty() {
            row.host = get("host");
        }
        if result != "EINPROGRESS" {
            if result != "ok" {
                *row.failures.entry(result).or_default() += 1;
            }
            if let Ok(us) = get("duration_us").parse() {
                row.durations.push(us);
            }
        }
    }
    let mut out = io::stdout().lock();
    let _ = writeln!(
        out,
        "{:<28} {:<28} {:>8}  {:>10} {:>10}  {:<24} programs",
        "host", "destination", "connects", "median", "p99", "failures"
    );
    for (dest, row) in &mut rows {
        row.durations.sort_unstable();
        let pct = |p: usize| {
            row.durations
                .get((row.durations.len().saturating_sub(1)) * p / 100)
                .map_or("-".to_string(), |us| {
                    format!("{:.3}ms", *us as f64 / 1000.0)
                })
        };
        let failures: Vec<String> = row
            .failures
            .iter()
            .map(|(e, n)| format!("{e}×{n}"))
            .collect();
        let programs: Vec<String> = row.programs.keys().cloned().collect();
        let host = if row.host.is_empty() { "-" } else { &row.host };
        let failures = if failures.is_empty() {
            "-".to_string()
        } else {
            failures.join(",")
        };
        let _ = writeln!(
            out,
            "{:<28} {:<28} {:>8}  {:>10} {:>10}  {:<24} {}",
            host,
            dest,
            row.connects,
            pct(50),
            pct(99),
            failures,
            programs.join(",")
        );
    }
    if skipped > 0 {
        let _ = writeln!(
            io::stderr(),
            "netshim: {skipped} lines were not JSON log lines and were skipped"
        );
    }
    ExitCode::SUCCESS
}

/// The string and number fields of one flat JSON object (netshim's log lines); arrays are
/// skipped. None when the line is not such an object.
fn flat_json(line: &str) -> Option<BTreeMap<String, String>> {
    let mut fields = BTreeMap::new();
    let mut chars = line
        .trim()
        .strip_prefix('{')?
        .strip_suffix('}')?
        .chars()
        .peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(fields);
        }
        let key = json_string(&mut chars)?;
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ':') {
            chars.next();
        }
        let value = match chars.peek()? {
            '"' => json_string(&mut chars)?,
            '[' => {
                let mut depth = 0;
                for c in chars.by_ref() {
                    match c {
                        '[' => depth += 1,
                        ']' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                String::new()
            }
            _ => {
                let mut v = String::new();
                while let Some(&c) = chars.peek() {
                    if c == ',' {
                        break;
                    }
                    v.push(c);
                    chars.next();
                }
                let v = v.trim().to_string();
                if v == "null" {
                    String::new()
                } else {
                    v
                }
            }
        };
        fields.insert(key, value);
    }
}

fn json_string(chars: &mut std::iter::Peekable<std::str::Chars>) -> Option<String> {
    if chars.next()? != '"' {
        return None;
    }
    let mut s = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(s),
            '\\' => match chars.next()? {
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    s.push(
                        char::from_u32(u32::from_str_radix(&hex, 16).ok()?).unwrap_or('\u{fffd}'),
                    );
                }
                'n' => s.push('\n'),
                't' => s.push('\t'),
                c => s.push(c),
            },
            c => s.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_json_reads_log_lines() {
        let line = r#"{"ts":"x","event":"connect","fd":5,"dest":"[::1]:80","host":null,"result":"ok","addrs":["a","b"],"prog":"c\"url\u0041"}"#;
        let f = flat_json(line).unwrap();
        assert_eq!(f["event"], "connect");
        assert_eq!(f["fd"], "5");
        assert_eq!(f["dest"], "[::1]:80");
        assert_eq!(f["host"], "");
        assert_eq!(f["addrs"], "");
        assert_eq!(f["prog"], "c\"urlA");
        assert!(flat_json("not json").is_none());
        assert!(flat_json("{\"unterminated").is_none());
    }

    #[test]
    fn pt_interp_is_found_in_dynamic_programs_only() {
        assert!(has_interp(&fs::read("/bin/sh").unwrap()));
        assert!(!has_interp(b"\x7fELF\x02\x01"));
        assert!(!has_interp(&[]));
    }
}
