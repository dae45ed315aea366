//! WIP (branch t3-wip, not wired into run.rs/trace.rs): the tracer's side of attach-on-
//! request (docs/notes/t3-subtree-tracing.md). A preloaded, untraced process about to exec
//! an image that needs tracing connects to NETSHIM_TRACER, sends its tid and waits; the
//! tracer seizes that thread and answers `Y` + the filter (this crate's `filter::program`,
//! the one source of truth) or `N` + why. The protocol's other side is src/log/attach.rs.

use crate::filter;
use nix::errno::Errno;
use nix::unistd::Pid;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The listening socket, in a directory of its own that only this user can enter.
pub struct Requests {
    listener: UnixListener,
    dir: PathBuf,
}

/// One request served.
#[derive(Debug, PartialEq, Eq)]
pub enum Served {
    /// This thread was seized: trace it from its coming exec on.
    Seized(Pid),
    /// Refused, and why (the tracer logs one warning line with it).
    Refused(String),
}

impl Requests {
    /// Listens at `<base>/netshim-<pid>/tracer` (the path goes to NETSHIM_TRACER).
    pub fn open(base: &Path) -> std::io::Result<Requests> {
        use std::os::unix::fs::DirBuilderExt;
        let dir = base.join(format!("netshim-{}", std::process::id()));
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        let listener = UnixListener::bind(dir.join("tracer"))?;
        listener.set_nonblocking(true)?;
        crate::sys::wake_on_readable(&listener).map_err(std::io::Error::from)?;
        Ok(Requests { listener, dir })
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join("tracer")
    }

    /// Serves every request waiting now; `seize` attaches to a tid (ptrace::seize with
    /// `trace::options()` in the tracer).
    pub fn serve(&self, mut seize: impl FnMut(Pid) -> Result<(), Errno>) -> Vec<Served> {
        let mut out = Vec::new();
        while let Ok((stream, _)) = self.listener.accept() {
            out.push(serve_one(stream, &mut seize));
        }
        out
    }
}

impl Drop for Requests {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.path());
        let _ = std::fs::remove_dir(&self.dir);
    }
}

fn serve_one(mut s: UnixStream, seize: &mut impl FnMut(Pid) -> Result<(), Errno>) -> Served {
    let verdict = check(&mut s).and_then(|tid| {
        seize(tid)
            .map(|()| tid)
            .map_err(|e| format!("cannot trace thread {tid}: {e}"))
    });
    let reply = match &verdict {
        Ok(_) => {
            let program = filter::program();
            let mut r = vec![b'Y'];
            r.extend((program.len() as u16).to_ne_bytes());
            for ins in &program {
                r.extend(ins.code.to_ne_bytes());
                r.extend([ins.jt, ins.jf]);
                r.extend(ins.k.to_ne_bytes());
            }
            r
        }
        Err(why) => [b"N".as_slice(), why.as_bytes()].concat(),
    };
    let _ = s.write_all(&reply);
    match verdict {
        Ok(tid) => Served::Seized(tid),
        Err(why) => Served::Refused(why),
    }
}

/// The requesting thread, if the request may be served: same user, and a tid of the
/// connecting process (the pid comes from the kernel, not from the message).
fn check(s: &mut UnixStream) -> Result<Pid, String> {
    let (pid, uid) = crate::sys::peer_cred(s).ok_or("no peer credentials")?;
    if uid != nix::unistd::geteuid().as_raw() {
        return Err(format!("process {pid} runs as another user ({uid})"));
    }
    s.set_nonblocking(false).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .map_err(|e| e.to_string())?;
    let mut tid = [0u8; 4];
    s.read_exact(&mut tid)
        .map_err(|e| format!("process {pid} sent no request: {e}"))?;
    let tid = i32::from_ne_bytes(tid);
    if !Path::new(&format!("/proc/{pid}/task/{tid}")).exists() {
        return Err(format!("thread {tid} is not one of process {pid}'s"));
    }
    Ok(Pid::from_raw(tid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::ptrace;
    use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};

    /// The whole exchange with a real requester: this test binary run again as
    /// `requester`, which asks, installs the filter it gets and execs a shell that
    /// connects; the test (the tracer) seizes it, sees its exec, then its connect stopped
    /// by the filter, and lets everything run to the end.
    #[test]
    #[ignore = "WIP, fails: seize and the Y+filter answer work, but the bounded wait sees 4 \
                PTRACE_EVENT_EXEC stops, 0 seccomp stops and no exit in 10 s; not debugged yet"]
    fn a_request_is_seized_filtered_and_its_connect_stops() {
        let base = std::env::temp_dir().join(format!("netshim-attach-test-{}", std::process::id()));
        std::fs::create_dir_all(&base).unwrap();
        let requests = Requests::open(&base).unwrap();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "attach::tests::requester",
                "--ignored",
                "--nocapture",
            ])
            .env("NETSHIM_TEST_TRACER", requests.path())
            .env("RUST_TEST_THREADS", "1")
            .spawn()
            .unwrap();
        let pid = Pid::from_raw(child.id() as i32);
        // Wait (bounded) for the request: SIGIO interrupts the sleep.
        let mut served = Vec::new();
        for _ in 0..200 {
            served = requests.serve(|tid| ptrace::seize(tid, crate::trace::options()));
            if !served.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        assert_eq!(served.len(), 1, "no request in 5 s");
        let Served::Seized(tid) = served[0] else {
            panic!("{:?}", served[0])
        };
        let (mut execs, mut connects) = (0, 0);
        let mut ended = false;
        // Bounded: 2,000 polls 5 ms apart, then the requester is killed and the test fails.
        for _ in 0..2000 {
            match waitpid(pid, Some(WaitPidFlag::__WALL | WaitPidFlag::WNOHANG)).unwrap() {
                WaitStatus::StillAlive => std::thread::sleep(Duration::from_millis(5)),
                WaitStatus::PtraceEvent(t, _, e) => {
                    if e == ptrace::Event::PTRACE_EVENT_EXEC as i32 {
                        execs += 1;
                    } else if e == ptrace::Event::PTRACE_EVENT_SECCOMP as i32 {
                        connects += 1;
                    }
                    ptrace::cont(t, None).unwrap();
                }
                WaitStatus::Stopped(t, sig) => ptrace::cont(t, Some(sig)).unwrap(),
                WaitStatus::Exited(t, code) if t == pid => {
                    assert_eq!(code, 0);
                    ended = true;
                    break;
                }
                WaitStatus::Signaled(t, sig, _) if t == pid => panic!("requester died of {sig}"),
                _ => {}
            }
        }
        if !ended {
            let _ = child.kill();
        }
        let _ = child.wait();
        assert!(
            ended,
            "the requester did not end in 10 s (execs {execs}, connect stops {connects})"
        );
        assert_eq!(tid, pid);
        assert_eq!((execs, connects), (1, 1));
        drop(requests);
        let _ = std::fs::remove_dir_all(&base);
    }

    /// Run by the test above only: the library's side of the protocol, in std.
    #[test]
    #[ignore]
    fn requester() {
        use std::os::unix::process::CommandExt;
        let path = std::env::var_os("NETSHIM_TEST_TRACER").expect("run by its parent test");
        let mut s = UnixStream::connect(path).unwrap();
        s.write_all(&nix::unistd::gettid().as_raw().to_ne_bytes())
            .unwrap();
        let mut head = [0u8; 3];
        s.read_exact(&mut head).unwrap();
        assert_eq!(head[0], b'Y');
        let n = usize::from(u16::from_ne_bytes([head[1], head[2]]));
        let mut raw = vec![0u8; 8 * n];
        s.read_exact(&mut raw).unwrap();
        let program: Vec<libc::sock_filter> = raw
            .chunks_exact(8)
            .map(|b| libc::sock_filter {
                code: u16::from_ne_bytes([b[0], b[1]]),
                jt: b[2],
                jf: b[3],
                k: u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
            })
            .collect();
        assert_eq!(program.len(), filter::program().len());
        assert!(filter::install(&program).is_ok());
        // One connect (refused: nothing listens on port 1) from a program exec'd under it.
        let err = std::process::Command::new("python3")
            .args([
                "-c",
                "import socket\ntry:\n socket.socket().connect(('127.0.0.1', 1))\nexcept OSError:\n pass",
            ])
            .exec();
        panic!("exec: {err}");
    }
}
