//! Local time for syslog timestamps: the zone is read once when the library loads, from
//! TZ or /etc/localtime, as glibc's tzset does (a TZif file, RFC 8536, or a POSIX TZ
//! string; UTC when there is neither). Everything from the file is a claim: counts are
//! checked against the bytes present, indexes against the tables, and nothing is read past
//! the end. Leap-second records are skipped (syslog shows civil time, as glibc does for
//! zones without them).

use alloc::vec::Vec;

/// A TZif file larger than this is not a time zone (the largest in tzdata is ~4 KiB).
pub const MAX_FILE: usize = 256 * 1024;

/// When a date rule switches (POSIX TZ `Jn`, `n` or `Mm.w.d`), and at which local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Day {
    /// 1..=365, February 29 never counted.
    Julian1(u16),
    /// 0..=365, February 29 counted in leap years.
    Julian0(u16),
    /// Day `d` (0 = Sunday) of week `w` (1..=5, 5 = the last) of month `m`.
    Month { m: u8, w: u8, d: u8 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Switch {
    day: Day,
    /// Seconds after local midnight (may be negative or past 24 h, RFC 8536 §3.3.1).
    time: i32,
}

/// A POSIX TZ rule: standard offset, and daylight time between two switches, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    std: i32,
    dst: Option<(i32, Switch, Switch)>,
}

#[derive(Debug, Default)]
pub struct Zone {
    /// Transition times (UTC seconds), ascending, and the offset from each on.
    times: Vec<i64>,
    offsets: Vec<i32>,
    /// For times before the first transition (time type 0).
    initial: i32,
    /// For times after the last transition (the TZif footer, or a TZ string).
    rule: Option<Rule>,
}

impl Zone {
    pub fn utc() -> Zone {
        Zone::default()
    }

    /// The offset from UTC, in seconds, of local time at UTC second `t` (clamped to about
    /// ±34,000 years, where the date arithmetic cannot overflow).
    pub fn offset_at(&self, t: i64) -> i32 {
        let t = t.clamp(-(1 << 40), 1 << 40);
        match self.times.partition_point(|&at| at <= t) {
            0 if self.times.is_empty() => self.rule.map_or(self.initial, |r| r.offset_at(t)),
            0 => self.initial,
            n if n == self.times.len() && self.rule.is_some() => {
                self.rule.map_or(0, |r| r.offset_at(t))
            }
            n => self.offsets.get(n - 1).copied().unwrap_or(self.initial),
        }
    }
}

/// The zone as glibc's tzset finds it: TZ unset means /etc/localtime; TZ empty means UTC;
/// otherwise (a leading ':' dropped) a file — an absolute path, or a name under
/// /usr/share/zoneinfo — and failing that a POSIX TZ string; UTC when nothing parses.
pub fn load(tz: Option<&[u8]>, read: impl Fn(&[u8]) -> Option<Vec<u8>>) -> Zone {
    let Some(tz) = tz else {
        return read(b"/etc/localtime")
            .and_then(|d| parse_tzif(&d))
            .unwrap_or_default();
    };
    let name = tz.strip_prefix(b":").unwrap_or(tz);
    if name.is_empty() {
        return Zone::utc();
    }
    let path = if name.first() == Some(&b'/') {
        name.to_vec()
    } else {
        let mut p = b"/usr/share/zoneinfo/".to_vec();
        p.extend_from_slice(name);
        p
    };
    if let Some(zone) = read(&path).and_then(|d| parse_tzif(&d)) {
        return zone;
    }
    match parse_rule(name) {
        Some(rule) => Zone {
            rule: Some(rule),
            initial: rule.std,
            ..Zone::default()
        },
        None => Zone::utc(),
    }
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

/// A TZif file (versions 1 to 4): the 64-bit block when there is one, else the 32-bit one.
pub fn parse_tzif(data: &[u8]) -> Option<Zone> {
    let (header, v1_len) = tzif_header(data, 0, 4)?;
    let (block, time_size) = if data.get(4).copied().unwrap_or(0) >= b'2' {
        (44 + v1_len, 8)
    } else {
        (0, 4)
    };
    let (counts, len) = if time_size == 8 {
        tzif_header(data, block, 8)?
    } else {
        (header, v1_len)
    };
    let [_, _, _, timecnt, typecnt, _] = counts;
    if typecnt == 0 {
        return None;
    }
    let body = data.get(block + 44..block + 44 + len)?;
    let (times_b, rest) = body.split_at_checked(timecnt * time_size)?;
    let (idx_b, rest) = rest.split_at_checked(timecnt)?;
    let (types_b, _) = rest.split_at_checked(typecnt * 6)?;
    let offset_of = |i: usize| -> Option<i32> {
        Some(i32::from_be_bytes(
            types_b.get(i * 6..i * 6 + 4)?.try_into().ok()?,
        ))
    };
    let mut zone = Zone {
        initial: offset_of(0)?,
        ..Zone::default()
    };
    for (i, &ty) in idx_b.iter().enumerate() {
        let raw = times_b.get(i * time_size..(i + 1) * time_size)?;
        let t = if time_size == 8 {
            i64::from_be_bytes(raw.try_into().ok()?)
        } else {
            i64::from(i32::from_be_bytes(raw.try_into().ok()?))
        };
        // Transitions must ascend (RFC 8536 §3.2); a file where they do not is not used.
        if zone.times.last().is_some_and(|&last| last >= t) {
            return None;
        }
        zone.times.push(t);
        zone.offsets.push(offset_of(usize::from(ty))?);
    }
    if time_size == 8 {
        // The footer: "\n" TZ-string "\n" after the 64-bit block.
        let footer = data.get(block + 44 + len..)?;
        if let Some(inner) = footer.strip_prefix(b"\n") {
            if let Some(end) = inner.iter().position(|&b| b == b'\n') {
                zone.rule = parse_rule(&inner[..end]);
            }
        }
    }
    Some(zone)
}

/// The six counts of a TZif header at `at` and the length of the data block they describe.
fn tzif_header(data: &[u8], at: usize, time_size: usize) -> Option<([usize; 6], usize)> {
    if data.get(at..at + 4)? != b"TZif" {
        return None;
    }
    let mut c = [0usize; 6];
    for (i, v) in c.iter_mut().enumerate() {
        *v = be32(data, at + 20 + 4 * i)? as usize;
    }
    let [isut, isstd, leap, time, ty, chars] = c;
    let len = time
        .checked_mul(time_size + 1)?
        .checked_add(ty.checked_mul(6)?)?
        .checked_add(chars)?
        .checked_add(leap.checked_mul(time_size + 4)?)?
        .checked_add(isstd)?
        .checked_add(isut)?;
    (len <= data.len()).then_some((c, len))
}

/// A reader over a TZ string.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.0 = &self.0[1..];
            true
        } else {
            false
        }
    }
    fn number(&mut self, max_digits: usize) -> Option<i32> {
        let n = self
            .0
            .iter()
            .take(max_digits)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if n == 0 {
            return None;
        }
        let v = self.0[..n]
            .iter()
            .fold(0i32, |v, d| v * 10 + i32::from(d - b'0'));
        self.0 = &self.0[n..];
        Some(v)
    }
    /// A zone abbreviation: three or more letters, or `<…>` of letters, digits, + and -.
    fn name(&mut self) -> Option<()> {
        if self.eat(b'<') {
            let n = self.0.iter().position(|&b| b == b'>')?;
            let ok = n >= 3
                && self.0[..n]
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'-');
            self.0 = &self.0[n + 1..];
            return ok.then_some(());
        }
        let n = self
            .0
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        self.0 = &self.0[n..];
        (n >= 3).then_some(())
    }
    /// `[+-]hh[:mm[:ss]]` in seconds, hours up to 167 (RFC 8536's extension).
    fn hms(&mut self) -> Option<i32> {
        let sign = if self.eat(b'-') {
            -1
        } else {
            self.eat(b'+');
            1
        };
        let h = self.number(3)?;
        let m = if self.eat(b':') { self.number(2)? } else { 0 };
        let s = if self.eat(b':') { self.number(2)? } else { 0 };
        (h <= 167 && m < 60 && s < 60).then_some(sign * (h * 3600 + m * 60 + s))
    }
    fn switch(&mut self) -> Option<Switch> {
        let day = if self.eat(b'J') {
            let n = self.number(3)?;
            (1..=365).contains(&n).then_some(Day::Julian1(n as u16))?
        } else if self.eat(b'M') {
            let m = self.number(2)?;
            let w = if self.eat(b'.') {
                self.number(1)?
            } else {
                return None;
            };
            let d = if self.eat(b'.') {
                self.number(1)?
            } else {
                return None;
            };
            ((1..=12).contains(&m) && (1..=5).contains(&w) && d <= 6).then_some(Day::Month {
                m: m as u8,
                w: w as u8,
                d: d as u8,
            })?
        } else {
            let n = self.number(3)?;
            (n <= 365).then_some(Day::Julian0(n as u16))?
        };
        let time = if self.eat(b'/') { self.hms()? } else { 7200 };
        Some(Switch { day, time })
    }
}

/// A POSIX TZ string: `std offset [dst [offset] [,start[/time],end[/time]]]`. Offsets are
/// west-positive as POSIX writes them; the rule holds east-positive seconds.
pub fn parse_rule(s: &[u8]) -> Option<Rule> {
    let mut c = Cursor(s);
    c.name()?;
    let std = -c.hms()?;
    if c.peek().is_none() {
        return Some(Rule { std, dst: None });
    }
    c.name()?;
    let dst = match c.peek() {
        Some(b',') | None => std + 3600,
        _ => -c.hms()?,
    };
    let (start, end) = if c.eat(b',') {
        let start = c.switch()?;
        if !c.eat(b',') {
            return None;
        }
        (start, c.switch()?)
    } else {
        // No rule: glibc's default (the US rules since 2007).
        (
            Switch {
                day: Day::Month { m: 3, w: 2, d: 0 },
                time: 7200,
            },
            Switch {
                day: Day::Month { m: 11, w: 1, d: 0 },
                time: 7200,
            },
        )
    };
    c.peek().is_none().then_some(Rule {
        std,
        dst: Some((dst, start, end)),
    })
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Days since 1970-01-01 of a switch's day in year `y`.
fn day_of(y: i64, day: Day) -> i64 {
    let jan1 = super::date::days_from_civil(y, 1, 1);
    match day {
        Day::Julian1(n) => {
            let n = i64::from(n) - 1;
            jan1 + n + i64::from(is_leap(y) && n >= 59)
        }
        Day::Julian0(n) => jan1 + i64::from(n),
        Day::Month { m, w, d } => {
            let first = super::date::days_from_civil(y, u32::from(m), 1);
            let weekday = (first + 4).rem_euclid(7); // 1970-01-01 was a Thursday
            let mut at = first + (i64::from(d) - weekday).rem_euclid(7) + 7 * (i64::from(w) - 1);
            let (ny, nm) = if m == 12 {
                (y + 1, 1)
            } else {
                (y, u32::from(m) + 1)
            };
            let next = super::date::days_from_civil(ny, nm, 1);
            while at >= next {
                at -= 7;
            }
            at
        }
    }
}

impl Rule {
    fn offset_at(self, t: i64) -> i32 {
        let Some((dst, start, end)) = self.dst else {
            return self.std;
        };
        let (y, _, _) = super::date::civil((t + i64::from(self.std)).div_euclid(86_400));
        // Start is given in standard time, end in daylight time (POSIX).
        let start_at = day_of(y, start.day) * 86_400 + i64::from(start.time) - i64::from(self.std);
        let end_at = day_of(y, end.day) * 86_400 + i64::from(end.time) - i64::from(dst);
        let in_dst = if start_at < end_at {
            start_at <= t && t < end_at
        } else {
            !(end_at <= t && t < start_at)
        };
        if in_dst {
            dst
        } else {
            self.std
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &[u8]) -> Option<Vec<u8>> {
        std::fs::read(std::str::from_utf8(path).ok()?).ok()
    }

    /// glibc's tm_gmtoff for each of `times` under TZ=`tz`, from python3's time.localtime
    /// (which is glibc's localtime_r).
    fn glibc_offsets(tz: &str, times: &[i64]) -> Vec<i32> {
        use std::io::Write;
        let mut child = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, time\nfor t in sys.stdin: print(time.localtime(int(t)).tm_gmtoff)",
            ])
            .env("TZ", tz)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let input: std::string::String = times.iter().map(|t| std::format!("{t}\n")).collect();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        std::string::String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.parse().unwrap())
            .collect()
    }

    #[test]
    fn offsets_match_glibc() {
        let zones = [
            "Europe/Berlin",
            "America/New_York",
            "Australia/Sydney",
            "Asia/Kolkata",
            "America/Sao_Paulo",
            "Pacific/Chatham",
            "Etc/UTC",
            "EST5EDT,M3.2.0,M11.1.0",
            "<+0330>-3:30",
            "CET-1CEST,M3.5.0,M10.5.0/3",
            "AEST-10AEDT,M10.1.0,M4.1.0/3",
            "XXX3YYY,J60/1,300/25",
            "",
        ];
        let mut times: Vec<i64> = (0..600).map(|i| 631_152_000 + i * 3_456_789).collect();
        // Around 2026's European and US switches, to the second.
        for edge in [
            1_774_746_000i64,
            1_792_890_000,
            1_773_036_000,
            1_793_595_600,
        ] {
            times.extend(edge - 2..edge + 2);
        }
        for tz in zones {
            if !tz.contains(',')
                && !tz.is_empty()
                && !tz.starts_with('<')
                && tz.contains('/')
                && !std::path::Path::new("/usr/share/zoneinfo")
                    .join(tz)
                    .exists()
            {
                panic!("tzdata is missing {tz}");
            }
            let zone = load(Some(tz.as_bytes()), read);
            let want = glibc_offsets(tz, &times);
            assert_eq!(want.len(), times.len());
            for (&t, &w) in times.iter().zip(&want) {
                assert_eq!(zone.offset_at(t), w, "TZ={tz} t={t}");
            }
        }
    }

    #[test]
    fn dst_without_a_rule_follows_the_us_rules_since_2007() {
        let zone = load(Some(b"FOO4BAR"), read);
        let times: Vec<i64> = (0..250).map(|i| 1_230_768_000 + i * 3_456_789).collect(); // 2009–2036
        let want = glibc_offsets("FOO4BAR", &times);
        for (&t, &w) in times.iter().zip(&want) {
            assert_eq!(zone.offset_at(t), w, "t={t}");
        }
    }

    #[test]
    fn hostile_files_are_refused_or_bounded() {
        let good = std::fs::read("/usr/share/zoneinfo/Europe/Berlin").unwrap();
        assert!(parse_tzif(&good).is_some());
        for n in 0..good.len() {
            let _ = parse_tzif(&good[..n]); // no panic on any prefix
        }
        let mut huge = good.clone();
        huge[32..36].copy_from_slice(&u32::MAX.to_be_bytes()); // timecnt lies
        assert!(parse_tzif(&huge).is_none());
        let mut bad_index = good.clone();
        let v1_time = u32::from_be_bytes(good[32..36].try_into().unwrap()) as usize;
        bad_index[44 + v1_time * 4] = 250; // a type index past the table
        assert!(parse_tzif(&bad_index[..]).map_or(true, |z| z.times.len() < 300));
        assert!(parse_rule(b"EST5EDT,M13.1.0,M11.1.0").is_none());
        assert!(parse_rule(b"E5").is_none());
        assert!(parse_rule(b"EST500").is_none());
        assert_eq!(load(Some(b"not a zone!"), read).offset_at(0), 0);
    }
}
