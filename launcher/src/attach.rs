//! The tracer's side of subtree tracing (src/log/subtree.rs, src/log/attach.rs): a
//! preloaded, untraced process about to exec an image the preload cannot see connects to
//! NETSHIM_TRACER, sends its tid and what it asks, and waits; the tracer seizes that thread
//! and answers `Y` + the filter (`filter::program`, the one source of truth) or `N` + why.
//!
//! A thread of its own accepts and checks the requests: the peer's pid and uid come from
//! the kernel (SO_PEERCRED), the uid must be the tracer's, the tid one of that process's.
//! Seizing must be done by the tracing thread, which sleeps in waitpid: the helper wakes it
//! with SIGIO (caught without SA_RESTART, so waitpid returns EINTR), again every 2 ms until
//! the request is taken, so a wake-up that comes just before the wait is never lost.

use crate::filter;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a request asks (the library's `attach::TRACE` and `attach::PRIVILEGED`).
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Ask {
    Trace,
    /// Not traced: the image gains privilege. Only reported.
    Privileged,
}

/// A checked request, waiting for the tracing thread.
pub struct Request {
    stream: UnixStream,
    pub pid: i32,
    pub tid: i32,
    pub ask: Ask,
    /// The image (for the warning about a privileged one).
    pub name: String,
    /// When the requester began waiting (CLOCK_MONOTONIC ns): it gives up 2 s later.
    pub started: u64,
}

impl Request {
    /// Whether the requester may have given up by now (it waits 2 s in all, counted from
    /// before its connect, on the same clock): such a request is refused, never seized.
    pub fn stale(&self) -> bool {
        crate::sys::monotonic_ns().saturating_sub(self.started) > 1_500_000_000
    }

    /// Answers `Y` and the filter (the thread is seized); false when the requester is gone.
    pub fn accept(mut self) -> bool {
        let program = filter::program();
        let mut r = vec![b'Y'];
        r.extend((program.len() as u16).to_ne_bytes());
        for ins in &program {
            r.extend(ins.code.to_ne_bytes());
            r.extend([ins.jt, ins.jf]);
            r.extend(ins.k.to_ne_bytes());
        }
        self.stream.write_all(&r).is_ok()
    }

    /// Answers `N` and why: the exec goes on untraced.
    pub fn refuse(mut self, why: &str) {
        let _ = self
            .stream
            .write_all(&[b"N".as_slice(), why.as_bytes()].concat());
    }
}

/// The listening socket, bound before the program starts (so that its first exec finds
/// it) and served once the tracer runs (the helper thread is started after the fork).
pub struct Listening {
    dir: PathBuf,
    listener: UnixListener,
}

impl Listening {
    /// Listens at `<base>/netshim-<pid>/tracer`, in a directory of its own that only this
    /// user can enter (the path goes to NETSHIM_TRACER).
    pub fn bind(base: &Path) -> std::io::Result<Listening> {
        use std::os::unix::fs::DirBuilderExt;
        let dir = base.join(format!("netshim-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir); // a dead tracer's of the same pid
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        let listener = UnixListener::bind(dir.join("tracer"));
        match listener {
            Ok(listener) => Ok(Listening { dir, listener }),
            Err(e) => {
                let _ = std::fs::remove_dir(&dir);
                Err(e)
            }
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join("tracer")
    }

    /// Starts the thread that takes requests and wakes the calling thread (the tracing
    /// thread) for each.
    pub fn serve(self) -> std::io::Result<Requests> {
        crate::sys::catch_sigio();
        let inbox = Arc::new(Inbox::default());
        let tracer = nix::unistd::gettid();
        let theirs = Arc::clone(&inbox);
        let Listening { dir, listener } = self;
        let requests = Requests { dir, inbox };
        std::thread::Builder::new()
            .name("requests".into())
            .spawn(move || take_requests(listener, theirs, tracer))?;
        Ok(requests)
    }
}

/// The requests the helper thread has checked; the socket's directory goes with it.
pub struct Requests {
    dir: PathBuf,
    inbox: Arc<Inbox>,
}

#[derive(Default)]
struct Inbox {
    queue: Mutex<Vec<Request>>,
    waiting: AtomicBool,
}

impl Requests {
    pub fn path(&self) -> PathBuf {
        self.dir.join("tracer")
    }

    /// The requests checked so far (cheap when there are none: one atomic load).
    pub fn take(&self) -> Vec<Request> {
        if !self.inbox.waiting.load(Ordering::Acquire) {
            return Vec::new();
        }
        let mut queue = self.inbox.queue.lock().unwrap_or_else(|e| e.into_inner());
        self.inbox.waiting.store(false, Ordering::Release);
        std::mem::take(&mut *queue)
    }
}

impl Drop for Requests {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.path());
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// The helper thread: accepts, checks, queues and wakes the tracing thread until it has
/// taken the request (at most 2 s; a tracer that does not take it by then is stuck, and
/// the requester gives up at the same time).
fn take_requests(listener: UnixListener, inbox: Arc<Inbox>, tracer: nix::unistd::Pid) {
    crate::sys::block_all_signals();
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        match check(&mut stream) {
            Ok((pid, tid, ask, started, name)) => {
                let mut queue = inbox.queue.lock().unwrap_or_else(|e| e.into_inner());
                queue.push(Request {
                    stream,
                    pid,
                    tid,
                    ask,
                    name,
                    started,
                });
                inbox.waiting.store(true, Ordering::Release);
            }
            Err(why) => {
                let _ = stream.write_all(&[b"N".as_slice(), why.as_bytes()].concat());
                continue;
            }
        }
        let start = Instant::now();
        while inbox.waiting.load(Ordering::Acquire) && start.elapsed() < Duration::from_secs(2) {
            crate::sys::wake(tracer);
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// The requesting process and thread, and what it asks, if the request may be served:
/// same user, and a tid of the connecting process (the pid comes from the kernel, not from
/// the message).
fn check(s: &mut UnixStream) -> Result<(i32, i32, Ask, u64, String), String> {
    let (pid, uid) = crate::sys::peer_cred(s).ok_or("no peer credentials")?;
    if uid != nix::unistd::geteuid().as_raw() {
        return Err(format!("process {pid} runs as another user ({uid})"));
    }
    // The whole request within 500 ms (the library sends it in one write): a peer that
    // trickles bytes must not hold up the requests behind it.
    let deadline = Instant::now() + Duration::from_millis(500);
    let mut msg = [0u8; 14];
    read_by(s, &mut msg, deadline).map_err(|e| format!("process {pid} sent no request: {e}"))?;
    let started = u64::from_ne_bytes(msg[5..13].try_into().unwrap_or_default());
    let mut name = vec![0u8; usize::from(msg[13])];
    read_by(s, &mut name, deadline)
        .map_err(|e| format!("process {pid} sent half a request: {e}"))?;
    let name = String::from_utf8_lossy(&name).into_owned();
    let tid = i32::from_ne_bytes([msg[0], msg[1], msg[2], msg[3]]);
    let ask = match msg[4] {
        b'T' => Ask::Trace,
        b'P' => Ask::Privileged,
        _ => return Err(format!("process {pid} sent an unknown request")),
    };
    if !Path::new(&format!("/proc/{pid}/task/{tid}")).exists() {
        return Err(format!("thread {tid} is not one of process {pid}'s"));
    }
    Ok((pid, tid, ask, started, name))
}

/// Fills `buf` from `s` before `deadline`, each read bounded by the time left.
fn read_by(s: &mut UnixStream, buf: &mut [u8], deadline: Instant) -> std::io::Result<()> {
    let mut got = 0;
    while got < buf.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        s.set_read_timeout(Some(left))?;
        match s.read(&mut buf[got..]) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_trickling_peer_is_cut_off_at_the_deadline() {
        let (mut ours, mut theirs) = UnixStream::pair().unwrap();
        let writer = std::thread::spawn(move || {
            for _ in 0..10 {
                if theirs.write_all(b"x").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let start = Instant::now();
        let mut buf = [0u8; 10];
        let r = read_by(&mut ours, &mut buf, start + Duration::from_millis(300));
        let took = start.elapsed();
        assert_eq!(r.unwrap_err().kind(), std::io::ErrorKind::TimedOut);
        assert!(took < Duration::from_millis(450), "took {took:?}");
        drop(ours);
        writer.join().unwrap();
    }

    #[test]
    fn a_whole_request_is_read() {
        let (mut ours, mut theirs) = UnixStream::pair().unwrap();
        theirs.write_all(b"0123456789").unwrap();
        let mut buf = [0u8; 10];
        read_by(
            &mut ours,
            &mut buf,
            Instant::now() + Duration::from_millis(500),
        )
        .unwrap();
        assert_eq!(&buf, b"0123456789");
    }
}
