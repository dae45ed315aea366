//! UDP, as glibc's send_dg: one socket per server kept across tries, both queries in one
//! sendmmsg, replies matched to queries, errors and lame replies passed on to the next
//! server, the single-request fallback.

use super::super::parse::queries_match;
use super::super::{Message, RCODE_NOERROR, RCODE_NOTIMP, RCODE_REFUSED, RCODE_SERVFAIL};
use super::{
    family, remaining_ms, server_addr, wait, Exchange, Socket, Turn, HEADER_LEN, REPLY_MAX,
};
use crate::sys::{self, Errno, RawFd};

impl Exchange<'_> {
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

    /// One UDP turn at server `ns`, as glibc's send_dg.
    pub(super) fn send_dg(&mut self, ns: usize) -> Turn {
        let two = self.queries.len() == 2;
        let mut reopen_mode = self.conf.single_request_reopen || self.fallback.reopen;
        let mut single = self.conf.single_request || self.fallback.single || reopen_mode;
        let saved_got_somewhere = self.got_somewhere;
        let (mut len1, mut len2) = (0usize, 0usize);
        // Never zeroed: each datagram is received into its capacity (sys::net::recv_into).
        let mut buf: alloc::vec::Vec<u8> = alloc::vec::Vec::with_capacity(REPLY_MAX);
        'reopen: loop {
            // A socket made and connected just now can be written at once: its first send
            // needs no poll (one syscall less; a send that would block polls as usual).
            let mut fresh = self.socks.get(ns).is_some_and(Option::is_none);
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
                    } else if fresh && events == libc::POLLOUT {
                        Some(libc::POLLOUT)
                    } else {
                        wait(fd, events, deadline)
                    };
                    fresh = false;
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
                    let n = match sys::net::recv_into(fd, &mut buf, 0) {
                        Ok(0) => {
                            self.close_all();
                            return Turn::Next;
                        }
                        Ok(n) => {
                            readable = true;
                            n
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
}
