//! The host's addresses, from one NETLINK_ROUTE RTM_GETADDR dump through netshim's own
//! syscalls, as glibc's __check_pf reads them (sysdeps/unix/sysv/linux/check_pf.c):
//! whether IPv4 and IPv6 are configured for AI_ADDRCONFIG (127.0.0.1 and ::1 do not
//! count; every other address does), and every address with its prefix length, flags and
//! interface, which the RFC 3484 sort needs.

use crate::sys::{self, Errno};
use alloc::vec::Vec;

/// One interface address; IPv4 addresses are stored v4-mapped, as glibc stores them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct InterfaceAddr {
    pub addr: [u8; 16],
    pub prefixlen: u8,
    /// IFA_F_DEPRECATED or IFA_F_OPTIMISTIC (glibc's in6ai_deprecated).
    pub deprecated: bool,
    /// IFA_F_HOMEADDRESS (glibc's in6ai_homeaddress).
    pub home: bool,
    pub index: u32,
}

#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Interfaces {
    pub ipv4: bool,
    pub ipv6: bool,
    /// Sorted by address, for the sort's lookups.
    pub addrs: Vec<InterfaceAddr>,
}

impl Interfaces {
    /// What glibc assumes when the netlink query fails: both families, no address details.
    fn unknown() -> Self {
        Interfaces {
            ipv4: true,
            ipv6: true,
            addrs: Vec::new(),
        }
    }

    pub fn find(&self, addr: &[u8; 16]) -> Option<&InterfaceAddr> {
        self.addrs
            .binary_search_by(|a| a.addr.cmp(addr))
            .ok()
            .and_then(|i| self.addrs.get(i))
    }
}

const NLMSG_HDRLEN: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
const IFADDRMSG_LEN: usize = 8;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_F_OPTIMISTIC: u8 = 0x04;
const IFA_F_HOMEADDRESS: u8 = 0x10;
const IFA_F_DEPRECATED: u8 = 0x20;
/// A dump of a host with thousands of addresses fits in far fewer reads; the bound only
/// stops a misbehaving kernel interface from keeping us forever.
const MAX_READS: usize = 4096;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// What one received buffer said.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Progress {
    More,
    Done,
    Failed,
}

/// Parses one buffer of a dump answering request `seq`: every RTM_NEWADDR is added to
/// `out`. Lengths are checked against the buffer; a message that lies ends the parse.
pub fn parse_dump(buf: &[u8], seq: u32, out: &mut Interfaces) -> Progress {
    let mut at = 0;
    while at + NLMSG_HDRLEN <= buf.len() {
        let (Some(len), Some(kind), Some(msg_seq)) =
            (u32_at(buf, at), u16_at(buf, at + 4), u32_at(buf, at + 8))
        else {
            return Progress::Failed;
        };
        let len = len as usize;
        let Some(msg) = buf.get(at..at + len).filter(|_| len >= NLMSG_HDRLEN) else {
            return Progress::Failed;
        };
        if msg_seq == seq {
            match kind {
                NLMSG_DONE => return Progress::Done,
                NLMSG_ERROR => return Progress::Failed,
                RTM_NEWADDR => add_address(&msg[NLMSG_HDRLEN..], out),
                _ => {}
            }
        }
        at += align4(len);
    }
    Progress::More
}

fn add_address(body: &[u8], out: &mut Interfaces) {
    let (Some(&family), Some(&prefixlen), Some(&flags), Some(index)) =
        (body.first(), body.get(1), body.get(2), u32_at(body, 4))
    else {
        return;
    };
    let addr_len = match family as i32 {
        libc::AF_INET => 4,
        libc::AF_INET6 => 16,
        _ => return,
    };
    // glibc takes IFA_ADDRESS as soon as it sees it, else the last IFA_LOCAL.
    let mut local = None;
    let mut address = None;
    let mut at = IFADDRMSG_LEN;
    while let (Some(rta_len), Some(rta_type)) = (u16_at(body, at), u16_at(body, at + 2)) {
        let rta_len = rta_len as usize;
        let Some(data) = body.get(at + 4..at + rta_len).filter(|_| rta_len >= 4) else {
            break;
        };
        match rta_type {
            IFA_LOCAL => local = Some(data),
            IFA_ADDRESS => {
                address = Some(data);
                break;
            }
            _ => {}
        }
        at += align4(rta_len);
    }
    let Some(data) = address.or(local).filter(|d| d.len() >= addr_len) else {
        return;
    };
    let mut mapped = [0u8; 16];
    if addr_len == 4 {
        mapped[10] = 0xff;
        mapped[11] = 0xff;
        mapped[12..].copy_from_slice(&data[..4]);
        out.ipv4 |= data[..4] != [127, 0, 0, 1];
    } else {
        mapped.copy_from_slice(&data[..16]);
        out.ipv6 |= mapped != core::net::Ipv6Addr::LOCALHOST.octets();
    }
    out.addrs.push(InterfaceAddr {
        addr: mapped,
        prefixlen,
        deprecated: flags & (IFA_F_DEPRECATED | IFA_F_OPTIMISTIC) != 0,
        home: flags & IFA_F_HOMEADDRESS != 0,
        index,
    });
}

/// Asks the kernel. On any failure, answers as glibc does: both families present.
pub fn query() -> Interfaces {
    match dump() {
        Ok(mut found) => {
            found.addrs.sort_by_key(|a| a.addr);
            found
        }
        Err(_) => Interfaces::unknown(),
    }
}

fn dump() -> Result<Interfaces, Errno> {
    // glibc's __check_pf sends its netlink request with the cancellable __sendto: a
    // cancellation point on every AI_ADDRCONFIG lookup (and before a sort), here too.
    sys::cancel::test()?;
    let fd = sys::net::socket(
        libc::AF_NETLINK,
        libc::SOCK_RAW | libc::SOCK_CLOEXEC,
        libc::NETLINK_ROUTE,
    )?;
    let result = dump_on(fd);
    let _ = sys::fs::close(fd);
    result
}

fn dump_on(fd: sys::RawFd) -> Result<Interfaces, Errno> {
    let mut kernel = [0u8; 12]; // struct sockaddr_nl: family, pad, pid 0 (the kernel), groups
    kernel[..2].copy_from_slice(&(libc::AF_NETLINK as u16).to_ne_bytes());
    sys::net::bind(fd, &kernel)?;
    let seq = (sys::time::monotonic() as u32) | 1;
    const REQUEST_LEN: usize = NLMSG_HDRLEN + IFADDRMSG_LEN;
    let mut request = [0u8; REQUEST_LEN];
    request[..4].copy_from_slice(&(REQUEST_LEN as u32).to_ne_bytes());
    request[4..6].copy_from_slice(&RTM_GETADDR.to_ne_bytes());
    request[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    request[8..12].copy_from_slice(&seq.to_ne_bytes());
    sys::net::sendto(fd, &request, 0, &kernel)?;
    let mut found = Interfaces::default();
    let mut buf = alloc::vec![0u8; 32 * 1024];
    for _ in 0..MAX_READS {
        let mut from = [0u8; 12];
        let (n, _) = match sys::net::recvfrom(fd, &mut buf, 0, &mut from) {
            Err(Errno::INTR) => continue,
            other => other?,
        };
        // Only the kernel (nl_pid 0) answers a dump; anything else is not ours.
        if u32_at(&from, 4) != Some(0) {
            continue;
        }
        match parse_dump(&buf[..n.min(buf.len())], seq, &mut found) {
            Progress::Done => return Ok(found),
            Progress::Failed => return Err(Errno::INVAL),
            Progress::More => {}
        }
    }
    Err(Errno::AGAIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rta(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&((4 + data.len()) as u16).to_ne_bytes());
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(data);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    fn newaddr(
        seq: u32,
        family: u8,
        prefixlen: u8,
        flags: u8,
        index: u32,
        attrs: &[Vec<u8>],
    ) -> Vec<u8> {
        let mut body = vec![family, prefixlen, flags, 0];
        body.extend_from_slice(&index.to_ne_bytes());
        for a in attrs {
            body.extend_from_slice(a);
        }
        msg(seq, RTM_NEWADDR, &body)
    }

    fn msg(seq: u32, kind: u16, body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&((NLMSG_HDRLEN + body.len()) as u32).to_ne_bytes());
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(&0u16.to_ne_bytes());
        v.extend_from_slice(&seq.to_ne_bytes());
        v.extend_from_slice(&0u32.to_ne_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn loopback_only_counts_as_neither_family() {
        let mut buf = newaddr(
            7,
            2,
            8,
            0x80,
            1,
            &[
                rta(IFA_ADDRESS, &[127, 0, 0, 1]),
                rta(IFA_LOCAL, &[127, 0, 0, 1]),
            ],
        );
        let mut v6 = [0u8; 16];
        v6[15] = 1;
        buf.extend(newaddr(7, 10, 128, 0x80, 1, &[rta(IFA_ADDRESS, &v6)]));
        buf.extend(msg(7, NLMSG_DONE, &[0; 4]));
        let mut out = Interfaces::default();
        assert_eq!(parse_dump(&buf, 7, &mut out), Progress::Done);
        assert!(!out.ipv4 && !out.ipv6);
        assert_eq!(out.addrs.len(), 2);
        assert_eq!(out.addrs[0].addr[10..], [0xff, 0xff, 127, 0, 0, 1]);
        assert_eq!(out.addrs[0].prefixlen, 8);
    }

    #[test]
    fn other_addresses_count_and_flags_are_kept() {
        let mut fe80 = [0u8; 16];
        fe80[0] = 0xfe;
        fe80[1] = 0x80;
        fe80[15] = 9;
        let mut buf = newaddr(1, 2, 8, 0, 1, &[rta(IFA_LOCAL, &[127, 0, 0, 2])]);
        buf.extend(newaddr(
            1,
            10,
            64,
            IFA_F_DEPRECATED,
            3,
            &[rta(IFA_ADDRESS, &fe80)],
        ));
        buf.extend(newaddr(2, 2, 24, 0, 4, &[rta(IFA_ADDRESS, &[10, 0, 0, 1])])); // other seq: ignored
        let mut out = Interfaces::default();
        assert_eq!(parse_dump(&buf, 1, &mut out), Progress::More);
        assert!(out.ipv4 && out.ipv6);
        assert_eq!(out.addrs.len(), 2);
        assert!(out.addrs[1].deprecated && out.addrs[1].index == 3);
    }

    #[test]
    fn hostile_buffers_never_panic() {
        let good = {
            let mut b = newaddr(5, 2, 8, 0, 1, &[rta(IFA_ADDRESS, &[10, 1, 2, 3])]);
            b.extend(msg(5, NLMSG_DONE, &[0; 4]));
            b
        };
        for cut in 0..good.len() {
            let mut out = Interfaces::default();
            let _ = parse_dump(&good[..cut], 5, &mut out);
        }
        // A length that points past the end, a zero length, an attribute longer than its message.
        for lie in [u32::MAX, 0, 3, 1000] {
            let mut b = good.clone();
            b[..4].copy_from_slice(&lie.to_ne_bytes());
            let mut out = Interfaces::default();
            assert_eq!(parse_dump(&b, 5, &mut out), Progress::Failed, "len {lie}");
        }
        let mut b = newaddr(5, 2, 8, 0, 1, &[rta(IFA_ADDRESS, &[10, 1, 2, 3])]);
        b[NLMSG_HDRLEN + IFADDRMSG_LEN..][..2].copy_from_slice(&200u16.to_ne_bytes());
        let mut out = Interfaces::default();
        let _ = parse_dump(&b, 5, &mut out);
        assert!(out.addrs.is_empty());
        let mut out = Interfaces::default();
        assert_eq!(
            parse_dump(&msg(5, NLMSG_ERROR, &[0; 4]), 5, &mut out),
            Progress::Failed
        );
    }
}
