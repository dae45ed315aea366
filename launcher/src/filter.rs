//! The seccomp filter a traced program runs under: a small classic-BPF program, written by
//! hand because no filter builder expresses it (seccompiler 0.5 kills syscalls of another
//! architecture; this filter must let them through so 32-bit programs run as they would).
//!
//! It stops (SECCOMP_RET_TRACE, with a rule number the tracer reads) only:
//! - `connect` without netshim's marker in argument 3, which the kernel ignores: the
//!   library's raw connect passes the marker (its own DNS and probe sockets, and the exported
//!   connect of a preloaded program, which logs it itself), so exactly one path logs it;
//! - `getsockopt(fd, SOL_SOCKET, SO_ERROR, …)` without the marker in argument 5: how event
//!   loops learn a non-blocking connect's outcome (`connect-done`);
//! - `sendto` with a destination address (argument 4 not NULL): a DNS query from an
//!   unconnected socket (musl's resolver) is seen this way;
//! - `io_uring_setup`, to warn that connects submitted through a ring are out of sight.
//!
//! Everything else, and every syscall of another architecture or of the x32 ABI, is allowed.

use libc::sock_filter;

/// The value netshim's library passes in an ignored argument register of its own connect and
/// getsockopt calls (src/sys/net.rs `TRACE_MARKER`): ASCII "netshim!".
pub const MARKER: u64 = 0x6e65_7473_6869_6d21;

/// What a stop is for: the low 16 bits of SECCOMP_RET_TRACE, read back with
/// PTRACE_GET_SYSCALL_INFO.
pub const RULE_CONNECT: u32 = 1;
pub const RULE_SO_ERROR: u32 = 2;
pub const RULE_SENDTO: u32 = 3;
pub const RULE_IO_URING: u32 = 4;

/// The rule a stopped syscall number was stopped by (the filter stops nothing else).
pub fn rule_of(nr: u64) -> Option<u32> {
    match u32::try_from(nr).ok()? {
        nr::CONNECT => Some(RULE_CONNECT),
        nr::GETSOCKOPT => Some(RULE_SO_ERROR),
        nr::SENDTO => Some(RULE_SENDTO),
        nr::IO_URING_SETUP => Some(RULE_IO_URING),
        _ => None,
    }
}

/// The architecture the tracer reads registers of.
#[cfg(target_arch = "x86_64")]
pub const AUDIT_ARCH: u32 = 0xc000_003e; // AUDIT_ARCH_X86_64
#[cfg(target_arch = "x86_64")]
const X32_SYSCALL_BIT: u32 = 0x4000_0000;
#[cfg(target_arch = "x86_64")]
mod nr {
    pub const CONNECT: u32 = 42;
    pub const SENDTO: u32 = 44;
    pub const GETSOCKOPT: u32 = 55;
    pub const IO_URING_SETUP: u32 = 425;
}
// aarch64: the filter compiles (and its tests run) with the right numbers, but the tracer
// does not run there yet (run.rs `can_trace`: skipping a syscall needs NT_ARM_SYSTEM_CALL).
#[cfg(target_arch = "aarch64")]
pub const AUDIT_ARCH: u32 = 0xc000_00b7; // AUDIT_ARCH_AARCH64
#[cfg(target_arch = "aarch64")]
const X32_SYSCALL_BIT: u32 = u32::MAX; // no x32 ABI: no number is that high
#[cfg(target_arch = "aarch64")]
mod nr {
    pub const CONNECT: u32 = 203;
    pub const SENDTO: u32 = 206;
    pub const GETSOCKOPT: u32 = 209;
    pub const IO_URING_SETUP: u32 = 425;
}

// struct seccomp_data: nr (u32), arch (u32), instruction_pointer (u64), args[6] (u64 each).
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
/// The low 32 bits of argument `i` (little-endian: the first word).
const fn arg_lo(i: u32) -> u32 {
    16 + 8 * i
}
const fn arg_hi(i: u32) -> u32 {
    16 + 8 * i + 4
}

const LD_ABS_W: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const JGE_K: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
const RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

/// Instructions with forward jumps to named labels, resolved once the program is laid out.
enum Op {
    Load(u32),
    /// Jump to the first label if A == k (JEQ) or A >= k (JGE), else to the second; None
    /// falls through.
    Jump(u16, u32, Option<&'static str>, Option<&'static str>),
    Ret(u32),
    Label(&'static str),
}

fn assemble(ops: &[Op]) -> Vec<sock_filter> {
    let mut at = std::collections::HashMap::new();
    let mut pc = 0usize;
    for op in ops {
        match op {
            Op::Label(name) => {
                at.insert(*name, pc);
            }
            _ => pc += 1,
        }
    }
    let mut out = Vec::with_capacity(pc);
    for op in ops {
        let here = out.len();
        // BPF jumps only forward: the offset counts from the next instruction.
        let offset = |label: &Option<&'static str>| -> u8 {
            label.map_or(0, |l| {
                let to = at[l];
                assert!(to > here, "backward jump to {l}");
                u8::try_from(to - here - 1).expect("jump within 255 instructions")
            })
        };
        let (code, jt, jf, k) = match op {
            Op::Label(_) => continue,
            Op::Load(off) => (LD_ABS_W, 0, 0, *off),
            Op::Jump(code, k, yes, no) => (*code, offset(yes), offset(no), *k),
            Op::Ret(k) => (RET_K, 0, 0, *k),
        };
        out.push(sock_filter { code, jt, jf, k });
    }
    out
}

fn trace(rule: u32) -> Op {
    Op::Ret(libc::SECCOMP_RET_TRACE | rule)
}

/// Jumps to `stop` unless the 64-bit argument `i` is the marker.
fn unless_marked(i: u32, stop: &'static str) -> [Op; 4] {
    let (lo, hi) = (MARKER as u32, (MARKER >> 32) as u32);
    [
        Op::Load(arg_lo(i)),
        Op::Jump(JEQ_K, lo, None, Some(stop)),
        Op::Load(arg_hi(i)),
        Op::Jump(JEQ_K, hi, Some("allow"), Some(stop)),
    ]
}

/// The filter program.
pub fn program() -> Vec<sock_filter> {
    use Op::*;
    let mut ops = vec![
        Load(OFF_ARCH),
        Jump(JEQ_K, AUDIT_ARCH, None, Some("allow")), // another ABI: not ours to read
        Load(OFF_NR),
        Jump(JGE_K, X32_SYSCALL_BIT, Some("allow"), None),
        Jump(JEQ_K, nr::CONNECT, Some("connect"), None),
        Jump(JEQ_K, nr::GETSOCKOPT, Some("getsockopt"), None),
        Jump(JEQ_K, nr::SENDTO, Some("sendto"), None),
        Jump(JEQ_K, nr::IO_URING_SETUP, Some("io_uring"), None),
        Jump(JEQ_K, 0, Some("allow"), Some("allow")),
        Label("connect"),
    ];
    ops.extend(unless_marked(3, "stop_connect"));
    ops.extend([
        Label("stop_connect"),
        trace(RULE_CONNECT),
        Label("getsockopt"),
        Load(arg_lo(1)),
        Jump(JEQ_K, libc::SOL_SOCKET as u32, None, Some("allow")),
        Load(arg_lo(2)),
        Jump(JEQ_K, libc::SO_ERROR as u32, None, Some("allow")),
    ]);
    ops.extend(unless_marked(5, "stop_so_error"));
    ops.extend([
        Label("stop_so_error"),
        trace(RULE_SO_ERROR),
        Label("sendto"),
        Load(arg_lo(4)),
        Jump(JEQ_K, 0, None, Some("stop_sendto")),
        Load(arg_hi(4)),
        Jump(JEQ_K, 0, Some("allow"), Some("stop_sendto")),
        Label("stop_sendto"),
        trace(RULE_SENDTO),
        Label("io_uring"),
        trace(RULE_IO_URING),
        Label("allow"),
        Ret(libc::SECCOMP_RET_ALLOW),
    ]);
    assemble(&ops)
}

/// What the kernel said when the filter could not be installed.
pub struct Refused(pub &'static str, pub std::io::Error);

/// Installs the filter in the calling process (a child between fork and exec). As root it
/// is installed without no_new_privs, so set-uid programs below keep their privilege; any
/// other user must set no_new_privs first (the kernel's rule for unprivileged filters).
pub fn install(program: &[sock_filter]) -> Result<(), Refused> {
    crate::sys::install_seccomp(program, nix::unistd::geteuid().is_root())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A classic-BPF interpreter for the four instructions the filter uses.
    fn run(prog: &[sock_filter], nr: u32, arch: u32, args: [u64; 6]) -> u32 {
        let mut data = [0u8; 64];
        data[0..4].copy_from_slice(&nr.to_le_bytes());
        data[4..8].copy_from_slice(&arch.to_le_bytes());
        for (i, a) in args.iter().enumerate() {
            data[16 + 8 * i..24 + 8 * i].copy_from_slice(&a.to_le_bytes());
        }
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let ins = prog[pc];
            pc += 1;
            match ins.code {
                LD_ABS_W => {
                    let k = ins.k as usize;
                    acc = u32::from_le_bytes(data[k..k + 4].try_into().unwrap());
                }
                JEQ_K | JGE_K => {
                    let yes = if ins.code == JEQ_K {
                        acc == ins.k
                    } else {
                        acc >= ins.k
                    };
                    pc += usize::from(if yes { ins.jt } else { ins.jf });
                }
                RET_K => return ins.k,
                other => panic!("unexpected opcode {other:#x}"),
            }
        }
    }

    const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;
    const fn stop(rule: u32) -> u32 {
        libc::SECCOMP_RET_TRACE | rule
    }

    #[test]
    fn the_marker_is_the_librarys() {
        let net = include_str!("../../src/sys/net.rs");
        assert!(net.contains(&format!(
            "pub const TRACE_MARKER: u64 = 0x{:04x}_{:04x}_{:04x}_{:04x};",
            MARKER >> 48,
            (MARKER >> 32) & 0xffff,
            (MARKER >> 16) & 0xffff,
            MARKER & 0xffff
        )));
    }

    #[test]
    fn stops_only_what_the_tracer_needs() {
        let p = program();
        assert!(p.len() < 64);
        let a = AUDIT_ARCH;
        let sol = libc::SOL_SOCKET as u64;
        let so_error = libc::SO_ERROR as u64;
        for (nr, arch, args, want) in [
            (nr::CONNECT, a, [3, 0x1000, 16, 0, 0, 0], stop(RULE_CONNECT)),
            (nr::CONNECT, a, [3, 0x1000, 16, MARKER, 0, 0], ALLOW),
            // half a marker is no marker
            (
                nr::CONNECT,
                a,
                [3, 0, 16, MARKER & 0xffff_ffff, 0, 0],
                stop(RULE_CONNECT),
            ),
            (
                nr::CONNECT,
                a,
                [3, 0, 16, MARKER << 32, 0, 0],
                stop(RULE_CONNECT),
            ),
            (
                nr::GETSOCKOPT,
                a,
                [3, sol, so_error, 1, 2, 0],
                stop(RULE_SO_ERROR),
            ),
            (nr::GETSOCKOPT, a, [3, sol, so_error, 1, 2, MARKER], ALLOW),
            (
                nr::GETSOCKOPT,
                a,
                [3, sol, libc::SO_TYPE as u64, 1, 2, 0],
                ALLOW,
            ),
            (nr::GETSOCKOPT, a, [3, 6, so_error, 1, 2, 0], ALLOW),
            (nr::SENDTO, a, [3, 1, 2, 0, 0, 0], ALLOW),
            (
                nr::SENDTO,
                a,
                [3, 1, 2, 0, 0x7fff_0000_0000, 16],
                stop(RULE_SENDTO),
            ),
            (nr::SENDTO, a, [3, 1, 2, 0, 8, 16], stop(RULE_SENDTO)),
            (nr::IO_URING_SETUP, a, [0; 6], stop(RULE_IO_URING)),
            (1, a, [1, 2, 3, 0, 0, 0], ALLOW), // write
            (0, a, [0; 6], ALLOW),             // read
            // x32 and foreign architectures (i386: AUDIT_ARCH_I386) run untouched
            (nr::CONNECT | X32_SYSCALL_BIT, a, [0; 6], ALLOW),
            (102, 0x4000_0003, [0; 6], ALLOW), // i386 socketcall
            (nr::CONNECT, 0x4000_0003, [0; 6], ALLOW),
        ] {
            assert_eq!(
                run(&p, nr, arch, args),
                want,
                "nr {nr} arch {arch:#x} {args:x?}"
            );
        }
    }
}
