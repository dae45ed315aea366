//! Tracing only the subtrees that need it (docs/LOGGING.md, "Which processes are traced").
//!
//! Under `netshim run` as a user other than root, the program starts untraced and without a
//! seccomp filter, so that a set-uid or file-capability program anywhere below it gains its
//! privilege as it does without netshim. The launcher's tracer then waits on the unix socket
//! named by NETSHIM_TRACER. Every exec a preloaded process makes goes through the exec
//! hooks (abi/exec.rs), which call [`before_exec`] first: when the image is one the preload
//! cannot see — no PT_INTERP (static glibc, musl, Go), a Go build, another architecture or
//! word size, a `#!` script whose interpreter is one of those, or a dynamic program whose
//! environment no longer preloads netshim — the process asks the tracer to attach to the
//! calling thread, installs the filter the tracer sends, and only then execs. Its new image,
//! and everything it starts, is traced; nothing else is.
//!
//! An image that would gain privilege is never put under the tracer: no_new_privs and ptrace
//! would both take the privilege away, so it runs as without netshim and the tracer writes
//! one warning that its connects are not seen.

use crate::log::attach::{self, Answer};
use crate::log::image::{self, Image};
use crate::sys::{self, exec, RawFd};

/// What an exec needs.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Need {
    /// Nothing: the preload sees the new image (or it is not a program).
    Nothing,
    /// The tracer: the preload cannot see it.
    Trace,
    /// It needs the tracer but would gain privilege: left untraced, with a warning.
    Privileged,
}

/// The socket of the tracer to ask, when there is one and this thread is not traced yet.
/// Cheap: the environment was read at load; the PR_GET_SECCOMP check is one syscall, made
/// only under `netshim run`'s subtree tracing.
pub fn tracer() -> Option<&'static [u8]> {
    let path = sys::env::var(b"NETSHIM_TRACER").filter(|p| !p.is_empty())?;
    (!sys::seccomp::in_filter()).then_some(path)
}

/// Asks the tracer at `socket` to trace this thread's next exec when `need` says so
/// (`name`: the image, for the tracer's warning about a privileged one). Returns once the
/// filter is installed, or the tracer refused or could not be reached (then the exec goes
/// on untraced, as without netshim).
pub fn before_exec(socket: &[u8], need: Need, name: &[u8]) -> Answer {
    let kind = match need {
        Need::Nothing => return Answer::Refused,
        Need::Trace => attach::TRACE,
        Need::Privileged => attach::PRIVILEGED,
    };
    attach::ask(socket, sys::process::gettid(), kind, name)
}

/// What an exec of the opened image `fd` needs. `readable`: `fd` was opened for reading
/// (else O_PATH: an image that may be executed but not read, which is traced unread);
/// `preloaded`: the environment it gets still names netshim in LD_PRELOAD. Nothing is asked
/// for an image the exec would refuse (not executable by this process, or on a noexec
/// mount): a failed exec must leave the process as it was.
pub fn need(fd: RawFd, readable: bool, preloaded: bool) -> Need {
    if !runnable(fd) {
        return Need::Nothing;
    }
    if !readable {
        return privileged(fd, Need::Trace);
    }
    let mut head = [0u8; image::PAGE];
    let n = exec::read_head(fd, &mut head);
    let need = match classify(&head[..n]) {
        Some(Image::Script(interpreter)) => {
            let Some((ifd, ireadable)) = open_interpreter(interpreter) else {
                return Need::Nothing; // the exec fails as it would anyway
            };
            if !ireadable {
                let need = privileged(ifd, Need::Trace);
                let _ = sys::fs::close(ifd);
                return need;
            }
            let mut ihead = [0u8; image::PAGE];
            let n = exec::read_head(ifd, &mut ihead);
            let need = match classify(&ihead[..n]) {
                // The kernel follows nested interpreters too; one level is read here and
                // deeper ones count as dynamic programs, whose own exec hooks decide.
                Some(Image::Script(_)) | Some(Image::Dynamic) => dynamic(preloaded),
                Some(Image::Other) => Need::Nothing,
                _ => Need::Trace,
            };
            // A script's own set-uid bit is ignored by Linux; its interpreter's is not.
            let need = privileged(ifd, need);
            let _ = sys::fs::close(ifd);
            return need;
        }
        Some(Image::Other) => return Need::Nothing,
        Some(Image::Dynamic) => dynamic(preloaded),
        // Static, Go, unsure, or not this machine's kind of ELF.
        _ => Need::Trace,
    };
    privileged(fd, need)
}

/// Whether the exec of the file open at `fd` can succeed as far as its permissions and
/// mount go.
fn runnable(fd: RawFd) -> bool {
    let mut path = [0u8; 32];
    let n = exec::proc_fd_path(fd, &mut path);
    exec::executable(&path[..n])
}

/// Opens a `#!` line's interpreter for the checks (the kernel reads at most 255 bytes of
/// the line).
fn open_interpreter(path: &[u8]) -> Option<(RawFd, bool)> {
    let mut z = [0u8; 256];
    if path.is_empty() || path.len() >= z.len() || path.contains(&0) {
        return None;
    }
    z[..path.len()].copy_from_slice(path);
    exec::open_path_for_check(&z[..=path.len()])
}

fn dynamic(preloaded: bool) -> Need {
    if preloaded {
        Need::Nothing
    } else {
        Need::Trace
    }
}

/// An image that would gain privilege is never traced (Privileged: the tracer warns), whether
/// or not it needs the tracer: a dynamic one is not preloaded either (the loader ignores
/// LD_PRELOAD paths in a secure exec), so its connects are not seen by either path.
fn privileged(fd: RawFd, need: Need) -> Need {
    if need == Need::Privileged {
        return need;
    }
    let mut path = [0u8; 32];
    let n = exec::proc_fd_path(fd, &mut path);
    let (euid, egid) = exec::effective_ids();
    match exec::privilege(fd, &path[..n]) {
        Ok(p) if p.gains(euid, egid) => Need::Privileged,
        _ => need,
    }
}

/// The image's kind, with ELF files of another word size or machine as None (the preload,
/// built for this one, cannot load into them).
fn classify(head: &[u8]) -> Option<Image<'_>> {
    let kind = image::classify(head);
    if matches!(kind, Image::Dynamic | Image::Static | Image::Go) && !native(head) {
        return None;
    }
    Some(kind)
}

fn native(head: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    const MACHINE: u16 = 62; // EM_X86_64
    #[cfg(target_arch = "aarch64")]
    const MACHINE: u16 = 183; // EM_AARCH64
    let wide = head.get(4) == Some(&2);
    let machine = head.get(18..20).map(|m| u16::from_le_bytes([m[0], m[1]]));
    wide && head.get(5) == Some(&1) && machine == Some(MACHINE)
}

/// Whether an environment's LD_PRELOAD entry names netshim: the entry `LD_PRELOAD=…` as
/// bytes, split as the dynamic loader splits it (spaces and colons).
pub fn preloads_netshim(entry: &[u8]) -> bool {
    let Some(value) = entry.strip_prefix(b"LD_PRELOAD=") else {
        return false;
    };
    value.split(|&b| b == b' ' || b == b':').any(|lib| {
        let name = lib.rsplit(|&b| b == b'/').next().unwrap_or(lib);
        name.starts_with(b"libnetshim.so")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ld_preload_is_split_as_the_loader_splits_it() {
        assert!(preloads_netshim(b"LD_PRELOAD=/x/libnetshim.so"));
        assert!(preloads_netshim(
            b"LD_PRELOAD=/a/liba.so:/usr/lib/libnetshim.so.0 /b.so"
        ));
        assert!(!preloads_netshim(b"LD_PRELOAD="));
        assert!(!preloads_netshim(b"LD_PRELOAD=/x/libother.so"));
        assert!(!preloads_netshim(b"LD_LIBRARY_PATH=/x/libnetshim.so"));
    }

    fn elf64(machine: u16) -> [u8; 64] {
        let mut h = [0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = 1;
        h[18..20].copy_from_slice(&machine.to_le_bytes());
        h
    }

    #[test]
    fn only_this_machines_elf_is_native() {
        #[cfg(target_arch = "x86_64")]
        let (mine, other) = (62, 183);
        #[cfg(target_arch = "aarch64")]
        let (mine, other) = (183, 62);
        assert!(native(&elf64(mine)));
        assert!(!native(&elf64(other)));
        let mut narrow = elf64(mine);
        narrow[4] = 1;
        assert!(!native(&narrow));
    }

    #[test]
    fn images_and_their_needs() {
        use std::os::fd::IntoRawFd;
        let fd = |p: &str| std::fs::File::open(p).unwrap().into_raw_fd();
        // /bin/sh is dynamic: traced only where the environment drops the preload.
        assert_eq!(need(fd("/bin/sh"), true, true), Need::Nothing);
        assert_eq!(need(fd("/bin/sh"), true, false), Need::Trace);
        let dir = std::env::temp_dir().join(format!("netshim-subtree-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("s");
        use std::os::unix::fs::PermissionsExt;
        let exec = |p: &std::path::Path| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap()
        };
        std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
        exec(&script);
        assert_eq!(
            need(fd(script.to_str().unwrap()), true, true),
            Need::Nothing
        );
        std::fs::write(&script, "#!/nonexistent/interpreter\n").unwrap();
        assert_eq!(
            need(fd(script.to_str().unwrap()), true, false),
            Need::Nothing
        );
        std::fs::write(&script, "plain text").unwrap();
        assert_eq!(
            need(fd(script.to_str().unwrap()), true, false),
            Need::Nothing
        );
        // An ELF of another machine: traced (the preload cannot load into it)...
        std::fs::write(&script, elf64(1)).unwrap();
        assert_eq!(need(fd(script.to_str().unwrap()), true, true), Need::Trace);
        // ...but not when the exec would fail: a file without an x bit.
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(
            need(fd(script.to_str().unwrap()), true, true),
            Need::Nothing
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
