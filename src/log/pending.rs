//! Non-blocking connects waiting for their outcome, keyed by fd: when the program asks
//! getsockopt(SO_ERROR), the logger writes the final result. A fixed table of atomics:
//! no allocation, no lock; a slot taken by another fd is simply not tracked.

use core::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering::*};

const SLOTS: usize = 1024;
/// The destination is kept as its sockaddr bytes: sockaddr_in6 (28) and unix paths up to
/// this length; longer ones are cut.
pub const ADDR_MAX: usize = 112;

struct Slot {
    fd: AtomicI32,
    start: AtomicU64,
    len: AtomicU32,
    addr: [AtomicU64; ADDR_MAX / 8],
}

static TABLE: [Slot; SLOTS] = [const {
    Slot {
        fd: AtomicI32::new(-1),
        start: AtomicU64::new(0),
        len: AtomicU32::new(0),
        addr: [const { AtomicU64::new(0) }; ADDR_MAX / 8],
    }
}; SLOTS];

fn slot(fd: i32) -> Option<&'static Slot> {
    TABLE.get(usize::try_from(fd).ok()? % SLOTS)
}

/// Remembers that `fd` started connecting to `addr` at `start` (nanoseconds).
pub fn record(fd: i32, start: u64, addr: &[u8]) {
    let Some(s) = slot(fd) else { return };
    // Claim the slot (-1) or reuse ours; skip if another fd holds it.
    let held = s.fd.load(Acquire);
    if held != -1 && held != fd {
        return;
    }
    if s.fd.compare_exchange(held, -2, AcqRel, Relaxed).is_err() {
        return;
    }
    let len = addr.len().min(ADDR_MAX);
    let mut words = [0u64; ADDR_MAX / 8];
    for (i, &b) in addr[..len].iter().enumerate() {
        words[i / 8] |= u64::from(b) << (8 * (i % 8));
    }
    for (cell, w) in s.addr.iter().zip(words) {
        cell.store(w, Relaxed);
    }
    s.len.store(len as u32, Relaxed);
    s.start.store(start, Relaxed);
    s.fd.store(fd, Release);
}

/// Takes the pending connect of `fd`, if any: (start, address bytes, length).
pub fn take(fd: i32, out: &mut [u8; ADDR_MAX]) -> Option<(u64, usize)> {
    let s = slot(fd)?;
    if s.fd.load(Acquire) != fd || s.fd.compare_exchange(fd, -2, AcqRel, Relaxed).is_err() {
        return None;
    }
    for (i, cell) in s.addr.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&cell.load(Relaxed).to_le_bytes());
    }
    let found = (
        s.start.load(Relaxed),
        (s.len.load(Relaxed) as usize).min(ADDR_MAX),
    );
    s.fd.store(-1, Release);
    Some(found)
}
