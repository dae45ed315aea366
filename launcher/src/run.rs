//! `netshim run`: find the library, set the environment, then either exec the program with
//! the preload alone (--trace=never) or start it under the tracer, and pass its exit status
//! (or its death by a signal) through.

use crate::attach::Listening;
use crate::cli::{RunArgs, Trace};
use crate::elf;
use crate::event::{Families, Sink, Writer};
use crate::filter;
use crate::sys;
use crate::trace::{self, Status, Tracer};
use nix::errno::Errno;
use nix::sys::ptrace;
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{ForkResult, Pid};
use std::env;
use std::ffi::{CString, OsStr, OsString};
use std::fs;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub fn run(args: RunArgs) -> ExitCode {
    let Some(library) = find_library() else {
        eprintln!("netshim: libnetshim.so not found (set NETSHIM_LIBRARY)");
        return ExitCode::from(127);
    };
    let Some((cmd, _)) = args.command.split_first() else {
        return ExitCode::from(2); // cli::parse never lets this through
    };
    let log = match args.socket {
        Some(sink) => OsString::from(sink),
        None => log_value(args.output.as_deref()),
    };
    let mut trace = args.trace;
    if trace != Trace::Never {
        if let Err(why) = can_trace() {
            eprintln!("netshim: {why}; only the preload logs");
            trace = Trace::Never;
        }
    }
    if trace == Trace::Never {
        if let Some(path) = resolve_command(cmd) {
            for warning in interposition_warnings(&path) {
                eprintln!("netshim: warning: {warning}");
            }
        }
    }
    // The environment every program of the tree inherits.
    if trace != Trace::Always {
        env::set_var("LD_PRELOAD", preload_value(&library));
    }
    env::set_var("NETSHIM_LOG", &log);
    env::set_var(
        "NETSHIM_LOG_FORMAT",
        if args.json { "json" } else { "text" },
    );
    if trace == Trace::Never {
        return exec(&args.command);
    }
    let Some(sink) = Sink::open(&log) else {
        eprintln!("netshim: cannot open the log {}", log.to_string_lossy());
        return ExitCode::from(1);
    };
    let preloaded = (trace != Trace::Always).then(|| library.as_os_str().as_bytes().to_vec());
    // Subtree tracing (a user other than root, a program the preload sees): the program
    // runs untraced and without a filter, so that set-uid and file-capability programs
    // below it keep their privilege, and the library's exec hooks ask for the tracer where
    // an image needs it (src/log/subtree.rs). As root the whole tree is traced: the filter
    // then goes in without no_new_privs, and ptrace by root takes no privilege away.
    let subtree = trace == Trace::Auto
        && !nix::unistd::geteuid().is_root()
        && resolve_command(cmd).is_none_or(|path| elf::preload_sees(&path));
    // The tracer's lines obey NETSHIM_LOG_FAMILIES as the library's do.
    let families = env::var_os("NETSHIM_LOG_FAMILIES");
    let families = Families::parse(families.as_ref().map(|f| f.as_bytes()));
    let writer = Writer::new(sink, args.json, families);
    spawn_traced(&args, writer, preloaded, subtree)
}

/// Replaces the launcher with the program (the preload alone): its exit status is then
/// the launcher's with nothing in between.
fn exec(command: &[OsString]) -> ExitCode {
    let (cmd, cmd_args) = match command.split_first() {
        Some(split) => split,
        None => return ExitCode::from(2),
    };
    let err = Command::new(cmd).args(cmd_args).exec(); // returns only on failure
    exec_failed(cmd, &err)
}

fn exec_failed(cmd: &OsStr, err: &io::Error) -> ExitCode {
    eprintln!("netshim: cannot run {}: {err}", cmd.to_string_lossy());
    ExitCode::from(if err.kind() == io::ErrorKind::NotFound {
        127
    } else {
        126
    })
}

/// Why the tracer cannot work here, if it cannot: another architecture's registers, or a
/// launcher that is itself traced (a process has one tracer, and gdb's or strace's comes
/// first).
fn can_trace() -> Result<(), String> {
    if !cfg!(target_arch = "x86_64") {
        return Err("the tracer reads x86_64 registers only".into());
    }
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let tracer = status
        .lines()
        .find_map(|l| l.strip_prefix("TracerPid:"))
        .map_or("0", str::trim);
    if tracer != "0" {
        return Err(format!(
            "netshim is itself traced (by process {tracer}: gdb or strace?) and a process has only one tracer, so its tracer is off"
        ));
    }
    Ok(())
}

/// Runs the program under the tracer. The launcher (the process the shell started) forks
/// the tracer and waits: the tracer reports the program's pid, its terminal stops and its
/// end, and the launcher passes signals to the program, stops when it stops, and exits with
/// its status (or dies of its signal) as soon as it ends, while the tracer goes on tracing
/// whatever the program left running. The tracer dies with the launcher (and its tracees
/// with it) until the program has ended.
fn spawn_traced(
    args: &RunArgs,
    writer: Writer,
    library: Option<Vec<u8>>,
    subtree: bool,
) -> ExitCode {
    let saved = sys::save_signals();
    let Ok((from_tracer, to_launcher)) = nix::unistd::pipe() else {
        eprintln!("netshim: cannot make a pipe; only the preload logs");
        return exec(&args.command);
    };
    let launcher = nix::unistd::getpid();
    // SAFETY: the launcher has one thread here; the child goes on as a single-threaded
    // process of its own (the tracer).
    match unsafe { nix::unistd::fork() } {
        Err(e) => {
            eprintln!("netshim: cannot fork: {e}");
            ExitCode::from(126)
        }
        Ok(ForkResult::Child) => {
            drop(from_tracer);
            sys::die_with_parent(true);
            if nix::unistd::getppid() != launcher {
                std::process::exit(1); // the launcher is already gone
            }
            sys::tracer_signals();
            if subtree {
                trace_subtrees(args, writer, library, &saved, to_launcher);
            } else {
                trace_tree(args, writer, library, &saved, to_launcher);
            }
            std::process::exit(0)
        }
        Ok(ForkResult::Parent { .. }) => {
            drop(to_launcher);
            sys::catch_signals();
            wait_for_program(from_tracer)
        }
    }
}

/// What the tracer tells the waiting launcher, one line each.
pub enum Report {
    Pid(Pid),
    Stopped,
    Ended(Status),
}

/// Writes one report line to the launcher; a launcher that is gone changes nothing.
pub fn report(to: &OwnedFd, what: Report) {
    let line = match what {
        Report::Pid(pid) => format!("pid {pid}\n"),
        Report::Stopped => "stop\n".to_string(),
        Report::Ended(Status::Code(code)) => format!("exit {code}\n"),
        Report::Ended(Status::Signal(signal)) => format!("signal {signal}\n"),
    };
    let _ = nix::unistd::write(to, line.as_bytes());
}

/// The waiting launcher: passes signals on, stops with the program, ends as it ends.
fn wait_for_program(from_tracer: OwnedFd) -> ExitCode {
    let mut program: Option<Pid> = None;
    let mut pending = Vec::new();
    loop {
        if let Some(pid) = program {
            if let Some(signal) = sys::take_signal().and_then(|s| Signal::try_from(s).ok()) {
                let _ = kill(pid, signal);
            }
        }
        // A signal caught just before the wait is passed on at the next wake-up at most
        // 250 ms later; one caught during the wait wakes it at once (EINTR).
        if !sys::readable(&from_tracer, 250) {
            continue;
        }
        let mut chunk = [0u8; 64];
        match nix::unistd::read(&from_tracer, &mut chunk) {
            Err(Errno::EINTR) => continue,
            Ok(0) | Err(_) => {
                eprintln!("netshim: the tracer ended before the program");
                return ExitCode::from(1);
            }
            Ok(n) => pending.extend_from_slice(&chunk[..n]),
        }
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let mut words = line.split_whitespace();
            let number = |w: Option<&str>| w.and_then(|n| n.parse::<i32>().ok()).unwrap_or(1);
            match words.next() {
                Some("pid") => program = Some(Pid::from_raw(number(words.next()))),
                Some("stop") => sys::stop_self(),
                Some("exit") => return ExitCode::from(number(words.next()) as u8),
                Some("signal") => sys::die_of(number(words.next())),
                _ => {}
            }
        }
    }
}

/// The tracer process: forks the program stopped, attaches to it (PTRACE_SEIZE), lets it
/// install the filter and exec, then traces the whole tree until it is gone. If attaching
/// fails, the program runs with the preload alone, without the filter (with no tracer its
/// stopped syscalls would fail with ENOSYS), and one line says why.
fn trace_tree(
    args: &RunArgs,
    writer: Writer,
    library: Option<Vec<u8>>,
    saved: &sys::Saved,
    to_launcher: OwnedFd,
) {
    let argv = c_argv(args);
    let program = filter::program();
    let Ok((go_read, go_write)) = nix::unistd::pipe() else {
        eprintln!("netshim: cannot make a pipe");
        return report(&to_launcher, Report::Ended(Status::Code(126)));
    };
    // SAFETY: the tracer has one thread; the child only calls async-signal-safe functions
    // (raise, read, sigaction, prctl, seccomp, execvp, write, _exit) and prints only on error.
    let child = match unsafe { nix::unistd::fork() } {
        Err(e) => {
            eprintln!("netshim: cannot fork: {e}");
            return report(&to_launcher, Report::Ended(Status::Code(126)));
        }
        Ok(ForkResult::Child) => {
            drop(go_write);
            drop(to_launcher);
            self::child(&argv, &program, go_read, saved)
        }
        Ok(ForkResult::Parent { child }) => child,
    };
    drop(go_read);
    report(&to_launcher, Report::Pid(child));
    match attach(child) {
        Ok(()) => {
            let _ = nix::unistd::write(&go_write, b"T");
            drop(go_write);
            let _ = kill(child, Signal::SIGCONT);
            let mut tracer = Tracer::new(child, writer, library, to_launcher);
            tracer.run();
            if args.stats {
                print_stats(&tracer.stats);
            }
        }
        Err(e) => {
            eprintln!(
                "netshim: cannot trace {} ({e}); only the preload logs",
                args.command[0].to_string_lossy()
            );
            let _ = nix::unistd::write(&go_write, b"P");
            drop(go_write);
            let _ = kill(child, Signal::SIGCONT);
            let status = wait_plain(child);
            sys::die_with_parent(false);
            report(&to_launcher, Report::Ended(status));
        }
    }
}

/// The tracer process under subtree tracing: starts the program untraced with
/// NETSHIM_TRACER naming its socket, then traces the processes that ask for it until the
/// program and they are gone. Where the socket cannot be made, the whole tree is traced.
fn trace_subtrees(
    args: &RunArgs,
    writer: Writer,
    library: Option<Vec<u8>>,
    saved: &sys::Saved,
    to_launcher: OwnedFd,
) {
    let base = env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .unwrap_or_else(env::temp_dir);
    let listening = match Listening::bind(&base) {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "netshim: cannot listen in {} ({e}): the whole tree is traced, so set-uid programs in it run without their privilege",
                base.display()
            );
            return trace_tree(args, writer, library, saved, to_launcher);
        }
    };
    env::set_var("NETSHIM_TRACER", listening.path());
    let argv = c_argv(args);
    // SAFETY: the tracer has one thread here (the request thread starts after the fork);
    // the child restores signal dispositions and execs.
    let child = match unsafe { nix::unistd::fork() } {
        Err(e) => {
            eprintln!("netshim: cannot fork: {e}");
            return report(&to_launcher, Report::Ended(Status::Code(126)));
        }
        Ok(ForkResult::Child) => {
            drop(to_launcher);
            sys::restore_signals(saved);
            exec_child(&argv)
        }
        Ok(ForkResult::Parent { child }) => child,
    };
    report(&to_launcher, Report::Pid(child));
    let requests = match listening.serve() {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "netshim: cannot start the tracer's request thread ({e}); only the preload logs"
            );
            let status = wait_plain(child);
            sys::die_with_parent(false);
            return report(&to_launcher, Report::Ended(status));
        }
    };
    let mut tracer = Tracer::subtree(child, writer, library, to_launcher, requests);
    tracer.run();
    if args.stats {
        print_stats(&tracer.stats);
    }
}

fn print_stats(s: &trace::Stats) {
    let stops = (s.seccomp_stops + s.syscall_stops).max(1);
    eprintln!(
        "netshim: stats: {} seccomp stops, {} syscall stops, {} traced connects, {} calls made for the program, {:.1} µs of tracer work per stop",
        s.seccomp_stops, s.syscall_stops, s.connects, s.emulated,
        s.busy.as_secs_f64() * 1e6 / stops as f64
    );
}

/// The program's command line for execvp.
fn c_argv(args: &RunArgs) -> Vec<CString> {
    args.command
        .iter()
        .map(|a| CString::new(a.as_bytes()).unwrap_or_default())
        .collect()
}

/// Waits for the child to stop itself, then seizes it with the tracer's options.
fn attach(child: Pid) -> nix::Result<()> {
    loop {
        match waitpid(child, Some(WaitPidFlag::WSTOPPED)) {
            Ok(WaitStatus::Stopped(_, _)) => break,
            Err(Errno::EINTR) => continue,
            Ok(_) => return Err(Errno::ESRCH),
            Err(e) => return Err(e),
        }
    }
    ptrace::seize(child, trace::options())
}

/// The untraced child's status.
fn wait_plain(child: Pid) -> Status {
    loop {
        match waitpid(child, None) {
            Ok(WaitStatus::Exited(_, code)) => return Status::Code(code),
            Ok(WaitStatus::Signaled(_, signal, _)) => return Status::Signal(signal as i32),
            Err(Errno::EINTR) | Ok(_) => continue,
            Err(_) => return Status::Code(1),
        }
    }
}

/// The child between fork and exec: stop until the launcher has attached, install the filter
/// if it did, exec.
fn child(argv: &[CString], program: &[libc::sock_filter], go: OwnedFd, saved: &sys::Saved) -> ! {
    sys::restore_signals(saved);
    let _ = nix::sys::signal::raise(Signal::SIGSTOP);
    let mut word = [0u8; 1];
    let traced = matches!(nix::unistd::read(&go, &mut word), Ok(1)) && word[0] == b'T';
    drop(go);
    if traced {
        if let Err(filter::Refused(what, err)) = filter::install(program) {
            eprintln!("netshim: the kernel refused the seccomp filter ({what}: {err}); only the preload logs");
        }
    }
    exec_child(argv)
}

/// Execs the program in a forked child; on failure says why and exits as a shell does.
fn exec_child(argv: &[CString]) -> ! {
    let Some(cmd) = argv.first() else {
        std::process::exit(2)
    };
    let err = nix::unistd::execvp(cmd, argv).unwrap_err();
    let err = io::Error::from_raw_os_error(err as i32);
    let _ = exec_failed(OsStr::from_bytes(cmd.as_bytes()), &err);
    std::process::exit(if err.kind() == io::ErrorKind::NotFound {
        127
    } else {
        126
    })
}

/// NETSHIM_LOG for `-o`: stderr for none or "-", else the file made absolute, so that a
/// program that changes directory still appends to the same file.
fn log_value(output: Option<&OsStr>) -> OsString {
    match output {
        None => OsString::from("stderr"),
        Some(o) if o == "-" => OsString::from("stderr"),
        Some(o) => {
            let given = Path::new(o);
            if given.is_absolute() {
                given.into()
            } else {
                env::current_dir().unwrap_or_default().join(given).into()
            }
        }
    }
}

/// The library first, then whatever LD_PRELOAD already held.
fn preload_value(library: &Path) -> OsString {
    let mut preload = library.as_os_str().to_owned();
    if let Some(existing) = env::var_os("LD_PRELOAD").filter(|v| !v.is_empty()) {
        preload.push(" ");
        preload.push(existing);
    }
    preload
}

fn find_library() -> Option<PathBuf> {
    if let Some(p) = env::var_os("NETSHIM_LIBRARY") {
        return Some(PathBuf::from(p));
    }
    let exe = env::current_exe().ok()?;
    let dir = exe.parent()?;
    [
        dir.join("../lib/libnetshim.so.0"),
        dir.join("libnetshim.so"),
        dir.join("../lib/libnetshim.so"),
        multiarch_library(dir),
    ]
    .into_iter()
    .find(|p| p.exists())
    .and_then(|p| p.canonicalize().ok())
}

/// Where a distribution package installs the library for a launcher in DIR (/usr/bin):
/// Debian's multiarch directory, /usr/lib/x86_64-linux-gnu (aarch64-linux-gnu on arm64).
fn multiarch_library(dir: &Path) -> PathBuf {
    dir.join(format!(
        "../lib/{}-linux-gnu/libnetshim.so.0",
        std::env::consts::ARCH
    ))
}

/// The file a command name runs, looked up in PATH as execvp(3) does.
fn resolve_command(cmd: &OsStr) -> Option<PathBuf> {
    let cmd = Path::new(cmd);
    if cmd.components().count() > 1 {
        return Some(cmd.to_path_buf());
    }
    env::split_paths(&env::var_os("PATH")?)
        .map(|d| d.join(cmd))
        .find(|p| p.is_file())
}

/// Why LD_PRELOAD alone would not reach the program: a static ELF (no PT_INTERP: no dynamic
/// loader reads LD_PRELOAD), a Go program, or a set-uid/set-gid file (the loader drops
/// LD_PRELOAD).
fn interposition_warnings(path: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(meta) = fs::metadata(path) {
        if meta.permissions().mode() & 0o6000 != 0 {
            out.push(format!(
                "{} is set-uid/set-gid: the dynamic loader ignores LD_PRELOAD for it (and netshim ignores NETSHIM_*); nothing will be logged",
                path.display()
            ));
        }
    }
    if let Ok(bytes) = fs::read(path) {
        if bytes.starts_with(b"\x7fELF") && !elf::has_interp(&bytes) {
            out.push(format!(
                "{} is statically linked (no PT_INTERP): LD_PRELOAD has no effect on it; nothing will be logged (without --trace=never it is traced)",
                path.display()
            ));
        } else if elf::is_go(&bytes) {
            out.push(format!(
                "{} is a Go program: its connects are its own syscalls, which LD_PRELOAD does not see; nothing will be logged (without --trace=never it is traced)",
                path.display()
            ));
        }
    }
    out
}
