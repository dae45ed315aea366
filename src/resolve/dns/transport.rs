//! Sending queries and taking replies, in glibc's order of servers, tries and timeouts
//! (resolv/res_send.c), with musl's defences (res_msend.c). All through netshim's own
//! syscalls: these sockets are never the program's, and are never logged as its connects.
//!
//! A reply is taken only when (1) it comes from the server's address and port (the
//! socket is connected, so the kernel drops others, and the sender is checked again),
//! (2) its ID is one we sent and still wait for, (3) its question is ours (name compared
//! case-insensitively, type, class IN). Anything else is ignored and the wait goes on for
//! the rest of the timeout: a spoofed or stray packet can delay an answer, never replace it.

use super::super::resolvconf::{Nameserver, ResolvConf};
use super::super::{sockaddr, Address};
use super::{encode_query, question_matches, Message, RCODE_NOTIMP, RCODE_REFUSED, RCODE_SERVFAIL};
use crate::sys::{self, time::PollFd, Errno, RawFd};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Largest reply read over UDP. netshim advertises at most 1200 bytes (EDNS0, as glibc)
/// and servers truncate to 512 without it; a longer datagram is cut, fails to parse and
/// is ignored like any other malformed packet.
const UDP_REPLY_MAX: usize = 4096;
/// A query is at most 255 bytes of name plus header, question and an OPT record.
const QUERY_MAX: usize = 512;
/// glibc advertises 1200 bytes with `options edns0` (resolv-internal.h).
const EDNS_UDP_SIZE: u16 = 1200;

/// How a whole exchange failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Failure {
    /// Every server refused the connection (ICMP port unreachable, RST): glibc's ECONNREFUSED.
    NoServer,
    /// Servers were reached but no usable answer came in time (or only SERVFAIL/REFUSED).
    Timeout,
    /// The query could not be built (a name the wire format refuses).
    BadName,
    /// A local error (socket creation, memory).
    System(Errno),
}

/// One reply per question asked, in the order asked.
pub type Replies = Vec<Vec<u8>>;

/// `rotate`: the first server moves on by one for each exchange.
static ROTATE: AtomicUsize = AtomicUsize::new(0);

struct Outstanding {
    id: u16,
    qtype: u16,
    query: Vec<u8>,
    reply: Option<Vec<u8>>,
}

/// Asks `qtypes` (one or two) about `name` and returns one reply per type.
pub fn exchange(conf: &ResolvConf, name: &[u8], qtypes: &[u16]) -> Result<Replies, Failure> {
    let mut queries = Vec::with_capacity(qtypes.len());
    for &qtype in qtypes {
        let id = random_id().map_err(Failure::System)?;
        let mut buf = alloc::vec![0u8; QUERY_MAX];
        let edns = conf.edns0.then_some(EDNS_UDP_SIZE);
        let len = encode_query(id, name, qtype, true, edns, conf.trust_ad, &mut buf)
            .map_err(|_| Failure::BadName)?;
        buf.truncate(len);
        queries.push(Outstanding {
            id,
            qtype,
            query: buf,
            reply: None,
        });
    }
    let servers = &conf.nameservers;
    if servers.is_empty() {
        return Err(Failure::NoServer);
    }
    let offset = if conf.rotate {
        ROTATE.fetch_add(1, Ordering::Relaxed) % servers.len()
    } else {
        0
    };
    let mut reached_any = false;
    for _try in 0..conf.attempts.max(1) {
        for shift in 0..servers.len() {
            let index = (shift + offset) % servers.len();
            let ns = &servers[index];
            // glibc: the wait on server i is timeout << i, divided by the server count for
            // i > 0, at least one second.
            let mut seconds = i64::from(conf.timeout.max(0)) << index.min(30);
            if index > 0 {
                seconds /= servers.len() as i64;
            }
            let wait_ms = seconds.max(1) * 1000;
            let outcome = if conf.use_vc {
                over_tcp(ns, &mut queries, wait_ms)
            } else {
                over_udp(ns, &mut queries, wait_ms, conf)
            };
            match outcome {
                Outcome::Done => {
                    return Ok(queries
                        .into_iter()
                        .map(|q| q.reply.unwrap_or_default())
                        .collect())
                }
                Outcome::Truncated => {
                    reached_any = true;
                    // TC=1: the same server again over TCP (glibc: one TCP attempt per server).
                    if let Outcome::Done = over_tcp(ns, &mut queries, wait_ms) {
                        return Ok(queries
                            .into_iter()
                            .map(|q| q.reply.unwrap_or_default())
                            .collect());
                    }
                }
                Outcome::Refused => {}
                Outcome::Failed => reached_any = true,
            }
        }
    }
    Err(if reached_any {
        Failure::Timeout
    } else {
        Failure::NoServer
    })
}

fn random_id() -> Result<u16, Errno> {
    let mut b = [0u8; 2];
    sys::random::getrandom(&mut b)?;
    Ok(u16::from_ne_bytes(b))
}

enum Outcome {
    /// Every query has a usable reply.
    Done,
    /// A reply had TC=1: ask again over TCP.
    Truncated,
    /// The server is not listening (connection refused).
    Refused,
    /// Timeout, SERVFAIL/NOTIMP/REFUSED, or a socket error: the next server.
    Failed,
}

/// What a received datagram is to us.
enum Verdict {
    Ignore,
    Take(usize),
    Truncated,
    ServerFailed,
}

fn judge(buf: &[u8], queries: &[Outstanding], name: &[u8]) -> Verdict {
    let Ok(msg) = Message::new_checked(buf) else {
        return Verdict::Ignore;
    };
    if !msg.qr() {
        return Verdict::Ignore;
    }
    // Only an ID we sent and still wait for (a duplicate answer is ignored).
    let Some(slot) = queries
        .iter()
        .position(|q| q.id == msg.id() && q.reply.is_none())
    else {
        return Verdict::Ignore;
    };
    // The question must be ours: a reply to another query (or forged) is not an answer.
    if !question_matches(&msg, name, queries[slot].qtype) {
        return Verdict::Ignore;
    }
    if matches!(msg.rcode(), RCODE_SERVFAIL | RCODE_NOTIMP | RCODE_REFUSED) {
        return Verdict::ServerFailed;
    }
    if msg.tc() {
        return Verdict::Truncated;
    }
    Verdict::Take(slot)
}

/// The name of the queries, as text, for the question check.
fn query_name(queries: &[Outstanding]) -> Vec<u8> {
    let mut out = [0u8; 256];
    queries
        .first()
        .and_then(|q| Message::new_checked(&q.query).ok())
        .and_then(|m| m.question().ok())
        .and_then(|q| q.name.write_text(&mut out).ok())
        .map(|n| out[..n].to_vec())
        .unwrap_or_default()
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

struct Socket(RawFd);

impl Drop for Socket {
    fn drop(&mut self) {
        let _ = sys::fs::close(self.0);
    }
}

fn open_udp(ns: &Nameserver) -> Result<Socket, Errno> {
    let fd = sys::net::socket(
        family(ns),
        libc::SOCK_DGRAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        0,
    )?;
    let sock = Socket(fd);
    let (addr, len) = server_addr(ns);
    // Connected: the kernel delivers only the server's datagrams, picks a random source
    // port (RFC 5452), and reports ICMP port-unreachable as ECONNREFUSED.
    sys::net::connect(fd, &addr[..len])?;
    Ok(sock)
}

/// Waits for `events` on `fd` until `deadline`: false on timeout or error. A signal
/// (EINTR) waits again, for what is left of the time only.
fn wait(fd: RawFd, events: i16, deadline: u64) -> bool {
    loop {
        let left = remaining_ms(deadline);
        if left == 0 {
            return false;
        }
        let mut fds = [PollFd {
            fd,
            events,
            revents: 0,
        }];
        // A cancellation point, as glibc's __poll in res_send: a cancelled thread's wait
        // ends here (ECANCELED), and every later wait of the same lookup at once.
        match sys::cancel::poll(&mut fds, left) {
            Ok(n) => return n > 0,
            Err(Errno::INTR) => continue,
            Err(_) => return false,
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

fn over_udp(
    ns: &Nameserver,
    queries: &mut [Outstanding],
    wait_ms: i64,
    conf: &ResolvConf,
) -> Outcome {
    let name = query_name(queries);
    let mut sock = match open_udp(ns) {
        Ok(s) => s,
        Err(_) => return Outcome::Failed,
    };
    let serial = conf.single_request || conf.single_request_reopen;
    let deadline = sys::time::monotonic() + (wait_ms as u64) * 1_000_000;
    let mut buf = [0u8; UDP_REPLY_MAX];
    let mut sent = [false; 2];
    loop {
        // Send what is due: every unanswered query at once (one sendmmsg, as glibc), or
        // with single-request one at a time, each after the previous one's answer.
        let due: Vec<usize> = (0..queries.len().min(2))
            .filter(|&i| !sent[i] && queries[i].reply.is_none())
            .take(if serial { 1 } else { 2 })
            .collect();
        let in_flight = (0..queries.len().min(2)).any(|i| sent[i] && queries[i].reply.is_none());
        if !due.is_empty() && !(serial && in_flight) {
            let datagrams: Vec<&[u8]> = due.iter().map(|&i| queries[i].query.as_slice()).collect();
            let result = match datagrams.len() {
                1 => sys::net::sendto(sock.0, datagrams[0], libc::MSG_NOSIGNAL, &[]).map(|_| 1),
                _ => sys::net::sendmmsg(sock.0, &datagrams, libc::MSG_NOSIGNAL),
            };
            match result {
                Ok(n) => due.iter().take(n).for_each(|&i| sent[i] = true),
                Err(Errno::CONNREFUSED) => return Outcome::Refused,
                Err(_) => return Outcome::Failed,
            }
        }
        if queries.iter().all(|q| q.reply.is_some()) {
            return Outcome::Done;
        }
        if !wait(sock.0, libc::POLLIN, deadline) {
            return Outcome::Failed;
        }
        // Drain what is there; junk is read and dropped, bounded by the buffer per read.
        loop {
            let mut from = [0u8; sockaddr::SOCKADDR_IN6_LEN];
            let n = match sys::net::recvfrom(sock.0, &mut buf, 0, &mut from) {
                Ok((n, _)) => n.min(buf.len()),
                Err(Errno::AGAIN) | Err(Errno::INTR) => break,
                Err(Errno::CONNREFUSED) => return Outcome::Refused,
                Err(_) => return Outcome::Failed,
            };
            // Only the server's address and port (defence in depth behind connect()).
            match sockaddr::decode_with_port(&from) {
                Some((a, port)) if a.ip == ns.ip && port == ns.port => {}
                _ => continue,
            }
            match judge(&buf[..n], queries, &name) {
                Verdict::Ignore => continue,
                Verdict::ServerFailed => return Outcome::Failed,
                Verdict::Truncated => return Outcome::Truncated,
                Verdict::Take(slot) => {
                    queries[slot].reply = Some(buf[..n].to_vec());
                    if conf.single_request_reopen && queries.iter().any(|q| q.reply.is_none()) {
                        // A fresh socket (new source port) for the next query.
                        match open_udp(ns) {
                            Ok(s) => sock = s,
                            Err(_) => return Outcome::Failed,
                        }
                        break;
                    }
                }
            }
        }
    }
}

/// Both queries over one TCP connection, each framed with a two-byte length (RFC 1035
/// §4.2.2); partial writes and reads are resumed until the deadline.
fn over_tcp(ns: &Nameserver, queries: &mut [Outstanding], wait_ms: i64) -> Outcome {
    let name = query_name(queries);
    let deadline = sys::time::monotonic() + (wait_ms as u64) * 1_000_000;
    let fd = match sys::net::socket(
        family(ns),
        libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        0,
    ) {
        Ok(fd) => Socket(fd),
        Err(_) => return Outcome::Failed,
    };
    let (addr, len) = server_addr(ns);
    match sys::net::connect(fd.0, &addr[..len]) {
        Ok(()) | Err(Errno::INPROGRESS) => {}
        Err(Errno::CONNREFUSED) => return Outcome::Refused,
        Err(_) => return Outcome::Failed,
    }
    let mut out = Vec::new();
    for q in queries.iter().filter(|q| q.reply.is_none()) {
        out.extend_from_slice(&(q.query.len() as u16).to_be_bytes());
        out.extend_from_slice(&q.query);
    }
    let mut written = 0;
    let mut inbuf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if queries.iter().all(|q| q.reply.is_some()) {
            return Outcome::Done;
        }
        let events = if written < out.len() {
            libc::POLLOUT
        } else {
            libc::POLLIN
        };
        if !wait(fd.0, events, deadline) {
            return Outcome::Failed;
        }
        if written < out.len() {
            match sys::net::sendto(fd.0, &out[written..], libc::MSG_NOSIGNAL, &[]) {
                Ok(n) => written += n,
                Err(Errno::AGAIN) | Err(Errno::INTR) => {}
                Err(Errno::CONNREFUSED) => return Outcome::Refused,
                Err(_) => return Outcome::Failed,
            }
            continue;
        }
        let n = match sys::fs::read(fd.0, &mut chunk) {
            Ok(0) => return Outcome::Failed, // the server closed before answering
            Ok(n) => n.min(chunk.len()),
            Err(Errno::AGAIN) | Err(Errno::INTR) => continue,
            Err(_) => return Outcome::Failed,
        };
        inbuf.extend_from_slice(&chunk[..n]);
        // Take every complete message; a length is a claim, bounded by what arrives.
        while inbuf.len() >= 2 {
            let len = usize::from(u16::from_be_bytes([inbuf[0], inbuf[1]]));
            if inbuf.len() < 2 + len {
                break;
            }
            let msg: Vec<u8> = inbuf[2..2 + len].to_vec();
            inbuf.drain(..2 + len);
            match judge(&msg, queries, &name) {
                Verdict::Take(slot) => queries[slot].reply = Some(msg),
                Verdict::Ignore | Verdict::Truncated => {}
                Verdict::ServerFailed => return Outcome::Failed,
            }
        }
    }
}
