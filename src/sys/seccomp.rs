//! What a preloaded process needs to put itself under the `netshim run` tracer's filter
//! just before an exec (log/subtree.rs): whether it already is under a filter, and
//! no_new_privs + the filter the tracer sent.

use super::{decode, decode_unit, syscall, Errno};

/// The most instructions accepted from the tracer (the launcher's filter has fewer than 64).
pub const MAX_INSNS: usize = 256;

/// Whether this thread runs under a seccomp filter (PR_GET_SECCOMP answers 2): then it is
/// inside a traced subtree already and its exec needs no request.
pub fn in_filter() -> bool {
    // SAFETY: PR_GET_SECCOMP takes no pointer.
    decode(unsafe { syscall!(libc::SYS_prctl, libc::PR_GET_SECCOMP, 0, 0, 0, 0) }) == Ok(2)
}

/// Sets no_new_privs and installs a classic-BPF program given as the kernel's
/// `struct sock_filter` array in bytes (8 per instruction, native byte order), as the
/// tracer sends it. The bytes are copied to an aligned array first.
pub fn install(program: &[u8]) -> Result<(), Errno> {
    let n = program.len() / 8;
    if program.len() % 8 != 0 || n == 0 || n > MAX_INSNS {
        return Err(Errno::INVAL);
    }
    let mut insns = [libc::sock_filter {
        code: 0,
        jt: 0,
        jf: 0,
        k: 0,
    }; MAX_INSNS];
    for (ins, b) in insns.iter_mut().zip(program.chunks_exact(8)) {
        *ins = libc::sock_filter {
            code: u16::from_ne_bytes([b[0], b[1]]),
            jt: b[2],
            jf: b[3],
            k: u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
        };
    }
    let prog = libc::sock_fprog {
        len: n as u16,
        filter: insns.as_mut_ptr(),
    };
    // SAFETY: PR_SET_NO_NEW_PRIVS takes no pointer.
    decode_unit(unsafe { syscall!(libc::SYS_prctl, libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) })?;
    // SAFETY: `prog` points at `n` initialised instructions that outlive the call; the
    // kernel copies them.
    decode_unit(unsafe {
        syscall!(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0,
            &prog as *const libc::sock_fprog
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(field: &str) -> String {
        std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix(field).map(|v| v.trim().to_string()))
            .unwrap()
    }

    #[test]
    fn a_forked_child_filters_itself_and_the_parent_stays_free() {
        // allow everything: BPF_RET|BPF_K SECCOMP_RET_ALLOW
        let mut allow = Vec::new();
        allow.extend(((libc::BPF_RET | libc::BPF_K) as u16).to_ne_bytes());
        allow.extend([0, 0]);
        allow.extend(libc::SECCOMP_RET_ALLOW.to_ne_bytes());
        assert_eq!(install(&allow[..7]), Err(Errno::INVAL));
        assert_eq!(install(&[]), Err(Errno::INVAL));
        // SAFETY: (test) the child only makes syscalls and exits.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let before = in_filter();
            let ok = install(&allow).is_ok();
            let code = if !before && ok && in_filter() && status("NoNewPrivs:") == "1" {
                0
            } else {
                1
            };
            // SAFETY: (test) _exit ends the forked child without running the harness.
            unsafe { libc::_exit(code) };
        }
        let mut st = 0;
        // SAFETY: (test) waits for the child just forked.
        assert_eq!(unsafe { libc::waitpid(pid, &mut st, 0) }, pid);
        assert!(
            libc::WIFEXITED(st) && libc::WEXITSTATUS(st) == 0,
            "child status {st}"
        );
        assert!(!in_filter());
        assert_eq!(status("Seccomp:"), "0");
    }
}
