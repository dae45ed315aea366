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
use super::parse::queries_match;
use super::{Message, RCODE_NOERROR, RCODE_NOTIMP, RCODE_REFUSED, RCODE_SERVFAIL};
use crate::sys::{self, time::PollFd, Errno, RawFd};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

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

    /// glibc's `reopen`: the server's UDP socket, made and connected if there is none.
    /// Ok(false): connect failed (the next server).
    fn reopen(&mut self, ns: usize) -> Result<bool, Errno> {
        if self.socks.get(ns).is_some_and(Option::is_some) {
            return Ok(true);
        }
        let server = &self.conf.nameservers[ns];
        let fd = sys::net::socket(
            family(server),
            libc::SOCK_DGRAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )?;
        let sock = Socket(fd);
        // Full ICMP error reporting, as glibc's __res_enable_icmp: an unreachable port
        // stays visible as POLLERR, whatever else the socket does.
        let (level, name) = match server.ip {
            core::net::IpAddr::V4(_) => (libc::IPPROTO_IP, libc::IP_RECVERR),
            core::net::IpAddr::V6(_) => (libc::IPPROTO_IPV6, libc::IPV6_RECVERR),
        };
        sys::net::setsockopt(fd, level, name, &1i32.to_ne_bytes())?;
        let (addr, len) = server_addr(server);
        // Connected: the kernel delivers only the server's datagrams, picks a random source
        // port (RFC 5452), and reports ICMP port-unreachable as an error.
        if sys::net::connect(fd, &addr[..len]).is_err() {
            self.close_all();
            return Ok(false);
        }
        self.socks[ns] = Some(sock);
        Ok(true)
    }

    fn fd(&self, ns: usize) -> RawFd {
        self.socks
            .get(ns)
            .and_then(|s| s.as_ref())
            .map_or(-1, |s| s.0)
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

    /// One UDP turn at server `ns`, as glibc's send_dg.
    fn send_dg(&mut self, ns: usize) -> Turn {
        let two = self.queries.len() == 2;
        let mut reopen_mode = self.conf.single_request_reopen || self.fallback.reopen;
        let mut single = self.conf.single_request || self.fallback.single || reopen_mode;
        let saved_got_somewhere = self.got_somewhere;
        let (mut len1, mut len2) = (0usize, 0usize);
        let mut buf = alloc::vec![0u8; REPLY_MAX];
        'reopen: loop {
            match self.reopen(ns) {
                Err(e) => return Turn::Fatal(e),
                Ok(false) => return Turn::Next,
                Ok(true) => {}
            }
            'retry: loop {
                let deadline = sys::time::monotonic() + self.wait_ms(ns) * 1_000_000;
                let mut written = 0;
                let (mut got1, mut got2) = (false, !two);
                let mut events = libc::POLLOUT;
                // After a datagram, read the next one before polling again: a flood of
                // junk must not fill the socket's buffer and push the reply out.
                let mut readable = false;
                loop {
                    let fd = self.fd(ns);
                    let ready = if readable && events == libc::POLLIN && remaining_ms(deadline) > 0
                    {
                        Some(libc::POLLIN)
                    } else {
                        wait(fd, events, deadline)
                    };
                    readable = false;
                    let Some(revents) = ready else {
                        // Timed out. With one of two replies in, glibc tries again one
                        // query at a time, then over a fresh socket, then gives up on
                        // the missing one.
                        if len1 > 1 && (got1 || (two && got2)) {
                            if !single {
                                self.fallback.single = true;
                                single = true;
                                self.got_somewhere = saved_got_somewhere;
                                continue 'retry;
                            }
                            if !reopen_mode {
                                self.fallback.reopen = true;
                                reopen_mode = true;
                                self.got_somewhere = saved_got_somewhere;
                                self.close_all();
                                continue 'reopen;
                            }
                            return Turn::Answer(len1, 1);
                        }
                        // The socket stays open: a late reply is taken on the next try.
                        self.got_somewhere = true;
                        return Turn::Next;
                    };
                    if revents & libc::POLLOUT != 0 {
                        let q1 = self.queries[0].as_slice();
                        let sent = if written == 0 && two && !single {
                            let q2 = self.queries[1].as_slice();
                            sys::net::sendmmsg(fd, &[q1, q2], libc::MSG_NOSIGNAL)
                        } else {
                            let q = if written != 0 {
                                self.queries[1].as_slice()
                            } else {
                                q1
                            };
                            match sys::net::sendto(fd, q, libc::MSG_NOSIGNAL, &[]) {
                                Ok(n) if n == q.len() => Ok(1),
                                Ok(_) => Err(Errno::INVAL),
                                Err(e) => Err(e),
                            }
                        };
                        match sent {
                            Ok(2) => {
                                events = libc::POLLIN;
                                written = 2;
                            }
                            Ok(1) => {
                                // One went out: the other one next, unless one at a time.
                                events = if written != 0 || !two || single {
                                    libc::POLLIN
                                } else {
                                    libc::POLLIN | libc::POLLOUT
                                };
                                written += 1;
                            }
                            Err(Errno::INTR) | Err(Errno::AGAIN) => {}
                            _ => {
                                self.close_all();
                                return Turn::Next;
                            }
                        }
                        continue;
                    }
                    if revents & libc::POLLIN == 0 {
                        // POLLERR (an ICMP error: nobody listens), POLLHUP, POLLNVAL.
                        self.close_all();
                        return Turn::Next;
                    }
                    let into_first = (!got1 && !got2) || !two;
                    let n = match sys::net::recvfrom(fd, &mut buf, 0, &mut []) {
                        Ok((0, _)) => {
                            self.close_all();
                            return Turn::Next;
                        }
                        Ok((n, _)) => {
                            readable = true;
                            n.min(buf.len())
                        }
                        Err(Errno::INTR) | Err(Errno::AGAIN) => continue,
                        Err(_) => {
                            self.close_all();
                            return Turn::Next;
                        }
                    };
                    self.got_somewhere = true;
                    let datagram = &buf[..n];
                    // Deliberate difference: glibc gives this server up on a datagram
                    // shorter than a header or without QR; netshim waits for the reply.
                    let Ok(msg) = Message::new_checked(datagram) else {
                        continue;
                    };
                    if !msg.qr() {
                        continue;
                    }
                    self.store(into_first, datagram);
                    if into_first {
                        len1 = n;
                    } else {
                        len2 = n;
                    }
                    let rcode = msg.rcode();
                    let error = matches!(rcode, RCODE_SERVFAIL | RCODE_NOTIMP | RCODE_REFUSED);
                    // Some servers send REFUSED without the question: it matches any query.
                    let bare_error = n == HEADER_LEN && msg.question_count() == 0 && error;
                    let matches = |q: &[u8]| {
                        Message::new_checked(q).is_ok_and(|q| {
                            q.id() == msg.id() && (bare_error || queries_match(&q, &msg))
                        })
                    };
                    let mut which = 0;
                    if !got1 && matches(&self.queries[0]) {
                        which = 1;
                    }
                    if two && !got2 && matches(&self.queries[1]) {
                        which = 2;
                    }
                    if which == 0 {
                        continue; // a stray or forged datagram: wait on
                    }
                    // A lame server (no answer, not authoritative, no recursion): glibc
                    // asks the next one, as for SERVFAIL, NOTIMP and REFUSED.
                    let lame = rcode == RCODE_NOERROR
                        && msg.answer_count() == 0
                        && !msg.aa()
                        && !msg.ra()
                        && msg.additional_count() == 0;
                    if error || lame {
                        if got1 || (two && got2) {
                            return Turn::Answer(len1, 0);
                        }
                        if two && !single {
                            // No data from this reply; the other one may still come.
                            len1 = 0;
                            if which == 1 {
                                got1 = true;
                            } else {
                                got2 = true;
                            }
                            continue;
                        }
                        self.close_all();
                        return Turn::Next;
                    }
                    if msg.tc() {
                        self.close_all();
                        return Turn::Truncated;
                    }
                    if which == 1 {
                        got1 = true;
                    } else {
                        got2 = true;
                    }
                    if got1 && got2 {
                        return Turn::Answer(len1, len2);
                    }
                    if single {
                        events = libc::POLLOUT;
                        if reopen_mode {
                            self.close_all();
                            match self.reopen(ns) {
                                Err(e) => return Turn::Fatal(e),
                                Ok(false) => return Turn::Next,
                                Ok(true) => {}
                            }
                        }
                    }
                }
            }
        }
    }

    /// One TCP turn at server `ns`, as glibc's send_vc: both queries on one connection,
    /// each framed with a two-byte length (RFC 1035 §4.2.2); replies matched by ID only.
    /// glibc blocks without a deadline; netshim bounds the turn by the server's UDP wait
    /// and then treats the server as one that closed the connection (terrno 0).
    fn send_vc(&mut self, ns: usize) -> Turn {
        let deadline = sys::time::monotonic() + self.wait_ms(ns) * 1_000_000;
        let mut reset_once = false;
        'connect: loop {
            let server = &self.conf.nameservers[ns];
            let fd = match sys::net::socket(
                family(server),
                libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                0,
            ) {
                Ok(fd) => Socket(fd),
                Err(e) => return Turn::Fatal(e),
            };
            let (addr, len) = server_addr(server);
            match sys::net::connect(fd.0, &addr[..len]) {
                Ok(()) | Err(Errno::INPROGRESS) => {}
                Err(e) => return self.vc_failed(e.raw()),
            }
            let mut out = Vec::new();
            for q in self.queries {
                out.extend_from_slice(&(q.len() as u16).to_be_bytes());
                out.extend_from_slice(q);
            }
            if let Err(e) = write_all(fd.0, &out, deadline) {
                return self.vc_failed(e);
            }
            let two = self.queries.len() == 2;
            let (mut got1, mut got2) = (false, !two);
            let (mut len1, mut len2) = (0usize, 0usize);
            let mut reader = Reader::new(fd.0, deadline);
            loop {
                let mut prefix = [0u8; 2];
                if let Err(e) = reader.read_exact(&mut prefix) {
                    if e == libc::ECONNRESET && !reset_once {
                        // A server restarted under a long-lived connection: glibc asks it
                        // once more rather than the next server.
                        reset_once = true;
                        continue 'connect;
                    }
                    return self.vc_failed(e);
                }
                let rlen = usize::from(u16::from_be_bytes(prefix));
                if rlen < HEADER_LEN {
                    return self.vc_failed(libc::EMSGSIZE);
                }
                let mut message = alloc::vec![0u8; rlen];
                if let Err(e) = reader.read_exact(&mut message) {
                    return self.vc_failed(e);
                }
                let into_first = (!got1 && !got2) || !two;
                self.store(into_first, &message);
                if into_first {
                    len1 = rlen;
                } else {
                    len2 = rlen;
                }
                let id = u16::from_be_bytes([message[0], message[1]]);
                let id_of = |i: usize| {
                    self.queries
                        .get(i)
                        .map(|q| u16::from_be_bytes([q[0], q[1]]))
                };
                let is1 = !got1 && id_of(0) == Some(id);
                let is2 = two && !got2 && id_of(1) == Some(id);
                if !is1 && !is2 {
                    continue; // an old or foreign reply on the stream: read the next
                }
                if is1 {
                    got1 = true;
                } else {
                    got2 = true;
                }
                if got1 && got2 {
                    return Turn::Answer(len1, len2);
                }
            }
        }
    }

    fn vc_failed(&mut self, terrno: i32) -> Turn {
        self.terrno = terrno;
        self.close_all();
        Turn::Next
    }
}

/// Writes all of `out` to a non-blocking stream before `deadline`; the errno on failure.
fn write_all(fd: RawFd, out: &[u8], deadline: u64) -> Result<(), i32> {
    let mut written = 0;
    while written < out.len() {
        let Some(revents) = wait(fd, libc::POLLOUT, deadline) else {
            return Err(0);
        };
        if revents & libc::POLLOUT == 0 {
            let e = sys::net::getsockopt_int(fd, libc::SOL_SOCKET, libc::SO_ERROR).unwrap_or(0);
            return Err(if e != 0 { e } else { libc::ECONNREFUSED });
        }
        match sys::net::sendto(fd, &out[written..], libc::MSG_NOSIGNAL, &[]) {
            Ok(n) => written += n,
            Err(Errno::AGAIN) | Err(Errno::INTR) => {}
            Err(e) => return Err(e.raw()),
        }
    }
    Ok(())
}

/// Exact reads from a non-blocking stream until a deadline. An end of stream before the
/// bytes are in is glibc's failed read with errno left at 0.
struct Reader {
    fd: RawFd,
    deadline: u64,
}

impl Reader {
    fn new(fd: RawFd, deadline: u64) -> Self {
        Reader { fd, deadline }
    }

    fn read_exact(&mut self, out: &mut [u8]) -> Result<(), i32> {
        let mut got = 0;
        while got < out.len() {
            match sys::fs::read(self.fd, &mut out[got..]) {
                Ok(0) => return Err(0),
                Ok(n) => got += n,
                Err(Errno::AGAIN) | Err(Errno::INTR) => {
                    if wait(self.fd, libc::POLLIN, self.deadline).is_none() {
                        return Err(0);
                    }
                }
                Err(e) => return Err(e.raw()),
            }
        }
        Ok(())
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
