//! The request a preloaded process makes, just before an exec whose image needs tracing, to
//! the `netshim run` tracer listening at NETSHIM_TRACER (log/subtree.rs). One request per
//! connection:
//! - the process sends its tid (4 bytes, native order), what it asks (1 byte: TRACE, or
//!   PRIVILEGED for an image it leaves untraced so that it keeps its privilege, which the
//!   tracer only reports), when it began waiting (CLOCK_MONOTONIC nanoseconds, 8 bytes: the
//!   tracer refuses a request it could only serve after the requester gave up), and the
//!   image's name (1 length byte, at most 255 bytes: for the tracer's warning);
//! - the tracer, once it has seized that thread, answers `Y`, a u16 instruction count
//!   (native order) and the filter as `struct sock_filter` bytes (launcher/src/filter.rs,
//!   the one source of truth), or `N` and why when it will not trace it.
//!
//! Every wait is bounded (`TIMEOUT_NS` in all), so a stuck or dead tracer delays the exec
//! at most that long and never hangs it. Nothing here allocates (usable in a vfork child).

use crate::sys::{self, net, seccomp, Errno};

/// How long the whole exchange may take before the exec goes on untraced.
pub const TIMEOUT_NS: u64 = 2_000_000_000;

/// Asks for the tracer.
pub const TRACE: u8 = b'T';
/// Tells the tracer an image is left untraced because it would gain privilege.
pub const PRIVILEGED: u8 = b'P';

/// What the tracer answered.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// Seized; the filter is installed in this thread: exec now.
    Traced,
    /// The tracer said no (or sent a filter the kernel refused): exec untraced.
    Refused,
    /// No tracer reachable, or no answer in time: exec untraced.
    Unreachable,
}

/// Asks the tracer at `path` (a NUL-free socket path) to attach to thread `tid` (`kind`
/// TRACE), and installs the filter it sends. `name`: the image (its first 255 bytes go).
pub fn ask(path: &[u8], tid: i32, kind: u8, name: &[u8]) -> Answer {
    let mut addr = [0u8; 2 + 108];
    if path.is_empty() || path.len() >= 108 || path.contains(&0) {
        return Answer::Unreachable;
    }
    addr[..2].copy_from_slice(&(libc::AF_UNIX as u16).to_ne_bytes());
    addr[2..2 + path.len()].copy_from_slice(path);
    let addr = &addr[..2 + path.len() + 1];
    let Ok(fd) = net::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) else {
        return Answer::Unreachable;
    };
    let answer = exchange(fd, addr, tid, kind, name);
    let _ = sys::fs::close(fd);
    answer
}

fn exchange(fd: sys::RawFd, addr: &[u8], tid: i32, kind: u8, name: &[u8]) -> Answer {
    let start = sys::time::monotonic();
    // SO_RCVTIMEO bounds each recv; the loop below bounds the sum.
    let slice = libc::timeval {
        tv_sec: 0,
        tv_usec: 200_000,
    };
    let tv = slice.tv_usec.to_ne_bytes();
    let mut opt = [0u8; 16];
    opt[8..].copy_from_slice(&tv);
    let mut msg = [0u8; 14 + 255];
    let len = request(tid, kind, start, name, &mut msg);
    // SO_SNDTIMEO bounds the connect too (a tracer whose backlog is full).
    if net::setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, &opt).is_err()
        || net::setsockopt(fd, libc::SOL_SOCKET, libc::SO_SNDTIMEO, &opt).is_err()
        || net::connect(fd, addr).is_err()
        || net::sendto(fd, &msg[..len], libc::MSG_NOSIGNAL, &[]) != Ok(len)
    {
        return Answer::Unreachable;
    }
    let mut buf = [0u8; 3 + 8 * seccomp::MAX_INSNS];
    let mut got = 0;
    let mut want = 1;
    while got < want {
        if sys::time::monotonic().saturating_sub(start) > TIMEOUT_NS {
            return Answer::Unreachable;
        }
        match net::recvfrom(fd, &mut buf[got..want.max(3)], 0, &mut []) {
            Ok((0, _)) => return Answer::Unreachable,
            Ok((n, _)) => got += n,
            Err(Errno::INTR) | Err(Errno::AGAIN) => continue,
            Err(_) => return Answer::Unreachable,
        }
        if buf[0] != b'Y' {
            return Answer::Refused;
        }
        want = 3;
        if got >= 3 {
            let n = usize::from(u16::from_ne_bytes([buf[1], buf[2]]));
            if n == 0 || n > seccomp::MAX_INSNS {
                return Answer::Refused;
            }
            want = 3 + 8 * n;
        }
    }
    if kind != TRACE {
        return Answer::Refused;
    }
    match seccomp::install(&buf[3..want]) {
        Ok(()) => Answer::Traced,
        Err(_) => Answer::Refused,
    }
}

/// The request in `out`; its length.
fn request(tid: i32, kind: u8, start: u64, name: &[u8], out: &mut [u8; 14 + 255]) -> usize {
    let name = &name[..name.len().min(255)];
    out[..4].copy_from_slice(&tid.to_ne_bytes());
    out[4] = kind;
    out[5..13].copy_from_slice(&start.to_ne_bytes());
    out[13] = name.len() as u8;
    out[14..14 + name.len()].copy_from_slice(name);
    14 + name.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixListener;

    /// A fake tracer answering one request with `reply` (None: never answers); returns
    /// the tid it was sent.
    fn serve(path: &std::path::Path, reply: Option<Vec<u8>>) -> std::thread::JoinHandle<i32> {
        let listener = UnixListener::bind(path).unwrap();
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut tid = [0u8; 14];
            s.read_exact(&mut tid).unwrap();
            assert_eq!((tid[4], tid[13]), (TRACE, 0));
            match reply {
                // two writes: the client must put a split answer together
                Some(r) => {
                    s.write_all(&r[..1]).unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    let _ = s.write_all(&r[1..]); // a client that read "N" is gone
                }
                None => std::thread::sleep(std::time::Duration::from_millis(2600)),
            }
            i32::from_ne_bytes([tid[0], tid[1], tid[2], tid[3]])
        })
    }

    fn dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("netshim-attach-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn bytes(p: &std::path::Path) -> Vec<u8> {
        use std::os::unix::ffi::OsStrExt;
        p.as_os_str().as_bytes().to_vec()
    }

    #[test]
    fn no_tracer_refusal_and_silence_mean_an_untraced_exec() {
        let d = dir();
        assert_eq!(
            ask(&bytes(&d.join("none")), 7, TRACE, b""),
            Answer::Unreachable
        );
        assert_eq!(ask(b"", 7, TRACE, b""), Answer::Unreachable);
        let p = d.join("no");
        let server = serve(&p, Some(b"Nset-uid".to_vec()));
        assert_eq!(ask(&bytes(&p), 1234, TRACE, b""), Answer::Refused);
        assert_eq!(server.join().unwrap(), 1234);
        let p = d.join("silent");
        let server = serve(&p, None);
        let t = std::time::Instant::now();
        assert_eq!(ask(&bytes(&p), 5, TRACE, b""), Answer::Unreachable);
        let waited = t.elapsed().as_millis();
        assert!((1900..2500).contains(&waited), "waited {waited} ms");
        server.join().unwrap();
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_yes_installs_the_filter_sent() {
        let d = dir().join("y");
        let _ = std::fs::create_dir_all(&d);
        let p = d.join("yes");
        let mut reply = b"Y".to_vec();
        reply.extend(1u16.to_ne_bytes());
        reply.extend(((libc::BPF_RET | libc::BPF_K) as u16).to_ne_bytes());
        reply.extend([0, 0]);
        reply.extend(libc::SECCOMP_RET_ALLOW.to_ne_bytes());
        let server = serve(&p, Some(reply));
        // The filter is installed in a process of its own: this test binary run again for
        // `yes_child` alone, which would otherwise filter the whole harness.
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "log::attach::tests::yes_child", "--ignored"])
            .env("NETSHIM_TEST_TRACER", &p)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"));
        assert_eq!(server.join().unwrap(), 99);
        assert!(!seccomp::in_filter());
        let _ = std::fs::remove_dir_all(&d);
    }

    /// Run by `a_yes_installs_the_filter_sent` only.
    #[test]
    #[ignore]
    fn yes_child() {
        let path = std::env::var_os("NETSHIM_TEST_TRACER").expect("run by its parent test");
        assert!(!seccomp::in_filter());
        assert_eq!(
            ask(&bytes(std::path::Path::new(&path)), 99, TRACE, b""),
            Answer::Traced
        );
        assert!(seccomp::in_filter());
    }
}
