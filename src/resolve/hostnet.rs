//! The host's addresses (the RFC 3484 sort's and AI_ADDRCONFIG's netlink dump) and the
//! kernel's source address for each destination (the sort's UDP probes), kept across
//! lookups and dropped the moment they may have changed.
//!
//! "May have changed" is the kernel's word, not a timer's: a NETLINK_ROUTE socket bound to
//! the link, address, route and rule groups of both families receives a message for every
//! change that can move an address or a route, and each lookup first reads it without
//! blocking. Any message, an overflow (ENOBUFS) or an error drops the cache; silence keeps
//! it. A lookup costs two syscalls (the identity check and the empty read) instead of the
//! dump and the probes (about 14).
//!
//! The socket stays open between lookups, so it must survive what programs do to
//! descriptors: before each read, fstat proves the number still names that socket (a
//! close_range or dup2 may have given it to the program's own file or socket, which must
//! never be read); a process that forked (sys::fork's epoch) opens its own, as the parent's
//! queue is not the child's. Without netlink (a seccomp filter, no permission) nothing is
//! cached and every lookup asks the kernel as before.

use super::addrconfig::{self, Interfaces};
use super::Address;
use crate::sys::{self, fs::FileId, sync::SpinLock, Errno, RawFd};
use alloc::sync::Arc;
use alloc::vec::Vec;

/// rtnetlink multicast groups (linux/rtnetlink.h, RTMGRP_* = 1 << (RTNLGRP_* - 1)): links,
/// addresses, routes and rules of both families, and IPv6 prefixes.
const GROUPS: u32 = 0x1 // RTMGRP_LINK
    | 0x10 // RTMGRP_IPV4_IFADDR
    | 0x40 // RTMGRP_IPV4_ROUTE
    | 0x80 // RTMGRP_IPV4_RULE
    | 0x100 // RTMGRP_IPV6_IFADDR
    | 0x400 // RTMGRP_IPV6_ROUTE
    | 0x2_0000 // RTMGRP_IPV6_PREFIX
    | 0x4_0000; // 1 << (RTNLGRP_IPV6_RULE - 1)
/// Sources remembered: more destinations than one answer has (musl's MAXADDRS is 48).
const MAX_SOURCES: usize = 64;
/// Reads per check: a burst of changes longer than this simply drops the cache again on
/// the next lookup.
const MAX_DRAIN: usize = 16;

struct Watch {
    fd: RawFd,
    id: FileId,
    epoch: u32,
}

struct Cache {
    watch: Option<Watch>,
    /// Bumped whenever the cache is dropped: a dump or probe begun before a change is not
    /// stored after it.
    generation: u64,
    interfaces: Option<Arc<Interfaces>>,
    sources: Vec<(Address, Option<Address>)>,
}

static CACHE: SpinLock<Cache> = SpinLock::new(Cache {
    watch: None,
    generation: 0,
    interfaces: None,
    sources: Vec::new(),
});

impl Cache {
    fn drop_all(&mut self) {
        self.generation += 1;
        self.interfaces = None;
        self.sources.clear();
    }

    /// Makes the cache trustworthy: true if it may be used (the watch is live and silent,
    /// or was just opened on an emptied cache), false if there is no watch.
    fn check(&mut self) -> bool {
        let epoch = sys::fork::epoch();
        if let Some(w) = &self.watch {
            let ours = sys::fs::fstat(w.fd).is_ok_and(|id| id == w.id);
            if ours && w.epoch == epoch {
                if drain(w.fd) {
                    self.drop_all();
                }
                return true;
            }
            if ours {
                // Forked: this is the parent's socket, inherited. The child needs its own.
                let _ = sys::fs::close(w.fd);
            }
            // Not ours any more (closed, or the number reused): never touch it again.
            self.watch = None;
        }
        self.drop_all();
        self.watch = open(epoch).ok();
        self.watch.is_some()
    }
}

/// Reads every queued message without blocking; true if there was any (or the queue
/// overflowed, or a read failed): the host's network may have changed. A burst of changes
/// is read in one check, so it drops the cache once.
fn drain(fd: RawFd) -> bool {
    let mut buf = [0u8; 2048];
    let mut from = [0u8; 12];
    let mut changed = false;
    for _ in 0..MAX_DRAIN {
        match sys::net::recvfrom(fd, &mut buf, libc::MSG_DONTWAIT, &mut from) {
            Err(Errno::AGAIN) => return changed,
            Err(Errno::INTR) => continue,
            // A message, an overflow (ENOBUFS) or another error.
            Ok(_) | Err(_) => changed = true,
        }
    }
    true
}

fn open(epoch: u32) -> Result<Watch, Errno> {
    let fd = sys::net::socket(
        libc::AF_NETLINK,
        libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
        libc::NETLINK_ROUTE,
    )?;
    // struct sockaddr_nl: family, pad, pid 0 (the kernel picks a port), groups.
    let mut addr = [0u8; 12];
    addr[..2].copy_from_slice(&(libc::AF_NETLINK as u16).to_ne_bytes());
    addr[8..].copy_from_slice(&GROUPS.to_ne_bytes());
    let id = sys::net::bind(fd, &addr).and_then(|()| sys::fs::fstat(fd));
    match id {
        Ok(id) => Ok(Watch { fd, id, epoch }),
        Err(e) => {
            let _ = sys::fs::close(fd);
            Err(e)
        }
    }
}

/// One getaddrinfo call's view of the cache: checked once (on first use), then read and
/// filled without syscalls.
#[derive(Default)]
pub struct HostNet {
    /// (generation, watch live), once checked.
    checked: Option<(u64, bool)>,
    interfaces: Option<Arc<Interfaces>>,
}

impl HostNet {
    fn view(&mut self) -> (u64, bool) {
        *self.checked.get_or_insert_with(|| {
            CACHE.with(|c| {
                let live = c.check();
                (c.generation, live)
            })
        })
    }

    /// The host's addresses: cached, or dumped now (and cached if nothing changed since
    /// this call's check).
    pub fn interfaces(&mut self) -> Arc<Interfaces> {
        if let Some(known) = &self.interfaces {
            return known.clone();
        }
        // glibc's __check_pf is a cancellation point (its netlink __sendto) on every call,
        // so a cached answer still is one (a pending cancel acts; the dump would test too).
        let _ = sys::cancel::test();
        let (generation, live) = self.view();
        let cached = CACHE.with(|c| c.interfaces.clone().filter(|_| c.generation == generation));
        let found = cached.unwrap_or_else(|| {
            let fresh = Arc::new(addrconfig::query());
            if live {
                CACHE.with(|c| {
                    if c.generation == generation {
                        c.interfaces = Some(fresh.clone());
                    }
                });
            }
            fresh
        });
        self.interfaces = Some(found.clone());
        found
    }

    /// The interfaces this call already has, if any (no syscall).
    pub fn known_interfaces(&self) -> Option<Arc<Interfaces>> {
        self.interfaces.clone()
    }

    /// A remembered source for `dest`: Some(answer) if one is cached.
    pub fn source(&mut self, dest: &Address) -> Option<Option<Address>> {
        let (generation, live) = self.view();
        if !live {
            return None;
        }
        CACHE.with(|c| {
            if c.generation != generation {
                return None;
            }
            c.sources.iter().find(|(d, _)| d == dest).map(|&(_, s)| s)
        })
    }

    /// Remembers the kernel's source for `dest` (None: unreachable).
    pub fn remember(&mut self, dest: Address, source: Option<Address>) {
        let (generation, live) = self.view();
        if !live {
            return;
        }
        CACHE.with(|c| {
            if c.generation != generation || c.sources.iter().any(|(d, _)| *d == dest) {
                return;
            }
            if c.sources.len() >= MAX_SOURCES {
                c.sources.remove(0);
            }
            c.sources.reserve_exact(MAX_SOURCES - c.sources.len()); // once: one allocation
            c.sources.push((dest, source));
        });
    }
}
