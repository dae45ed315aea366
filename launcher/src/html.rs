//! `netshim report --html OUT.html`: one self-contained page (inline style, no script, no
//! font and no URL of any kind) with the report's table and a waterfall of each process's
//! connects: one bar per connect from its start to its answer, failures marked, each bar's
//! tooltip (its title) holding the log line's fields.

use crate::cli::By;
use crate::report::{headers, ms, text, Event, Summary};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out += "&amp;",
            '<' => out += "&lt;",
            '>' => out += "&gt;",
            '"' => out += "&quot;",
            '\'' => out += "&#39;",
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:13px/1.4 monospace;margin:16px;color:#222;background:#fff}\
table{border-collapse:collapse;margin-bottom:24px}th,td{padding:2px 8px;text-align:left;\
border-bottom:1px solid #ddd}th{background:#f0f0f0}td.n{text-align:right}\
.fail{color:#b00}.lane{margin:12px 0 4px;font-weight:bold}\
.row{display:flex;align-items:center;height:16px}.label{width:300px;overflow:hidden;\
white-space:nowrap;text-overflow:ellipsis;flex:none}.track{position:relative;flex:1;height:12px;\
background:#f4f4f4}.bar{position:absolute;top:0;height:12px;min-width:2px;background:#2a7ab0}\
.bar.pending{background:#9ab}.bar.failed{background:#c22}.axis{color:#666;margin-left:300px}";

/// The whole page: `rows` as the table, `events` as the waterfall.
pub fn page(rows: &[Summary], events: &[Event], source: &str, by: By) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>netshim report: {}</title><style>{STYLE}</style></head><body>\n\
         <h1>netshim report</h1><p>{} connect lines from {}</p>\n",
        esc(source),
        events.len(),
        esc(source)
    );
    table(&mut out, rows, by);
    waterfall(&mut out, events);
    out += "</body></html>\n";
    out
}

fn table(out: &mut String, rows: &[Summary], by: By) {
    let (first, second) = headers(by);
    let _ = writeln!(
        out,
        "<table id=\"destinations\"><tr><th>{first}</th><th>{second}</th><th>connects</th>\
         <th>median</th><th>p99</th><th>failures</th><th>programs</th></tr>"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td{}>{}</td><td>{}</td></tr>",
            esc(&r.key),
            esc(&r.detail),
            r.connects,
            ms(r.median_us),
            ms(r.p99_us),
            if r.failures.is_empty() {
                ""
            } else {
                " class=\"fail\""
            },
            esc(&r.failures_text()),
            esc(&r.programs.join(", "))
        );
    }
    out.push_str("</table>\n");
}

/// One lane per process (program and pid), one bar per connect line, on one time axis.
fn waterfall(out: &mut String, events: &[Event]) {
    // A bar runs from the call's start (the line's time less its duration) to its end.
    let span = |e: &Event| {
        let end = e.ts_us?;
        Some((end - e.duration_us.unwrap_or(0) as i64, end))
    };
    let (t0, t1) = events
        .iter()
        .filter_map(span)
        .fold((i64::MAX, i64::MIN), |(a, b), (s, e)| (a.min(s), b.max(e)));
    out.push_str("<h2>Connects over time, per process</h2>\n");
    if t0 > t1 {
        out.push_str("<p>No line has a time stamp.</p>\n");
        return;
    }
    let width = (t1 - t0).max(1) as f64;
    let _ = writeln!(
        out,
        "<div class=\"axis\">0 ms … {:.3} ms</div>",
        width / 1000.0
    );
    let mut lanes: BTreeMap<(String, u64), Vec<&Event>> = BTreeMap::new();
    for e in events {
        lanes.entry((e.prog.clone(), e.pid)).or_default().push(e);
    }
    for ((prog, pid), mut lane) in lanes {
        lane.sort_by_key(|e| span(e).map_or(i64::MAX, |s| s.0));
        let failures = lane.iter().filter(|e| e.failed()).count();
        let _ = writeln!(
            out,
            "<div class=\"lane\">{} [{pid}] — {} lines, {failures} failed</div>",
            esc(&prog),
            lane.len()
        );
        for e in lane {
            let Some((start, end)) = span(e) else {
                continue;
            };
            let left = (start - t0) as f64 / width * 100.0;
            let w = ((end - start) as f64 / width * 100.0).max(0.2);
            let class = if e.failed() {
                "bar failed"
            } else if e.result == "EINPROGRESS" {
                "bar pending"
            } else {
                "bar"
            };
            let tip: Vec<String> = e
                .fields
                .keys()
                .map(|k| format!("{k}: {}", text(&e.fields, k)))
                .collect();
            let mark = if e.failed() { " ✗" } else { "" };
            let _ = writeln!(
                out,
                "<div class=\"row\"><span class=\"label{}\">{} {}{mark}</span>\
                 <span class=\"track\"><span class=\"{class}\" style=\"left:{left:.3}%;width:{w:.3}%\" \
                 title=\"{}\"></span></span></div>",
                if e.failed() { " fail" } else { "" },
                esc(&e.dest),
                esc(&e.result),
                esc(&tip.join("\n"))
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_holds_no_url() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let page = page(&[], &[], "<log>", By::Dest);
        assert!(page.contains("&lt;log&gt;"));
        for banned in ["<script", "http:", "https:", "url(", "@import", "src="] {
            assert!(!page.contains(banned), "{banned}");
        }
    }
}
