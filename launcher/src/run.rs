//! `netshim run`: find the library, warn where the preload cannot reach the program, set
//! the environment and exec the program (its exit status is then netshim's).

use crate::cli::RunArgs;
use crate::elf;
use std::env;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub fn run(args: RunArgs) -> ExitCode {
    let Some(library) = find_library() else {
        eprintln!("netshim: libnetshim.so not found (set NETSHIM_LIBRARY)");
        return ExitCode::from(127);
    };
    let (cmd, cmd_args) = match args.command.split_first() {
        Some(split) => split,
        None => return ExitCode::from(2), // cli::parse never lets this through
    };
    if let Some(path) = resolve_command(cmd) {
        for warning in interposition_warnings(&path) {
            eprintln!("netshim: warning: {warning}");
        }
    }
    let mut command = Command::new(cmd);
    command
        .args(cmd_args)
        .env("LD_PRELOAD", preload_value(&library))
        .env("NETSHIM_LOG", log_value(args.output.as_deref()))
        .env(
            "NETSHIM_LOG_FORMAT",
            if args.json { "json" } else { "text" },
        );
    let err = command.exec(); // returns only on failure
    eprintln!("netshim: cannot run {}: {err}", cmd.to_string_lossy());
    ExitCode::from(if err.kind() == io::ErrorKind::NotFound {
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
    ]
    .into_iter()
    .find(|p| p.exists())
    .and_then(|p| p.canonicalize().ok())
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

/// Why LD_PRELOAD would not reach the program: a static ELF (no PT_INTERP: no dynamic
/// loader reads LD_PRELOAD) or a set-uid/set-gid file (the loader drops LD_PRELOAD).
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
                "{} is statically linked (no PT_INTERP): LD_PRELOAD has no effect on it; nothing will be logged",
                path.display()
            ));
        }
    }
    out
}
