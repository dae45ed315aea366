//! NETSHIM_LOG=syslog: one datagram per event to /dev/log, in glibc syslog(3)'s format
//! `<PRI>Mmm dd hh:mm:ss netshim[PID]: MESSAGE` (the day space-padded, as strftime's %e),
//! local time from the zone read at load (tz.rs). MESSAGE is the event's text or JSON line.

use super::date::civil;
use super::line::Line;
use super::tz::Zone;

/// Severity info (6) on the chosen facility.
const SEVERITY_INFO: u32 = 6;
/// LOG_USER, as syslog(3) uses when openlog named none.
pub const DEFAULT_FACILITY: u32 = 1;

/// NETSHIM_SYSLOG_FACILITY: `user`, `daemon` or `local0`…`local7` (syslog.h's codes).
pub fn facility(name: &[u8]) -> Option<u32> {
    Some(match name {
        b"user" => 1,
        b"daemon" => 3,
        [b'l', b'o', b'c', b'a', b'l', d @ b'0'..=b'7'] => 16 + u32::from(d - b'0'),
        _ => return None,
    })
}

const MONTHS: &[u8; 36] = b"JanFebMarAprMayJunJulAugSepOctNovDec";

/// The header, up to and including ": ".
pub fn header(line: &mut Line, facility: u32, zone: &Zone, realtime_ns: u64, pid: i32) {
    let utc = (realtime_ns / 1_000_000_000) as i64;
    let local = utc + i64::from(zone.offset_at(utc));
    let (_, month, day) = civil(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400) as u32;
    line.byte(b'<');
    line.dec(u64::from(facility * 8 + SEVERITY_INFO));
    line.byte(b'>');
    let m = (month as usize - 1) * 3;
    line.push(&MONTHS[m..m + 3]);
    line.byte(b' ');
    if day < 10 {
        line.byte(b' ');
    }
    line.dec(u64::from(day));
    line.byte(b' ');
    line.pad2(secs / 3600);
    line.byte(b':');
    line.pad2(secs / 60 % 60);
    line.byte(b':');
    line.pad2(secs % 60);
    line.push(b" netshim[");
    line.int(i64::from(pid));
    line.push(b"]: ");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facilities() {
        assert_eq!(facility(b"user"), Some(1));
        assert_eq!(facility(b"daemon"), Some(3));
        assert_eq!(facility(b"local0"), Some(16));
        assert_eq!(facility(b"local7"), Some(23));
        assert_eq!(facility(b"local8"), None);
        assert_eq!(facility(b"kern"), None);
    }

    #[test]
    fn header_as_syslog3_writes_it() {
        let mut line = Line::new();
        // 2025-12-01T09:04:30Z
        header(&mut line, 1, &Zone::utc(), 1_764_579_870_320_173_999, 42);
        assert_eq!(line.bytes(), b"<14>Dec  1 09:04:30 netshim[42]: ");
        let berlin = super::super::tz::load(Some(b"Europe/Berlin"), |p| {
            std::fs::read(std::str::from_utf8(p).ok()?).ok()
        });
        let mut line = Line::new();
        // 2026-07-14T23:30:00Z is 01:30 on the 15th in Berlin (CEST, +2).
        header(&mut line, 23, &berlin, 1_784_071_800_000_000_000, 7);
        assert_eq!(line.bytes(), b"<190>Jul 15 01:30:00 netshim[7]: ");
    }
}
