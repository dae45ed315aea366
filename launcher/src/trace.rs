//! The tracer: strace's loop. Wait for the next stop, find the thread in a table keyed by
//! tid, dispatch on the kind of stop, and keep every fact about a thread or a process in its
//! entry. What it sees and how (docs/LOGGING.md, "The tracer"):
//!
//! - connect: one seccomp stop. For an AF_INET/AF_INET6 connect on a non-blocking socket
//!   (Go's, event loops') the tracer makes the call itself on a duplicate of the socket
//!   (pidfd_getfd: the same socket, the same flags) and skips the program's, which then
//!   returns exactly what the kernel answered; any other connect runs as it is and the
//!   tracer waits for its exit stop (two stops).
//! - connect-done: getsockopt(SO_ERROR) for a socket with a connect in progress, answered
//!   the same way (the tracer reads SO_ERROR and writes it into the program's memory).
//! - DNS answers: a connect or sendto to port 53 opens a window for that process: its
//!   threads run under syscall stops until it has closed every such socket, and the answers
//!   its reads return are parsed. The window lasts one resolution; outside it, reads and
//!   writes never stop.

use crate::attach::{Ask, Requests};
use crate::dns::{self, Answer};
use crate::event::{self, Connect, Dns, Who, Writer};
use crate::filter;
use crate::run;
use crate::sys::{self, SyscallStop};
use nix::errno::Errno;
use nix::sys::ptrace::{self, Event};
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::os::unix::fs::PermissionsExt;
use std::time::Instant;

/// The most of a sockaddr the tracer reads: sockaddr_storage, the kernel's own bound.
const SOCKADDR_MAX: usize = 128;
/// What a log line shows of one, as the library does (sockaddr_un fits).
const PEER_MAX: usize = 112;
/// The most of one DNS read the tracer copies: one TCP message and its length.
const READ_MAX: usize = 2 + 65_535;
const DNS_PORT: u16 = 53;

// x86_64 syscall numbers the syscall-exit and window stops look at.
const SYS_READ: u64 = libc::SYS_read as u64;
const SYS_READV: u64 = libc::SYS_readv as u64;
const SYS_RECVFROM: u64 = libc::SYS_recvfrom as u64;
const SYS_RECVMSG: u64 = libc::SYS_recvmsg as u64;
const SYS_CLOSE: u64 = libc::SYS_close as u64;

/// How the program ended.
#[derive(Clone, Copy, Debug)]
pub enum Status {
    Code(i32),
    Signal(i32),
}

/// What a thread waits for at its next syscall-exit stop.
enum Pending {
    Connect {
        fd: i32,
        addr: Vec<u8>,
        start: Instant,
    },
    SoError {
        fd: i32,
        optval: u64,
    },
    Read {
        fd: i32,
        nr: u64,
        args: [u64; 6],
    },
}

struct Thread {
    tgid: i32,
    pending: Option<Pending>,
    in_group_stop: bool,
}

/// A socket with a connect in progress, known by its inode so that a reused fd number
/// never gets another socket's outcome.
struct InFlight {
    addr: Vec<u8>,
    start: Instant,
    inode: (u64, u64),
}

/// A socket the program talks DNS on.
struct DnsSocket {
    server: Vec<u8>,
    /// DNS over TCP: the bytes of a message read so far; None for datagrams.
    stream: Option<dns::Stream>,
}

struct Process {
    prog: Vec<u8>,
    pidfd: Option<OwnedFd>,
    threads: HashSet<i32>,
    /// Address → the name whose DNS answer gave it, as the program received it.
    names: HashMap<IpAddr, String>,
    in_flight: HashMap<i32, InFlight>,
    dns: HashMap<i32, DnsSocket>,
    warned_uring: bool,
}

impl Process {
    fn new(tgid: i32) -> Self {
        Process {
            prog: program_name(tgid),
            pidfd: None,
            threads: HashSet::new(),
            names: HashMap::new(),
            in_flight: HashMap::new(),
            dns: HashMap::new(),
            warned_uring: false,
        }
    }
}

/// Counts for --stats and the benchmark.
#[derive(Default, Debug)]
pub struct Stats {
    pub seccomp_stops: u64,
    pub syscall_stops: u64,
    pub connects: u64,
    pub emulated: u64,
    /// Time spent between a stop's report and the tracee's resumption, all stops together.
    pub busy: std::time::Duration,
}

pub struct Tracer {
    top: Pid,
    /// The library path in LD_PRELOAD, blanked out for 32-bit programs.
    library: Option<Vec<u8>>,
    /// The waiting launcher (run.rs): told of the program's stops and end.
    launcher: OwnedFd,
    threads: HashMap<i32, Thread>,
    procs: HashMap<i32, Process>,
    writer: Writer,
    top_status: Option<Status>,
    /// Subtree tracing: the program itself runs untraced (a plain child of the tracer) and
    /// processes below it ask to be traced (attach.rs).
    requests: Option<Requests>,
    /// The privileged images already warned of (subtree tracing).
    warned_privileged: HashSet<String>,
    /// Whether polling for the next stop can help: the tracer may run on two CPUs or more
    /// (pinned to one, it would only take the program's time).
    may_spin: bool,
    last_event: Instant,
    pub stats: Stats,
}

/// The longest the tracer polls for the next stop before it sleeps (see `Tracer::spin`).
const SPIN: std::time::Duration = std::time::Duration::from_micros(60);

/// The options every tracee gets: all children followed, seccomp stops, and death with the
/// tracer (a tracee left without its tracer would see ENOSYS from every stopped syscall).
pub fn options() -> ptrace::Options {
    use ptrace::Options as O;
    O::PTRACE_O_TRACESECCOMP
        | O::PTRACE_O_TRACECLONE
        | O::PTRACE_O_TRACEFORK
        | O::PTRACE_O_TRACEVFORK
        | O::PTRACE_O_TRACEEXEC
        | O::PTRACE_O_TRACESYSGOOD
        | O::PTRACE_O_EXITKILL
}

impl Tracer {
    pub fn new(top: Pid, writer: Writer, library: Option<Vec<u8>>, launcher: OwnedFd) -> Self {
        let mut t = Tracer {
            top,
            library,
            launcher,
            threads: HashMap::new(),
            procs: HashMap::new(),
            writer,
            top_status: None,
            requests: None,
            warned_privileged: HashSet::new(),
            may_spin: sys::cpus_allowed() > 1,
            last_event: Instant::now(),
            stats: Stats::default(),
        };
        t.add_thread(top.as_raw(), top.as_raw());
        t
    }

    /// A tracer for subtree tracing: `top` runs untraced, and `requests` brings the
    /// processes that need tracing.
    pub fn subtree(
        top: Pid,
        writer: Writer,
        library: Option<Vec<u8>>,
        launcher: OwnedFd,
        requests: Requests,
    ) -> Self {
        let mut t = Tracer::new(top, writer, library, launcher);
        t.forget_thread(top.as_raw());
        t.requests = Some(requests);
        t
    }

    fn forget_thread(&mut self, tid: i32) {
        if let Some(t) = self.threads.remove(&tid) {
            if let Some(p) = self.procs.get_mut(&t.tgid) {
                p.threads.remove(&tid);
                if p.threads.is_empty() {
                    self.procs.remove(&t.tgid);
                }
            }
        }
    }

    /// Whether `tid` is the program itself running untraced (subtree tracing; once it has
    /// asked for the tracer, its stops are a tracee's).
    fn untraced_top(&self, tid: Pid) -> bool {
        self.requests.is_some() && tid == self.top && !self.threads.contains_key(&tid.as_raw())
    }

    /// Runs until every tracee is gone (and, under subtree tracing, the program too); the
    /// top program's status.
    pub fn run(&mut self) -> Status {
        // The untraced program's stops are reported with WUNTRACED (a tracee's always are).
        let flags = if self.requests.is_some() {
            WaitPidFlag::__WALL | WaitPidFlag::WUNTRACED
        } else {
            WaitPidFlag::__WALL
        };
        loop {
            let waited = match self.spin(flags) {
                Some(waited) => waited,
                None => waitpid(None::<Pid>, Some(flags)),
            };
            self.serve_requests();
            match waited {
                Ok(status) => {
                    let start = Instant::now();
                    self.dispatch(status);
                    self.stats.busy += start.elapsed();
                }
                Err(Errno::EINTR) => continue,
                Err(_) => break, // ECHILD: nothing left to wait for
            }
            if self.threads.is_empty() && (self.requests.is_none() || self.top_status.is_some()) {
                break;
            }
        }
        self.top_status.unwrap_or(Status::Code(1))
    }

    /// Polls for the next stop for up to `SPIN` before sleeping in waitpid, while stops come
    /// close together and the tracer may run on another CPU than the program: a stop that
    /// finds the tracer asleep waits for that CPU to wake up, which costs the program more
    /// than the stop itself (docs/BENCHMARKS.md, "The tracer").
    fn spin(&mut self, flags: WaitPidFlag) -> Option<nix::Result<WaitStatus>> {
        let now = Instant::now();
        let busy = now.duration_since(self.last_event) < SPIN * 4;
        self.last_event = now;
        if !self.may_spin || !busy {
            return None;
        }
        loop {
            match waitpid(None::<Pid>, Some(flags | WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => {}
                other => {
                    self.last_event = Instant::now();
                    return Some(other);
                }
            }
            if now.elapsed() >= SPIN {
                return None;
            }
            std::hint::spin_loop();
        }
    }

    /// Seizes the threads that asked to be traced, and answers them.
    fn serve_requests(&mut self) {
        let Some(requests) = &self.requests else {
            return;
        };
        for r in requests.take() {
            let prog = program_name(r.pid);
            let prog = String::from_utf8_lossy(&prog).into_owned();
            if r.ask == Ask::Privileged {
                // Once per image: a script may start sudo a thousand times.
                if self.warned_privileged.insert(r.name.clone()) {
                    self.writer.warn(&format!(
                        "{} (started by {prog}, process {}) gains privilege when it runs (set-uid, set-gid or file capabilities): it keeps it, untraced and not preloaded, so its connects are not logged",
                        r.name, r.pid
                    ));
                }
                r.refuse("privileged");
                continue;
            }
            if r.stale() {
                r.refuse("too late");
                continue;
            }
            let tid = Pid::from_raw(r.tid);
            match ptrace::seize(tid, options()) {
                Ok(()) => {
                    self.add_thread(r.tid, r.pid);
                    if let Some(p) = self.procs.get_mut(&r.pid) {
                        p.prog = prog.into_bytes();
                    }
                    let pid = r.pid;
                    if !r.accept() {
                        // The requester went away between the checks and the answer (it
                        // gave up, or died). A thread just seized is running and cannot be
                        // detached; it stays a tracee without a filter: only its forks,
                        // execs and signals stop, and it is kept in the table.
                        self.writer.warn(&format!(
                            "{} (process {}) left before the tracer answered; it stays attached without a filter",
                            String::from_utf8_lossy(&program_name(pid)),
                            pid
                        ));
                    }
                }
                Err(e) => {
                    self.writer
                        .warn(&format!("cannot trace {prog} (process {}): {e}", r.pid));
                    r.refuse(&e.to_string());
                }
            }
        }
    }

    fn dispatch(&mut self, status: WaitStatus) {
        match status {
            WaitStatus::PtraceEvent(tid, _, e) if e == Event::PTRACE_EVENT_SECCOMP as i32 => {
                self.known(tid);
                self.on_seccomp(tid)
            }
            WaitStatus::PtraceEvent(tid, _, e)
                if e == Event::PTRACE_EVENT_FORK as i32
                    || e == Event::PTRACE_EVENT_VFORK as i32
                    || e == Event::PTRACE_EVENT_CLONE as i32 =>
            {
                self.known(tid);
                self.on_new_task(tid, e == Event::PTRACE_EVENT_CLONE as i32)
            }
            WaitStatus::PtraceEvent(tid, _, e) if e == Event::PTRACE_EVENT_EXEC as i32 => {
                self.on_exec(tid)
            }
            WaitStatus::PtraceEvent(tid, signal, e) if e == libc::PTRACE_EVENT_STOP => {
                self.known(tid);
                self.on_event_stop(tid, signal)
            }
            WaitStatus::PtraceEvent(tid, _, _) => self.resume(tid, None),
            WaitStatus::PtraceSyscall(tid) => {
                self.known(tid);
                self.on_syscall(tid)
            }
            // The untraced program stopped (job control): the launcher stops too.
            WaitStatus::Stopped(tid, signal) if self.untraced_top(tid) => {
                if signal != Signal::SIGSTOP {
                    run::report(&self.launcher, run::Report::Stopped);
                }
            }
            // A signal on its way to the thread: deliver it.
            WaitStatus::Stopped(tid, signal) => {
                self.known(tid);
                self.resume(tid, Some(signal))
            }
            WaitStatus::Exited(tid, code) => self.on_exit(tid, Status::Code(code)),
            WaitStatus::Signaled(tid, signal, _) => {
                self.on_exit(tid, Status::Signal(signal as i32))
            }
            _ => {}
        }
    }

    // ---- the table ----

    /// Enters a thread, or corrects the process of one already entered: a new thread may
    /// have stopped — and started a connect the table must remember — before its parent's
    /// clone event is read, so what it is doing is kept.
    fn add_thread(&mut self, tid: i32, tgid: i32) {
        self.threads
            .entry(tid)
            .and_modify(|t| t.tgid = tgid)
            .or_insert(Thread {
                tgid,
                pending: None,
                in_group_stop: false,
            });
        self.procs
            .entry(tgid)
            .or_insert_with(|| Process::new(tgid))
            .threads
            .insert(tid);
    }

    /// A thread may report its first stop before its parent reports creating it.
    fn known(&mut self, tid: Pid) {
        let tid = tid.as_raw();
        if !self.threads.contains_key(&tid) {
            let tgid = thread_group(tid).unwrap_or(tid);
            self.add_thread(tid, tgid);
        }
    }

    fn process(&mut self, tid: Pid) -> Option<&mut Process> {
        let tgid = self.threads.get(&tid.as_raw())?.tgid;
        self.procs.get_mut(&tgid)
    }

    fn who(&self, tid: Pid) -> (i32, Vec<u8>) {
        let tgid = self
            .threads
            .get(&tid.as_raw())
            .map_or(tid.as_raw(), |t| t.tgid);
        let prog = self
            .procs
            .get(&tgid)
            .map(|p| p.prog.clone())
            .unwrap_or_default();
        (tgid, prog)
    }

    /// Resumes a thread: with syscall stops while it waits for an exit or its process has a
    /// DNS window open, else until its next seccomp stop.
    fn resume(&mut self, tid: Pid, signal: Option<Signal>) {
        let wants_syscalls = self.threads.get(&tid.as_raw()).is_some_and(|t| {
            t.pending.is_some() || self.procs.get(&t.tgid).is_some_and(|p| !p.dns.is_empty())
        });
        let _ = if wants_syscalls {
            ptrace::syscall(tid, signal)
        } else {
            ptrace::cont(tid, signal)
        };
    }

    // ---- stops ----

    fn on_seccomp(&mut self, tid: Pid) {
        self.stats.seccomp_stops += 1;
        // The registers give the number and arguments (and are needed to skip the call);
        // the filter stops only x86_64 syscalls, so they are read as such.
        if let Ok(regs) = sys::Regs::at_stop(tid) {
            match filter::rule_of(regs.nr()) {
                Some(filter::RULE_CONNECT) => self.on_connect(tid, &regs),
                Some(filter::RULE_SO_ERROR) => self.on_so_error(tid, &regs),
                Some(filter::RULE_SENDTO) => self.on_sendto(tid, regs.args()),
                Some(filter::RULE_IO_URING) => self.on_io_uring(tid),
                _ => {}
            }
        }
        self.resume(tid, None)
    }

    fn on_connect(&mut self, tid: Pid, regs: &sys::Regs) {
        self.stats.connects += 1;
        let args = regs.args();
        let (fd, ptr, len) = (args[0] as i32, args[1], args[2] as u32 as usize);
        let start = Instant::now();
        let mut addr = vec![0u8; len.min(SOCKADDR_MAX)];
        if ptr == 0 || sys::read_memory(tid, ptr, &mut addr) != Ok(addr.len()) {
            addr.clear(); // the kernel will say EFAULT; let it
        }
        if let Some((ret, dup)) = self.connect_for(tid, regs, fd, &addr, len) {
            self.stats.emulated += 1;
            self.connected(tid, fd, addr, ret, start, Some(dup));
            return;
        }
        if let Some(t) = self.threads.get_mut(&tid.as_raw()) {
            t.pending = Some(Pending::Connect { fd, addr, start });
        }
    }

    /// Makes a non-blocking inet connect on a duplicate of the socket and skips the
    /// program's; None where the program's own call must run (blocking sockets would block
    /// the tracer; unix paths are relative to the program's directory and root).
    fn connect_for(
        &mut self,
        tid: Pid,
        regs: &sys::Regs,
        fd: i32,
        addr: &[u8],
        len: usize,
    ) -> Option<(i64, OwnedFd)> {
        let fits = match event::family(addr) {
            libc::AF_INET => len >= 16,
            libc::AF_INET6 => len >= 24,
            _ => false,
        };
        if !fits || len > SOCKADDR_MAX {
            return None;
        }
        let dup = self.dup(tid, fd)?;
        if !sys::is_nonblocking(&dup) {
            return None;
        }
        let mut ret = sys::connect_dup(&dup, addr);
        // A handshake that is already over by now (loopback's is, once the tracer's connect
        // returns) is answered as the kernel answers a non-blocking connect that completes
        // at once: 0, or its error from a second connect, which is the kernel's own answer
        // (and takes the error as its SO_ERROR would). The program then needs no
        // getsockopt(SO_ERROR), and its dial costs one stop instead of two. Never waits.
        if ret == -(libc::EINPROGRESS as i64) && sys::writable_now(&dup) {
            ret = match sys::connect_dup(&dup, addr) {
                r if r == -(libc::EALREADY as i64) => -(libc::EINPROGRESS as i64),
                r => r,
            };
        }
        // Had the registers not taken, the program would connect again and see EALREADY or
        // EISCONN; setregs fails only for a thread that is already dead.
        sys::skip_syscall(tid, regs, ret).ok()?;
        Some((ret, dup))
    }

    /// The tracer's duplicate of a tracee's fd.
    fn dup(&mut self, tid: Pid, fd: i32) -> Option<OwnedFd> {
        let tgid = self.threads.get(&tid.as_raw())?.tgid;
        let proc = self.procs.get_mut(&tgid)?;
        if proc.pidfd.is_none() {
            proc.pidfd = sys::pidfd_open(Pid::from_raw(tgid)).ok();
        }
        sys::pidfd_getfd(proc.pidfd.as_ref()?, fd).ok()
    }

    /// A connect's answer is known: log it, remember a connect in progress, and open a DNS
    /// window for a socket connected to port 53. `dup` is the tracer's duplicate of the
    /// socket when it made the call.
    fn connected(
        &mut self,
        tid: Pid,
        fd: i32,
        mut addr: Vec<u8>,
        ret: i64,
        start: Instant,
        dup: Option<OwnedFd>,
    ) {
        // ERESTARTSYS and kin: a signal interrupted the call and the kernel runs it again,
        // stopping once more; that run is the one to log.
        if (-516..=-512).contains(&ret) {
            return;
        }
        if ret == -(libc::EFAULT as i64) || ret == -(libc::EINVAL as i64) {
            addr.clear(); // the kernel did not read the address: the preload logs none
        }
        let duration_us = start.elapsed().as_micros() as u64;
        self.log_connect("connect", tid, fd, &addr, ret, duration_us);
        let dest = event::ip_port(&addr);
        let in_progress = ret == -(libc::EINPROGRESS as i64);
        let dns = (ret == 0 || in_progress) && dest.is_some_and(|(_, port)| port == DNS_PORT);
        if !in_progress && !dns {
            return;
        }
        let dup = dup.or_else(|| self.dup(tid, fd));
        if in_progress {
            if let Some(inode) = dup.as_ref().and_then(inode) {
                let addr = addr.clone();
                if let Some(p) = self.process(tid) {
                    p.in_flight.insert(fd, InFlight { addr, start, inode });
                }
            }
        }
        if dns {
            let stream = dup
                .and_then(|d| sys::getsockopt_int(&d, libc::SOL_SOCKET, libc::SO_TYPE).ok())
                == Some(libc::SOCK_STREAM);
            self.open_dns_window(tid, fd, addr, stream);
        }
    }

    fn log_connect(&mut self, event: &str, tid: Pid, fd: i32, addr: &[u8], ret: i64, us: u64) {
        let (tgid, prog) = self.who(tid);
        let host = event::ip_port(addr).and_then(|(ip, _)| {
            let names = &self.procs.get(&tgid)?.names;
            // A v4-mapped destination (a dual-stack socket) takes the IPv4 address's name
            // when it has none of its own, as the preload does.
            let mapped = match ip {
                IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
                IpAddr::V4(_) => None,
            };
            names
                .get(&ip)
                .or_else(|| mapped.and_then(|v4| names.get(&v4)))
                .cloned()
        });
        let who = Who {
            pid: tgid,
            tid: tid.as_raw(),
            prog: &prog,
        };
        let line = Connect {
            fd,
            addr: &addr[..addr.len().min(PEER_MAX)],
            host: host.as_deref(),
            result: ret,
            duration_us: us,
        };
        self.writer.connect(event, &who, &line);
    }

    fn on_so_error(&mut self, tid: Pid, regs: &sys::Regs) {
        let args = regs.args();
        let (fd, optval, optlen) = (args[0] as i32, args[3], args[4]);
        let Some(flight) = self.process(tid).and_then(|p| p.in_flight.remove(&fd)) else {
            return; // no connect of ours in progress on it: nothing to log
        };
        if let Some(so_error) = self.so_error_for(tid, regs, fd, (optval, optlen), flight.inode) {
            self.stats.emulated += 1;
            self.connect_done(tid, fd, &flight, so_error);
            return;
        }
        if let Some(p) = self.process(tid) {
            p.in_flight.insert(fd, flight);
        }
        if let Some(t) = self.threads.get_mut(&tid.as_raw()) {
            t.pending = Some(Pending::SoError { fd, optval });
        }
    }

    /// Answers getsockopt(SO_ERROR) for the program from a duplicate of the same socket, in
    /// the kernel's own order: read the length (an int's or more, else the program's call
    /// runs), take SO_ERROR (which clears it), then write the value and the length, and an
    /// unwritable buffer answers EFAULT with the error taken, as the kernel's would.
    fn so_error_for(
        &mut self,
        tid: Pid,
        regs: &sys::Regs,
        fd: i32,
        (optval, optlen): (u64, u64),
        ino: (u64, u64),
    ) -> Option<i32> {
        let dup = self.dup(tid, fd)?;
        if inode(&dup)? != ino {
            return None; // the fd now names another socket
        }
        let mut len = [0u8; 4];
        sys::read_memory(tid, optlen, &mut len)
            .ok()
            .filter(|&n| n == 4)?;
        if i32::from_ne_bytes(len) < 4 {
            return None;
        }
        let value = sys::getsockopt_int(&dup, libc::SOL_SOCKET, libc::SO_ERROR).ok()?;
        let written = sys::write_memory(tid, optval, &value.to_ne_bytes())
            .and_then(|()| sys::write_memory(tid, optlen, &4i32.to_ne_bytes()));
        let ret = if written.is_ok() {
            0
        } else {
            -(libc::EFAULT as i64)
        };
        sys::skip_syscall(tid, regs, ret).ok()?;
        Some(value)
    }

    fn connect_done(&mut self, tid: Pid, fd: i32, flight: &InFlight, so_error: i32) {
        let result = -i64::from(so_error);
        let us = flight.start.elapsed().as_micros() as u64;
        self.log_connect("connect-done", tid, fd, &flight.addr, result, us);
    }

    /// sendto with a destination: a DNS query from an unconnected socket (musl).
    fn on_sendto(&mut self, tid: Pid, args: [u64; 6]) {
        let (fd, ptr, len) = (args[0] as i32, args[4], args[5] as u32 as usize);
        let mut addr = vec![0u8; len.min(SOCKADDR_MAX)];
        if sys::read_memory(tid, ptr, &mut addr) != Ok(addr.len()) {
            return;
        }
        if event::ip_port(&addr).is_some_and(|(_, port)| port == DNS_PORT) {
            let known = self.process(tid).is_some_and(|p| p.dns.contains_key(&fd));
            if !known {
                self.open_dns_window(tid, fd, addr, false);
            }
        }
    }

    fn on_io_uring(&mut self, tid: Pid) {
        let (tgid, prog) = self.who(tid);
        if let Some(p) = self.process(tid) {
            if !std::mem::replace(&mut p.warned_uring, true) {
                self.writer.warn(&format!(
                    "{}[{tgid}] set up an io_uring: connects it submits through the ring are not seen",
                    String::from_utf8_lossy(&prog)
                ));
            }
        }
    }

    /// From now until the process closes its last DNS socket, all its threads stop at each
    /// syscall, so that the answers its reads return can be read. Threads running now are
    /// interrupted and resumed in that mode.
    fn open_dns_window(&mut self, tid: Pid, fd: i32, server: Vec<u8>, stream: bool) {
        let Some(tgid) = self.threads.get(&tid.as_raw()).map(|t| t.tgid) else {
            return;
        };
        let Some(p) = self.procs.get_mut(&tgid) else {
            return;
        };
        let was_open = !p.dns.is_empty();
        let stream = stream.then(dns::Stream::default);
        p.dns.insert(fd, DnsSocket { server, stream });
        if was_open {
            return;
        }
        let others: Vec<i32> = p
            .threads
            .iter()
            .copied()
            .filter(|&t| t != tid.as_raw())
            .collect();
        for t in others {
            if self.threads.get(&t).is_some_and(|t| !t.in_group_stop) {
                let _ = ptrace::interrupt(Pid::from_raw(t));
            }
        }
    }

    fn on_event_stop(&mut self, tid: Pid, signal: Signal) {
        let group_stop = matches!(
            signal,
            Signal::SIGSTOP | Signal::SIGTSTP | Signal::SIGTTIN | Signal::SIGTTOU
        );
        if !group_stop {
            // PTRACE_INTERRUPT's stop, or a new tracee's first: run on, in the right mode.
            return self.resume(tid, None);
        }
        if let Some(t) = self.threads.get_mut(&tid.as_raw()) {
            t.in_group_stop = true;
        }
        let _ = sys::ptrace_listen(tid);
        // The shell's job: a terminal stop of the program stops the launcher too, so the
        // shell sees its job stopped; its SIGCONT (fg, bg) wakes both.
        if tid == self.top && signal != Signal::SIGSTOP {
            run::report(&self.launcher, run::Report::Stopped);
        }
    }

    fn on_syscall(&mut self, tid: Pid) {
        self.stats.syscall_stops += 1;
        if let Some(t) = self.threads.get_mut(&tid.as_raw()) {
            t.in_group_stop = false;
        }
        match sys::syscall_stop(tid) {
            Ok(SyscallStop::Entry { nr, args }) => self.on_entry(tid, nr, args),
            Ok(SyscallStop::Exit { rval, .. }) => self.on_exit_stop(tid, rval),
            _ => {}
        }
        self.resume(tid, None)
    }

    /// Inside a DNS window: note reads of DNS sockets, and closes that end the window.
    fn on_entry(&mut self, tid: Pid, nr: u64, args: [u64; 6]) {
        let fd = args[0] as i32;
        let Some(p) = self.process(tid) else { return };
        if !p.dns.contains_key(&fd) {
            return;
        }
        match nr {
            SYS_CLOSE => {
                p.dns.remove(&fd);
            }
            SYS_READ | SYS_READV | SYS_RECVFROM | SYS_RECVMSG => {
                if let Some(t) = self.threads.get_mut(&tid.as_raw()) {
                    t.pending = Some(Pending::Read { fd, nr, args });
                }
            }
            _ => {}
        }
    }

    fn on_exit_stop(&mut self, tid: Pid, rval: i64) {
        let Some(pending) = self
            .threads
            .get_mut(&tid.as_raw())
            .and_then(|t| t.pending.take())
        else {
            return;
        };
        match pending {
            Pending::Connect { fd, addr, start } => {
                self.connected(tid, fd, addr, rval, start, None)
            }
            Pending::SoError { fd, optval } => {
                let Some(flight) = self.process(tid).and_then(|p| p.in_flight.remove(&fd)) else {
                    return;
                };
                let mut value = [0u8; 4];
                if rval == 0 && sys::read_memory(tid, optval, &mut value) == Ok(4) {
                    self.connect_done(tid, fd, &flight, i32::from_ne_bytes(value));
                }
            }
            Pending::Read { fd, nr, args } if rval > 0 => {
                let data = read_buffers(tid, nr, args, rval as usize);
                self.dns_read(tid, fd, &data);
            }
            Pending::Read { .. } => {}
        }
    }

    /// Bytes a program read from a DNS socket: answers, logged and remembered.
    fn dns_read(&mut self, tid: Pid, fd: i32, data: &[u8]) {
        let (tgid, prog) = self.who(tid);
        let Some(p) = self.procs.get_mut(&tgid) else {
            return;
        };
        let Some(sock) = p.dns.get_mut(&fd) else {
            return;
        };
        let answers: Vec<Answer> = match &mut sock.stream {
            Some(stream) => stream.push(data),
            None => dns::read_answer(data).into_iter().collect(),
        };
        let server = sock.server.clone();
        for a in &answers {
            for ip in &a.addrs {
                p.names.insert(*ip, a.name.clone());
            }
        }
        let who = Who {
            pid: tgid,
            tid: tid.as_raw(),
            prog: &prog,
        };
        for a in &answers {
            let line = Dns {
                name: &a.name,
                qtype: a.qtype,
                server: &server,
                result: a.result,
                addrs: &a.addrs,
            };
            self.writer.dns(&who, &line);
        }
    }

    fn on_new_task(&mut self, tid: Pid, clone: bool) {
        let Ok(new) = ptrace::getevent(tid) else {
            return self.resume(tid, None);
        };
        let new = new as i32;
        let parent_tgid = self
            .threads
            .get(&tid.as_raw())
            .map_or(tid.as_raw(), |t| t.tgid);
        let thread =
            clone && sys::clone_flags(tid).is_some_and(|f| f & libc::CLONE_THREAD as u64 != 0);
        let tgid = if thread { parent_tgid } else { new };
        if let Some(old) = self.threads.get(&new).map(|t| t.tgid) {
            if old != tgid {
                if let Some(p) = self.procs.get_mut(&old) {
                    p.threads.remove(&new);
                }
            }
        }
        if !thread {
            // A child process starts with its parent's fds and what its parent had learned.
            let inherited = self
                .procs
                .get(&parent_tgid)
                .map(|p| (p.prog.clone(), p.names.clone()));
            let child = self.procs.entry(new).or_insert_with(|| Process::new(new));
            if let Some((prog, names)) = inherited {
                child.prog = prog;
                child.names = names;
            }
        }
        self.add_thread(new, tgid);
        self.resume(tid, None)
    }

    fn on_exec(&mut self, tid: Pid) {
        let tgid = tid.as_raw();
        // A thread other than the leader that execs takes the leader's tid.
        if let Ok(former) = ptrace::getevent(tid) {
            let former = former as i32;
            if former != tgid {
                self.threads.remove(&former);
            }
        }
        let mut p = Process::new(tgid);
        if let Some(old) = self.procs.remove(&tgid) {
            for t in old.threads {
                if t != tgid {
                    self.threads.remove(&t);
                }
            }
            p.pidfd = old.pidfd;
        }
        self.procs.insert(tgid, p);
        self.threads.remove(&tgid);
        self.add_thread(tgid, tgid);
        self.warn_if_privileged(tgid);
        if let Some(library) = &self.library {
            if is_32bit(tgid) {
                unpreload(tid, library);
            }
        }
        self.resume(tid, None)
    }

    /// A set-uid, set-gid or file-capability program that runs without its privilege under
    /// the tracer (a user other than root: no_new_privs and ptrace both forbid the gain).
    fn warn_if_privileged(&self, tgid: i32) {
        if nix::unistd::geteuid().is_root() {
            return;
        }
        let Ok(exe) = std::fs::read_link(format!("/proc/{tgid}/exe")) else {
            return;
        };
        let Ok(meta) = std::fs::metadata(&exe) else {
            return;
        };
        let setid = meta.permissions().mode() & 0o6000 != 0
            && (meta.uid() != 0 || meta.mode() & 0o4000 != 0);
        if setid {
            self.writer.warn(&format!(
                "{} is set-uid/set-gid: under the tracer it runs without that privilege (use --trace=never for programs that need it)",
                exe.display()
            ));
        }
    }

    fn on_exit(&mut self, tid: Pid, status: Status) {
        let tid = tid.as_raw();
        if let Some(t) = self.threads.remove(&tid) {
            if let Some(p) = self.procs.get_mut(&t.tgid) {
                p.threads.remove(&tid);
                if p.threads.is_empty() {
                    self.procs.remove(&t.tgid);
                }
            }
        }
        if tid == self.top.as_raw() {
            self.top_status = Some(status);
            // The program is done: the launcher may exit now without taking the rest along.
            sys::die_with_parent(false);
            run::report(&self.launcher, run::Report::Ended(status));
        }
    }
}

/// The bytes a read, readv, recvfrom or recvmsg returned, from the program's buffers.
fn read_buffers(tid: Pid, nr: u64, args: [u64; 6], got: usize) -> Vec<u8> {
    let got = got.min(READ_MAX);
    let iovecs = |at: u64, count: u64| -> Vec<(u64, usize)> {
        let count = count.min(16) as usize;
        let mut raw = vec![0u8; count * 16];
        if sys::read_memory(tid, at, &mut raw) != Ok(raw.len()) {
            return Vec::new();
        }
        raw.chunks(16)
            .map(|c| {
                let base = u64::from_ne_bytes(c[..8].try_into().unwrap_or_default());
                let len = u64::from_ne_bytes(c[8..].try_into().unwrap_or_default());
                (base, len as usize)
            })
            .collect()
    };
    let pieces = match nr {
        SYS_READ | SYS_RECVFROM => vec![(args[1], got)],
        SYS_READV => iovecs(args[1], args[2]),
        SYS_RECVMSG => {
            // struct msghdr: name, namelen, iov (offset 16), iovlen (offset 24), …
            let mut hdr = [0u8; 32];
            if sys::read_memory(tid, args[1], &mut hdr) != Ok(32) {
                return Vec::new();
            }
            let iov = u64::from_ne_bytes(hdr[16..24].try_into().unwrap_or_default());
            let count = u64::from_ne_bytes(hdr[24..32].try_into().unwrap_or_default());
            iovecs(iov, count)
        }
        _ => Vec::new(),
    };
    let mut out = Vec::with_capacity(got);
    for (base, len) in pieces {
        let take = len.min(got - out.len());
        if take == 0 {
            break;
        }
        let mut buf = vec![0u8; take];
        match sys::read_memory(tid, base, &mut buf) {
            Ok(n) if n == take => out.extend_from_slice(&buf),
            _ => break,
        }
    }
    out
}

fn inode(fd: &OwnedFd) -> Option<(u64, u64)> {
    let st = nix::sys::stat::fstat(fd).ok()?;
    Some((st.st_dev, st.st_ino))
}

/// Whether the image a process just exec'd is a 32-bit ELF (ELFCLASS32).
fn is_32bit(pid: i32) -> bool {
    use std::io::Read;
    let mut ident = [0u8; 5];
    std::fs::File::open(format!("/proc/{pid}/exe"))
        .and_then(|mut f| f.read_exact(&mut ident))
        .is_ok_and(|()| &ident[..4] == b"\x7fELF" && ident[4] == 1)
}

/// A 32-bit program would have its dynamic loader print "wrong ELF class" for the 64-bit
/// library in LD_PRELOAD (and "cannot open" for a missing one, which is what the `$LIB`
/// token would give it: both measured). Stopped at its exec, before the loader runs, its
/// environment's LD_PRELOAD entry for the library is overwritten with spaces, which the
/// loader skips silently; other entries, and every other variable, stay as they were.
fn unpreload(tid: Pid, library: &[u8]) {
    const ENV_MAX: usize = 256 * 1024;
    let Some((start, end)) = env_range(tid.as_raw()) else {
        return;
    };
    let mut env = vec![0u8; (end.saturating_sub(start) as usize).min(ENV_MAX)];
    if sys::read_memory(tid, start, &mut env) != Ok(env.len()) {
        return;
    }
    let mut at = 0;
    for var in env.split(|&b| b == 0) {
        if let Some(value) = var.strip_prefix(b"LD_PRELOAD=".as_slice()) {
            let mut blanked = var.to_vec();
            let offset = var.len() - value.len();
            let mut pos = 0;
            for entry in value.split(|&b| b == b' ' || b == b':') {
                if entry == library {
                    blanked[offset + pos..offset + pos + entry.len()].fill(b' ');
                }
                pos += entry.len() + 1;
            }
            if blanked != var {
                let _ = sys::write_memory(tid, start + at as u64, &blanked);
            }
        }
        at += var.len() + 1;
    }
}

/// env_start and env_end of /proc/PID/stat (fields 50 and 51).
fn env_range(pid: i32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // fields[0] is field 3 (state)
    Some((fields.get(47)?.parse().ok()?, fields.get(48)?.parse().ok()?))
}

/// /proc/PID/comm: the name the library logs as `prog`.
fn program_name(pid: i32) -> Vec<u8> {
    let mut name = std::fs::read(format!("/proc/{pid}/comm")).unwrap_or_default();
    if name.last() == Some(&b'\n') {
        name.pop();
    }
    name
}

/// The thread group of a tid, from /proc.
fn thread_group(tid: i32) -> Option<i32> {
    let status = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Tgid:"))
        .and_then(|v| v.trim().parse().ok())
}
