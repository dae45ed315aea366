//! `netshim report FILE`: one row per destination of a JSON log.

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

/// One destination's numbers.
#[derive(Default)]
struct Row {
    host: String,
    connects: u64,
    failures: BTreeMap<String, u64>,
    durations: Vec<u64>,
    programs: BTreeMap<String, u64>,
}

pub fn report(file: &Path) -> ExitCode {
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
        let Ok(fields) = serde_json::from_str::<Map<String, Value>>(&line) else {
            skipped += 1;
            continue;
        };
        add(&mut rows, &fields);
    }
    print_table(&mut rows);
    if skipped > 0 {
        let _ = writeln!(
            io::stderr(),
            "netshim: {skipped} lines were not JSON log lines and were skipped"
        );
    }
    ExitCode::SUCCESS
}

/// A field as text: strings as they are, numbers written out, null and absent as "".
fn text(fields: &Map<String, Value>, key: &str) -> String {
    match fields.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn add(rows: &mut BTreeMap<String, Row>, fields: &Map<String, Value>) {
    let event = text(fields, "event");
    // A non-blocking connect's outcome is its connect-done line; its EINPROGRESS line
    // only counts the attempt.
    if event != "connect" && event != "connect-done" {
        return;
    }
    let result = text(fields, "result");
    let row = rows.entry(text(fields, "dest")).or_default();
    if event == "connect" {
        row.connects += 1;
        *row.programs.entry(text(fields, "prog")).or_default() += 1;
    }
    let host = text(fields, "host");
    if !host.is_empty() {
        row.host = host;
    }
    if result != "EINPROGRESS" {
        if result != "ok" {
            *row.failures.entry(result).or_default() += 1;
        }
        if let Some(us) = fields.get("duration_us").and_then(Value::as_u64) {
            row.durations.push(us);
        }
    }
}

fn print_table(rows: &mut BTreeMap<String, Row>) {
    let mut out = io::stdout().lock();
    let _ = writeln!(
        out,
        "{:<28} {:<28} {:>8}  {:>10} {:>10}  {:<24} programs",
        "host", "destination", "connects", "median", "p99", "failures"
    );
    for (dest, row) in rows.iter_mut() {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_fill_rows() {
        let mut rows = BTreeMap::new();
        for line in [
            r#"{"event":"connect","fd":5,"dest":"[::1]:80","host":null,"result":"EINPROGRESS","prog":"c\"url\u0041","duration_us":3}"#,
            r#"{"event":"connect-done","fd":5,"dest":"[::1]:80","host":"h.test","result":"ok","duration_us":1500}"#,
            r#"{"event":"connect","fd":6,"dest":"[::1]:80","result":"ECONNREFUSED","prog":"x","addrs":["a"],"duration_us":7}"#,
            r#"{"event":"getaddrinfo","node":"h.test"}"#,
        ] {
            add(&mut rows, &serde_json::from_str(line).unwrap());
        }
        let row = &rows["[::1]:80"];
        assert_eq!(row.connects, 2);
        assert_eq!(row.host, "h.test");
        assert_eq!(row.durations, [1500, 7]);
        assert_eq!(row.failures["ECONNREFUSED"], 1);
        assert_eq!(row.programs.keys().collect::<Vec<_>>(), ["c\"urlA", "x"]);
        assert_eq!(rows.len(), 1);
    }
}
