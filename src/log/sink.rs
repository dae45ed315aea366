//! Where lines go, and the one write(2) that sends each. A destination that fails —
//! closed pipe, full disk, closed or reused fd — costs the line, never the program:
//! no SIGPIPE reaches it, errno is untouched (sys never writes errno), nothing blocks.

use crate::sys::{self, fs::FileId, Errno};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicU8, Ordering::*};
use once_cell::race::OnceBox;

pub const OFF: u8 = 0;
pub const STDERR: u8 = 1;
pub const FD: u8 = 2;
pub const PATH: u8 = 3;

static KIND: AtomicU8 = AtomicU8::new(OFF);
static LOG_FD: AtomicI32 = AtomicI32::new(-1);
/// The open file's identity: a different one behind the fd means the program closed ours
/// (close_range, closefrom) or put its own file there (dup2).
static DEV: AtomicU64 = AtomicU64::new(0);
static INO: AtomicU64 = AtomicU64::new(0);
static IS_PIPE: AtomicBool = AtomicBool::new(false);
static IS_SOCKET: AtomicBool = AtomicBool::new(false);
static LOG_PATH: OnceBox<Vec<u8>> = OnceBox::new();

const S_IFMT: u32 = 0o170000;
const S_IFIFO: u32 = 0o010000;
const S_IFSOCK: u32 = 0o140000;

pub fn enabled() -> bool {
    KIND.load(Relaxed) != OFF
}

/// Reads NETSHIM_LOG's value: `stderr`, `fd:N`, or a path.
pub fn configure(value: &[u8]) {
    let (kind, fd) = if value == b"stderr" {
        (STDERR, Ok(2))
    } else if let Some(n) = value.strip_prefix(b"fd:") {
        (FD, parse_fd(n).ok_or(Errno::INVAL))
    } else if value.is_empty() {
        return;
    } else {
        let mut path = value.to_vec();
        path.push(0);
        let path = LOG_PATH.get_or_init(|| Box::new(path));
        (PATH, open_path(path))
    };
    if let Ok(fd) = fd {
        if adopt(fd).is_ok() {
            KIND.store(kind, Release);
        }
    }
}

fn parse_fd(digits: &[u8]) -> Option<i32> {
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0i32, |v, d| v * 10 + i32::from(d - b'0')),
    )
}

fn open_path(path: &[u8]) -> Result<i32, Errno> {
    sys::fs::open(
        path,
        libc::O_WRONLY | libc::O_APPEND | libc::O_CREAT | libc::O_CLOEXEC | libc::O_NOCTTY,
        0o600,
    )
}

/// Remembers `fd` and what is behind it.
fn adopt(fd: i32) -> Result<(), Errno> {
    let id = sys::fs::fstat(fd)?;
    remember(&id);
    LOG_FD.store(fd, Release);
    Ok(())
}

fn remember(id: &FileId) {
    DEV.store(id.dev, Relaxed);
    INO.store(id.ino, Relaxed);
    IS_PIPE.store(id.mode & S_IFMT == S_IFIFO, Relaxed);
    IS_SOCKET.store(id.mode & S_IFMT == S_IFSOCK, Relaxed);
}

/// Our fd, if it still holds our file; re-opened from the path when it does not.
fn current_fd() -> Option<i32> {
    let fd = LOG_FD.load(Acquire);
    if fd < 0 {
        return None;
    }
    match sys::fs::fstat(fd) {
        Ok(id) if id.dev == DEV.load(Relaxed) && id.ino == INO.load(Relaxed) => return Some(fd),
        _ => {}
    }
    // Not ours any more: never write there. A path can be opened again; stderr and fd:N
    // cannot be told apart from the program's own file, so logging stops.
    if KIND.load(Relaxed) != PATH {
        KIND.store(OFF, Release);
        return None;
    }
    let path = LOG_PATH.get()?;
    let new = open_path(path).ok()?;
    let id = sys::fs::fstat(new).ok()?;
    match LOG_FD.compare_exchange(fd, new, AcqRel, Acquire) {
        Ok(_) => {
            remember(&id);
            Some(new)
        }
        Err(other) => {
            // Another thread re-opened first: use its fd, drop ours.
            let _ = sys::fs::close(new);
            Some(other)
        }
    }
}

/// Sends one finished line with one write(2) (or send(2) with MSG_NOSIGNAL on a socket).
pub fn write(line: &[u8]) {
    let Some(fd) = current_fd() else { return };
    if IS_SOCKET.load(Relaxed) {
        let _ = sys::net::sendto(fd, line, libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT, &[]);
    } else if IS_PIPE.load(Relaxed) {
        write_to_pipe(fd, line);
    } else {
        let _ = sys::fs::write(fd, line);
    }
}

/// A pipe whose reader is gone raises SIGPIPE. Block it around the write, and if our
/// write raised it (EPIPE, and it was not already pending for the program), take it back.
fn write_to_pipe(fd: i32, line: &[u8]) {
    let Ok(old) = sys::signal::block_sigpipe() else {
        return;
    };
    let was_pending = sys::signal::sigpipe_pending();
    if sys::fs::write(fd, line) == Err(Errno::PIPE) && !was_pending {
        sys::signal::consume_sigpipe();
    }
    sys::signal::restore_mask(old);
}
