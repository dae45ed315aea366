//! TCP, as glibc's send_vc: both queries on one connection, length-framed, replies matched
//! by ID, one reconnect after a reset; bounded by a deadline where glibc blocks.

use super::{family, server_addr, wait, Exchange, Socket, Turn, HEADER_LEN};
use crate::sys::{self, Errno, RawFd};
use alloc::vec::Vec;

impl Exchange<'_> {
    /// One TCP turn at server `ns`, as glibc's send_vc: both queries on one connection,
    /// each framed with a two-byte length (RFC 1035 §4.2.2); replies matched by ID only.
    /// glibc blocks without a deadline; netshim bounds the turn by the server's UDP wait
    /// and then treats the server as one that closed the connection (terrno 0).
    pub(super) fn send_vc(&mut self, ns: usize) -> Turn {
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
