//! Sending queries and taking replies as glibc 2.36's resolv/res_send.c does
//! (`__res_context_send`, `send_dg`, `send_vc`), so that every server fault costs what it
//! costs glibc and ends in the same state: the same order of servers and tries, the same
//! waits, one UDP socket per server kept across tries (a late reply to the first try is
//! taken on the second), ICMP errors seen at once (IP_RECVERR: a dead server costs
//! milliseconds), SERVFAIL/NOTIMP/REFUSED and lame replies moving on to the next server,
//! TC=1 retried over TCP, and glibc's fallback to one query at a time when one of two
//! replies never comes. All through netshim's own syscalls: these sockets are never the
//! program's, and are never logged as its connects.
//!
//! A datagram is taken only when (1) it comes from the server's address and port (the
//! socket is connected, so the kernel drops others), (2) its ID is one we sent and still
//! wait for, (3) its question is ours (name compared case-insensitively, type, class),
//! as glibc's `res_queriesmatch`. Two kinds of junk glibc gives up on are ignored here,
//! and the wait goes on (docs/COMPATIBILITY.md): a datagram shorter than a header and one
//! without the QR bit (an echoed query, which glibc reads as a lame reply).

use super::super::resolvconf::{Nameserver, ResolvConf};
use super::super::{sockaddr, Address};
use super::RCODE_NOERROR;
use crate::sys::{self, time::PollFd, Errno, RawFd};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

mod tcp;
mod udp;

/// Largest reply read, over UDP and TCP: a TCP message is at most 65535 bytes
/// (RFC 1035 §4.2.2), and a UDP datagram on loopback can be as long.
const REPLY_MAX: usize = 65536;
/// A DNS header (RFC 1035 §4.1.1): anything shorter is no reply.
const HEADER_LEN: usize = 12;

/// How a whole exchange failed: the errno glibc's `__res_context_send` leaves, which
/// nss_dns reads (ECONNREFUSED and ETIMEDOUT make the source UNAVAIL, anything else
/// NOTFOUND).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Failure {
    /// No server was reached (every one refused or errored before replying): ECONNREFUSED.
    NoServer,
    /// A server was reached over UDP but no usable answer came: ETIMEDOUT.
    Timeout,
    /// The TCP exchange failed; glibc's `terrno` (0 for a server that closed the
    /// connection, EMSGSIZE for a message shorter than a header, ECONNRESET, ...).
    Tcp(i32),
    /// A socket could not be made (EMFILE, ENFILE, ...): the exchange stops at once.
    Local(Errno),
    /// No nameserver configured: ESRCH.
    NoNameserver,
}

impl Failure {
    /// The errno value glibc leaves behind.
    pub fn errno(self) -> i32 {
        match self {
            Failure::NoServer => libc::ECONNREFUSED,
            Failure::Timeout => libc::ETIMEDOUT,
            Failure::Tcp(e) => e,
            Failure::Local(e) => e.raw(),
            Failure::NoNameserver => libc::ESRCH,
        }
    }
}

/// The replies of a successful exchange, in glibc's two answer buffers: `first` is the
/// first reply to arrive (`resplen` bytes; empty when it was an error reply and only its
/// partner counts), `second` the other one (`resplen2` bytes; empty when there is none,
/// and one byte when glibc's single-request fallback gave up waiting for it).
#[derive(Debug, Default)]
pub struct Answers {
    pub first: Vec<u8>,
    pub second: Vec<u8>,
}

/// What `send` ends with: the replies or the failure, and the RCODE in the first answer
/// buffer (NOERROR when nothing was stored there), which glibc's search walk reads to
/// tell a SERVFAIL (go on) from a timeout (stop).
pub struct Sent {
    pub result: Result<Answers, Failure>,
    pub first_rcode: u8,
}

/// glibc's RES_F_SNGLKUP / RES_F_SNGLKUPREOP: once one of two replies failed to come,
/// queries go one at a time (then over a fresh socket each). glibc keeps these in the
/// thread's resolver state; netshim keeps them for the rest of one lookup.
#[derive(Clone, Copy, Default, Debug)]
pub struct Fallback {
    pub single: bool,
    pub reopen: bool,
}

/// `rotate`: the first server moves on by one for each exchange.
static ROTATE: AtomicUsize = AtomicUsize::new(0);

struct Socket(RawFd);

impl Drop for Socket {
    fn drop(&mut self) {
        let _ = sys::fs::close(self.0);
    }
}

/// What one server's turn (send_dg or send_vc) ended with.
enum Turn {
    /// A socket could not be created: the whole exchange fails (glibc's n < 0).
    Fatal(Errno),
    /// Nothing usable from this server: the next one.
    Next,
    /// TC=1: the same server again, over TCP.
    Truncated,
    /// Replies in the buffers, `resplen` and `resplen2` bytes long.
    Answer(usize, usize),
}

/// One exchange's state: glibc's per-server sockets, `gotsomewhere`, `terrno`, the two
/// answer buffers.
struct Exchange<'q> {
    conf: &'q ResolvConf,
    queries: &'q [Vec<u8>],
    socks: Vec<Option<Socket>>,
    got_somewhere: bool,
    v_circuit: bool,
    terrno: i32,
    buf1: Vec<u8>,
    buf2: Vec<u8>,
    first_rcode: u8,
    fallback: &'q mut Fallback,
}

/// Sends one or two queries (built by the caller, IDs fixed for the whole exchange) and
/// returns glibc's answer buffers, as `__res_context_send` does.
pub fn send(conf: &ResolvConf, queries: &[Vec<u8>], fallback: &mut Fallback) -> Sent {
    let servers = &conf.nameservers;
    if servers.is_empty() || queries.is_empty() {
        return Sent {
            result: Err(Failure::NoNameserver),
            first_rcode: RCODE_NOERROR,
        };
    }
    let mut ex = Exchange {
        conf,
        queries: &queries[..queries.len().min(2)],
        socks: servers.iter().map(|_| None).collect(),
        got_somewhere: false,
        v_circuit: conf.use_vc,
        terrno: libc::ETIMEDOUT,
        buf1: Vec::new(),
        buf2: Vec::new(),
        first_rcode: RCODE_NOERROR,
        fallback,
    };
    let result = ex.run();
    ex.close_all();
    Sent {
        result,
        first_rcode: ex.first_rcode,
    }
}

impl Exchange<'_> {
    fn run(&mut self) -> Result<Answers, Failure> {
        let count = self.conf.nameservers.len();
        let offset = if self.conf.rotate {
            ROTATE.fetch_add(1, Ordering::Relaxed) % count
        } else {
            0
        };
        let attempts = self.conf.attempts.max(1);
        let mut attempt = 0;
        while attempt < attempts {
            for shift in 0..count {
                let ns = (shift + offset) % count;
                loop {
                    let turn = if self.v_circuit {
                        // Over TCP at most one attempt per server, as glibc.
                        attempt = attempts;
                        self.send_vc(ns)
                    } else {
                        self.send_dg(ns)
                    };
                    match turn {
                        Turn::Fatal(e) => return Err(Failure::Local(e)),
                        Turn::Next => break,
                        Turn::Truncated => {
                            self.v_circuit = true;
                            continue;
                        }
                        Turn::Answer(0, 0) => break,
                        Turn::Answer(len1, len2) => {
                            let mut first = core::mem::take(&mut self.buf1);
                            first.truncate(len1);
                            let mut second = core::mem::take(&mut self.buf2);
                            if len2 == 1 {
                                second = alloc::vec![0];
                            }
                            second.truncate(len2);
                            return Ok(Answers { first, second });
                        }
                    }
                }
            }
            attempt += 1;
        }
        Err(if self.v_circuit {
            Failure::Tcp(self.terrno)
        } else if self.got_somewhere {
            Failure::Timeout
        } else {
            Failure::NoServer
        })
    }

    /// glibc's `__res_iclose`: every socket of the exchange is closed.
    fn close_all(&mut self) {
        for sock in self.socks.iter_mut() {
            *sock = None;
        }
    }

    /// glibc: the wait on server i is timeout << i, divided by the server count for
    /// i > 0, at least one second.
    fn wait_ms(&self, ns: usize) -> u64 {
        let mut seconds = i64::from(self.conf.timeout.max(0)) << ns.min(30);
        if ns > 0 {
            seconds /= self.conf.nameservers.len() as i64;
        }
        seconds.max(1) as u64 * 1000
    }

    /// Keeps a received message in the answer buffer glibc would have used.
    fn store(&mut self, into_first: bool, bytes: &[u8]) {
        if into_first {
            if let Some(&b) = bytes.get(3) {
                self.first_rcode = b & 0x0f;
            }
            self.buf1.clear();
            self.buf1.extend_from_slice(bytes);
        } else {
            self.buf2.clear();
            self.buf2.extend_from_slice(bytes);
        }
    }
}

fn server_addr(ns: &Nameserver) -> ([u8; sockaddr::SOCKADDR_IN6_LEN], usize) {
    let mut buf = [0u8; sockaddr::SOCKADDR_IN6_LEN];
    let len = sockaddr::encode(
        &Address {
            ip: ns.ip,
            scope_id: ns.scope_id,
        },
        ns.port,
        &mut buf,
    );
    (buf, len)
}

fn family(ns: &Nameserver) -> i32 {
    match ns.ip {
        core::net::IpAddr::V4(_) => libc::AF_INET,
        core::net::IpAddr::V6(_) => libc::AF_INET6,
    }
}

/// Waits for `events` on `fd` until `deadline`: the revents, or None on timeout (or a
/// poll that cannot be made). A signal (EINTR) waits again, for what is left of the time.
fn wait(fd: RawFd, events: i16, deadline: u64) -> Option<i16> {
    loop {
        let left = remaining_ms(deadline);
        if left == 0 {
            return None;
        }
        let mut fds = [PollFd {
            fd,
            events,
            revents: 0,
        }];
        // A cancellation point, as glibc's __poll in res_send: a cancelled thread's wait
        // ends here (ECANCELED), and every later wait of the same lookup at once.
        match sys::cancel::poll(&mut fds, left) {
            Ok(0) => return None,
            Ok(_) => return Some(fds[0].revents),
            Err(Errno::INTR) => continue,
            Err(_) => return None,
        }
    }
}

/// Milliseconds left until `deadline` (monotonic nanoseconds).
fn remaining_ms(deadline: u64) -> i64 {
    let now = sys::time::monotonic();
    if now >= deadline {
        0
    } else {
        ((deadline - now) / 1_000_000).max(1) as i64
    }
}
