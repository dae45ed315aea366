//! `netshim report FILE`: the connects of a JSON log, one row per destination, host or
//! program, as a table, as JSON (`--json`) or also as an HTML page (`--html`, html.rs).

use crate::cli::{By, ReportArgs};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;

/// One connect or connect-done line of the log.
pub struct Event {
    pub fields: Map<String, Value>,
    pub event: String,
    pub dest: String,
    pub host: String,
    pub prog: String,
    pub pid: u64,
    pub result: String,
    pub duration_us: Option<u64>,
    /// When the line was written (µs since the epoch), if its `ts` reads.
    pub ts_us: Option<i64>,
}

impl Event {
    fn from_fields(fields: Map<String, Value>) -> Option<Self> {
        let event = text(&fields, "event");
        // A non-blocking connect's outcome is its connect-done line; its EINPROGRESS line
        // only counts the attempt. getaddrinfo lines are not connects.
        if event != "connect" && event != "connect-done" {
            return None;
        }
        Some(Event {
            event,
            dest: text(&fields, "dest"),
            host: text(&fields, "host"),
            prog: text(&fields, "prog"),
            pid: fields.get("pid").and_then(Value::as_u64).unwrap_or(0),
            result: text(&fields, "result"),
            duration_us: fields.get("duration_us").and_then(Value::as_u64),
            ts_us: parse_ts(&text(&fields, "ts")),
            fields,
        })
    }

    /// A failure: neither ok nor still in progress.
    pub fn failed(&self) -> bool {
        self.result != "ok" && self.result != "EINPROGRESS"
    }
}

/// One row's numbers.
#[derive(Default)]
struct Row {
    host: String,
    dests: BTreeSet<String>,
    connects: u64,
    failures: BTreeMap<String, u64>,
    durations: Vec<u64>,
    programs: BTreeSet<String>,
}

/// A row as every output shows it.
pub struct Summary {
    pub key: String,
    /// The host name (rows by destination; empty for none) or the destinations (by host or
    /// program).
    pub detail: String,
    pub connects: u64,
    pub failures: BTreeMap<String, u64>,
    pub median_us: Option<u64>,
    pub p99_us: Option<u64>,
    pub programs: Vec<String>,
}

impl Summary {
    pub fn failures_text(&self) -> String {
        if self.failures.is_empty() {
            return "-".into();
        }
        let parts: Vec<String> = self
            .failures
            .iter()
            .map(|(e, n)| format!("{e}×{n}"))
            .collect();
        parts.join(",")
    }
}

pub fn ms(us: Option<u64>) -> String {
    us.map_or("-".into(), |us| format!("{:.3}ms", us as f64 / 1000.0))
}

pub fn report(args: &ReportArgs) -> ExitCode {
    let Some(file) = &args.file else {
        return ExitCode::from(2); // cli::parse never lets this through
    };
    let reader = match fs::File::open(file) {
        Ok(f) => io::BufReader::new(f),
        Err(e) => {
            eprintln!("netshim: cannot read {}: {e}", file.display());
            return ExitCode::from(1);
        }
    };
    let mut events = Vec::new();
    let mut skipped = 0u64;
    for line in reader.lines().map_while(Result::ok) {
        let Ok(fields) = serde_json::from_str::<Map<String, Value>>(&line) else {
            skipped += 1;
            continue;
        };
        let Some(event) = Event::from_fields(fields) else {
            continue;
        };
        let family = text(&event.fields, "family");
        if args.families.as_ref().is_some_and(|f| !f.contains(&family)) {
            continue;
        }
        events.push(event);
    }
    let rows = summarise(&events, args.by);
    if args.json {
        print_json(&rows, args.by);
    } else {
        print_table(&rows, args.by);
    }
    if skipped > 0 {
        eprintln!("netshim: {skipped} lines were not JSON log lines and were skipped");
    }
    if let Some(out) = &args.html {
        let page = crate::html::page(&rows, &events, &file.display().to_string(), args.by);
        if let Err(e) = fs::write(out, page) {
            eprintln!("netshim: cannot write {}: {e}", out.display());
            return ExitCode::from(1);
        }
        eprintln!("netshim: wrote {}", out.display());
    }
    ExitCode::SUCCESS
}

/// A field as text: strings as they are, numbers written out, null and absent as "".
pub fn text(fields: &Map<String, Value>, key: &str) -> String {
    match fields.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn key_of(event: &Event, by: By) -> String {
    match by {
        By::Dest => event.dest.clone(),
        // Connects without a name are grouped by their address.
        By::Host if event.host.is_empty() => event.dest.clone(),
        By::Host => event.host.clone(),
        By::Program => event.prog.clone(),
    }
}

fn summarise(events: &[Event], by: By) -> Vec<Summary> {
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for e in events {
        let row = rows.entry(key_of(e, by)).or_default();
        row.dests.insert(e.dest.clone());
        if e.event == "connect" {
            row.connects += 1;
            row.programs.insert(e.prog.clone());
        }
        if !e.host.is_empty() {
            row.host = e.host.clone();
        }
        if e.result != "EINPROGRESS" {
            if e.result != "ok" {
                *row.failures.entry(e.result.clone()).or_default() += 1;
            }
            row.durations.extend(e.duration_us);
        }
    }
    rows.into_iter()
        .map(|(key, mut row)| {
            row.durations.sort_unstable();
            let pct = |p: usize| {
                let d = &row.durations;
                d.get(d.len().saturating_sub(1) * p / 100).copied()
            };
            let detail = match by {
                By::Dest => row.host.clone(),
                By::Host | By::Program => row.dests.iter().cloned().collect::<Vec<_>>().join(","),
            };
            Summary {
                median_us: pct(50),
                p99_us: pct(99),
                key,
                detail,
                connects: row.connects,
                failures: row.failures,
                programs: row.programs.into_iter().collect(),
            }
        })
        .collect()
}

/// The two leading columns' names.
pub fn headers(by: By) -> (&'static str, &'static str) {
    match by {
        By::Dest => ("destination", "host"),
        By::Host => ("host", "destinations"),
        By::Program => ("program", "destinations"),
    }
}

fn print_table(rows: &[Summary], by: By) {
    let (first, second) = headers(by);
    let mut out = io::stdout().lock();
    let _ = writeln!(
        out,
        "{first:<28} {second:<28} {:>8}  {:>10} {:>10}  {:<24} programs",
        "connects", "median", "p99", "failures"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:<28} {:<28} {:>8}  {:>10} {:>10}  {:<24} {}",
            r.key,
            if r.detail.is_empty() { "-" } else { &r.detail },
            r.connects,
            ms(r.median_us),
            ms(r.p99_us),
            r.failures_text(),
            r.programs.join(",")
        );
    }
}

fn print_json(rows: &[Summary], by: By) {
    let (first, second) = headers(by);
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                first: r.key,
                second: match by {
                    By::Dest if r.detail.is_empty() => Value::Null,
                    By::Dest => json!(r.detail),
                    By::Host | By::Program => json!(r.detail.split(',').collect::<Vec<_>>()),
                },
                "connects": r.connects,
                "failures": r.failures,
                "median_us": r.median_us,
                "p99_us": r.p99_us,
                "programs": r.programs,
            })
        })
        .collect();
    println!("{}", json!({ "schema": 1, "by": first, "rows": rows }));
}

/// RFC 3339 UTC as the log writes it ("2026-11-28T06:04:24.854083Z") to µs since the epoch.
pub fn parse_ts(ts: &str) -> Option<i64> {
    let (date, time) = ts.strip_suffix('Z')?.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (h, min, s) = (t.next()??, t.next()??, t.next()??);
    let micros: i64 = format!("{frac:0<6}").get(..6)?.parse().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3600 + min * 60 + s) * 1_000_000) + micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(lines: &[&str]) -> Vec<Event> {
        lines
            .iter()
            .filter_map(|l| Event::from_fields(serde_json::from_str(l).unwrap()))
            .collect()
    }

    const LINES: [&str; 4] = [
        r#"{"event":"connect","fd":5,"dest":"[::1]:80","host":null,"result":"EINPROGRESS","prog":"c\"url\u0041","duration_us":3}"#,
        r#"{"event":"connect-done","fd":5,"dest":"[::1]:80","host":"h.test","result":"ok","duration_us":1500}"#,
        r#"{"event":"connect","fd":6,"dest":"[::1]:80","result":"ECONNREFUSED","prog":"x","addrs":["a"],"duration_us":7}"#,
        r#"{"event":"getaddrinfo","node":"h.test"}"#,
    ];

    #[test]
    fn log_lines_fill_rows() {
        let rows = summarise(&events(&LINES), By::Dest);
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(
            (row.key.as_str(), row.detail.as_str()),
            ("[::1]:80", "h.test")
        );
        assert_eq!(row.connects, 2);
        assert_eq!((row.median_us, row.p99_us), (Some(7), Some(7)));
        assert_eq!(row.failures["ECONNREFUSED"], 1);
        assert_eq!(row.programs, ["c\"urlA", "x"]);
    }

    #[test]
    fn rows_by_host_and_program() {
        let ev = events(&LINES);
        let by_prog = summarise(&ev, By::Program);
        let keys: Vec<&str> = by_prog.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["", "c\"urlA", "x"]); // connect-done lines carry no prog here
        let by_host = summarise(&ev, By::Host);
        let keys: Vec<&str> = by_host.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["[::1]:80", "h.test"]);
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_ts("1970-01-01T00:00:00.000001Z"), Some(1));
        assert_eq!(
            parse_ts("2026-11-28T06:04:24.854083Z"),
            Some(1_795_845_864_854_083)
        );
        assert_eq!(parse_ts("2000-03-01T00:00:00Z"), Some(951_868_800_000_000));
        for bad in ["", "2026-11-28", "2026-11-28T06:04:24", "x-1-1T0:0:0Z"] {
            assert_eq!(parse_ts(bad), None, "{bad}");
        }
    }
}
