//! Where events go, and the one write(2) or sendto(2) that sends each. A destination that
//! fails — closed pipe, full disk, closed or reused fd, a syslog or journal socket that is
//! missing, dead or full — costs the event, never the program: no SIGPIPE reaches it, errno
//! is untouched (sys never writes errno), nothing blocks. Lost events are counted, and the
//! count rides on the next event that gets through.

use crate::sys::{self, fs::FileId, Errno};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicU8, Ordering::*};
use once_cell::race::OnceBox;

pub const OFF: u8 = 0;
pub const STDERR: u8 = 1;
pub const FD: u8 = 2;
pub const PATH: u8 = 3;
/// A unix datagram socket of our own, sending to SOCKET_PATH (/dev/log or journald's).
pub const SYSLOG: u8 = 4;
pub const JOURNAL: u8 = 5;

pub const DEV_LOG: &[u8] = b"/dev/log";
pub const JOURNAL_SOCKET: &[u8] = b"/run/systemd/journal/socket";

static KIND: AtomicU8 = AtomicU8::new(OFF);
static LOG_FD: AtomicI32 = AtomicI32::new(-1);
/// The open file's identity: a different one behind the fd means the program closed ours
/// (close_range, closefrom) or put its own file there (dup2).
static DEV: AtomicU64 = AtomicU64::new(0);
static INO: AtomicU64 = AtomicU64::new(0);
static IS_PIPE: AtomicBool = AtomicBool::new(false);
static IS_SOCKET: AtomicBool = AtomicBool::new(false);
/// A path to open again (PATH), or the sockaddr_un to send to (SYSLOG, JOURNAL).
static TARGET: OnceBox<Vec<u8>> = OnceBox::new();
/// Events lost since the last one that got through, and the fork epoch they were counted
/// in: a forked child starts from 0 rather than report its parent's losses again.
static DROPPED: AtomicU64 = AtomicU64::new(0);
static DROP_EPOCH: AtomicU32 = AtomicU32::new(0);

const S_IFMT: u32 = 0o170000;
const S_IFIFO: u32 = 0o010000;
const S_IFSOCK: u32 = 0o140000;

#[inline(always)]
pub fn enabled() -> bool {
    KIND.load(Relaxed) != OFF
}

pub fn kind() -> u8 {
    KIND.load(Relaxed)
}

/// Reads NETSHIM_LOG's value: `stderr`, `fd:N`, `syslog`, `journal`, or a path.
pub fn configure(value: &[u8]) {
    let (kind, fd) = match value {
        b"" => return,
        b"stderr" => (STDERR, Ok(2)),
        b"syslog" | b"journal" => {
            let (kind, path) = if value == b"syslog" {
                (SYSLOG, DEV_LOG)
            } else {
                (JOURNAL, JOURNAL_SOCKET)
            };
            let _ = TARGET.set(Box::new(sockaddr_un(path)));
            (kind, datagram_socket())
        }
        _ => match value.strip_prefix(b"fd:") {
            Some(n) => (FD, parse_fd(n).ok_or(Errno::INVAL)),
            None => {
                let mut path = value.to_vec();
                path.push(0);
                let path = TARGET.get_or_init(|| Box::new(path));
                (PATH, open_path(path))
            }
        },
    };
    if let Ok(fd) = fd {
        // Our own file or socket never sits on a standard stream's number (stderr and fd:N
        // are the program's own and stay where they are).
        let fd = if kind == FD || kind == STDERR {
            fd
        } else {
            sys::fs::above_stdio(fd)
        };
        if adopt(fd).is_ok() {
            KIND.store(kind, Release);
        }
    }
}

/// A struct sockaddr_un for `path`: family, path, NUL.
fn sockaddr_un(path: &[u8]) -> Vec<u8> {
    let mut addr = Vec::with_capacity(2 + path.len() + 1);
    addr.extend_from_slice(&(libc::AF_UNIX as u16).to_ne_bytes());
    addr.extend_from_slice(path);
    addr.push(0);
    addr
}

/// Our own unconnected datagram socket: each event is a sendto(2) to the daemon's path, so
/// a daemon that restarts (a new socket at the same path) is found again by itself.
fn datagram_socket() -> Result<i32, Errno> {
    sys::net::socket(
        libc::AF_UNIX,
        libc::SOCK_DGRAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
        0,
    )
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

/// Our fd, if it still holds our file (the one fstat per event); opened again when it
/// does not and we can (a path, our own socket).
fn current_fd(kind: u8) -> Option<i32> {
    let fd = LOG_FD.load(Acquire);
    if fd < 0 {
        return None;
    }
    match sys::fs::fstat(fd) {
        Ok(id) if id.dev == DEV.load(Relaxed) && id.ino == INO.load(Relaxed) => return Some(fd),
        _ => {}
    }
    // Not ours any more: never write there. stderr and fd:N cannot be told apart from the
    // program's own file, so logging stops; a path or a socket of ours can be had again.
    let new = match kind {
        PATH => open_path(TARGET.get()?).ok()?,
        SYSLOG | JOURNAL => datagram_socket().ok()?,
        _ => {
            KIND.store(OFF, Release);
            return None;
        }
    };
    // After close_range/closefrom the lowest free number may be a standard stream's.
    let new = sys::fs::above_stdio(new);
    let Ok(id) = sys::fs::fstat(new) else {
        let _ = sys::fs::close(new);
        return None;
    };
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

/// The count of lost events to put on the event being sent (taken: a failed send gives
/// it back through `lost`).
#[inline(always)]
pub fn take_dropped() -> u64 {
    own_count();
    if DROPPED.load(Relaxed) == 0 {
        return 0;
    }
    DROPPED.swap(0, Relaxed)
}

/// Forgets a count inherited through fork (the parent reports its own).
#[inline(always)]
fn own_count() {
    let epoch = sys::fork::epoch();
    if DROP_EPOCH.load(Relaxed) != epoch {
        DROP_EPOCH.store(epoch, Relaxed);
        DROPPED.store(0, Relaxed);
    }
}

/// An event did not get through; `carried` is the count it carried.
fn lost(carried: u64) {
    DROPPED.fetch_add(carried + 1, Relaxed);
}

/// Sends one finished event (a line, or a datagram for syslog and the journal) with one
/// write(2) or sendto(2). `carried`: the dropped count the event holds.
pub fn send(kind: u8, payload: &[u8], carried: u64) {
    let Some(fd) = current_fd(kind) else {
        lost(carried);
        return;
    };
    let sent = match kind {
        SYSLOG | JOURNAL => {
            let to = TARGET.get().map_or(&[][..], |t| t.as_slice());
            sys::net::sendto(fd, payload, libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT, to)
        }
        _ if IS_SOCKET.load(Relaxed) => {
            sys::net::sendto(fd, payload, libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT, &[])
        }
        _ if IS_PIPE.load(Relaxed) => write_to_pipe(fd, payload),
        _ => sys::fs::write(fd, payload),
    };
    if sent.is_err() {
        lost(carried);
    }
}

/// A pipe whose reader is gone raises SIGPIPE, and no write flag prevents it (MSG_NOSIGNAL
/// is for sockets). So SIGPIPE is blocked around the write: block (which returns the old
/// mask), write, restore. If our write raised it (EPIPE), the SIGPIPE pending for this
/// thread is ours and is taken back before the mask is restored. Only when the program
/// itself blocks SIGPIPE may one of its own be pending already: then rt_sigpending is
/// asked first, and a SIGPIPE that was pending is left alone.
fn write_to_pipe(fd: i32, line: &[u8]) -> Result<usize, Errno> {
    let old = sys::signal::block_sigpipe()?;
    let program_blocks = sys::signal::blocks_sigpipe(old);
    let was_pending = program_blocks && sys::signal::sigpipe_pending();
    let result = sys::fs::write(fd, line);
    if result == Err(Errno::PIPE) && !was_pending {
        sys::signal::consume_sigpipe();
    }
    if !program_blocks {
        sys::signal::restore_mask(old);
    }
    result
}
