//! Configuration files, parsed once and re-checked with one stat(2) per use: a file that
//! changes (size, mtime, inode) is parsed again, a file that does not costs one syscall.
//! Paths come from NETSHIM_* variables at process start, else the system's.

use crate::sys::{self, fs::FileId, sync::SpinLock};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use once_cell::race::OnceBox;

/// Configuration files larger than this are treated as unreadable rather than
/// exhausting memory (a 10,000-line hosts file is about 300 KiB).
const MAX_FILE: usize = 64 << 20;

/// One configuration file: where it is and its last parsed state.
pub struct ConfigFile<T> {
    variable: &'static [u8],
    default: &'static [u8],
    path: OnceBox<Vec<u8>>,
    state: SpinLock<Option<(Option<FileId>, Arc<T>)>>,
    /// Stat the file on every `every`-th use only (1: every use).
    every: u32,
    uses: AtomicU32,
}

impl<T> ConfigFile<T> {
    /// `default` is NUL-terminated; `variable` names the environment override. The file
    /// is stat-checked on every use.
    pub const fn new(variable: &'static [u8], default: &'static [u8]) -> Self {
        Self::checked_every(variable, default, 1)
    }

    /// Like `new`, for files that rarely change but are read on every lookup besides the
    /// one that matters (nsswitch.conf, host.conf): stat-checked on every `every`-th use,
    /// so that a hosts-file lookup costs one stat, not three.
    pub const fn checked_every(
        variable: &'static [u8],
        default: &'static [u8],
        every: u32,
    ) -> Self {
        ConfigFile {
            variable,
            default,
            path: OnceBox::new(),
            state: SpinLock::new(None),
            every,
            uses: AtomicU32::new(0),
        }
    }

    /// The NUL-terminated path in use.
    pub fn path(&self) -> &[u8] {
        self.path.get_or_init(|| {
            let mut p = match sys::env::var(self.variable) {
                Some(v) if !v.is_empty() => v.to_vec(),
                _ => return alloc::boxed::Box::new(self.default.to_vec()),
            };
            p.push(0);
            alloc::boxed::Box::new(p)
        })
    }

    /// Like `get`, but once a parsed value is `settled`, it is kept without checking the
    /// file again (gai.conf without `reload yes`).
    pub fn get_unless_settled(
        &self,
        parse: fn(Option<&[u8]>) -> T,
        settled: fn(&T) -> bool,
    ) -> Arc<T> {
        let kept = self.state.with(|state| match state {
            Some((_, value)) if settled(value) => Some(value.clone()),
            _ => None,
        });
        kept.unwrap_or_else(|| self.get(parse))
    }

    /// The parsed file, parsing it again only if it changed since the last call.
    /// `parse` receives None when the file is missing or unreadable.
    pub fn get(&self, parse: fn(Option<&[u8]>) -> T) -> Arc<T> {
        self.get_owned(|text| parse(text.as_deref()))
    }

    /// Like `get`, handing `parse` the file's bytes to keep (no copy of a large file).
    pub fn get_owned(&self, parse: impl FnOnce(Option<Vec<u8>>) -> T) -> Arc<T> {
        if self.every > 1 && self.uses.fetch_add(1, Ordering::Relaxed) % self.every != 0 {
            if let Some(value) = self
                .state
                .with(|state| state.as_ref().map(|(_, v)| v.clone()))
            {
                return value;
            }
        }
        let path = self.path();
        let id = sys::fs::stat(path).ok();
        let cached = self.state.with(|state| match state {
            Some((seen, value)) if *seen == id => Some(value.clone()),
            _ => None,
        });
        if let Some(value) = cached {
            return value;
        }
        // Parse outside the lock; two threads may both parse, and the last one wins.
        let read = id.map(|_| sys::fs::read_file(path, MAX_FILE));
        let transient = matches!(read, Some(Err(e)) if !is_lasting(e));
        let text = read.and_then(Result::ok);
        let value = Arc::new(parse(text));
        // A file that could not be read for want of a resource (EMFILE, ENFILE, …) is
        // read again next time: remembered as missing, it would stay missing after the
        // descriptors are back, until the file changed.
        if !transient {
            self.state.with(|state| *state = Some((id, value.clone())));
        }
        value
    }
}

/// Errors that come from the file system's contents and last until it changes: the file
/// is then treated as missing (and remembered so), as glibc's nss_database does for the
/// same list. Any other error is a resource running out, and passes.
fn is_lasting(e: sys::Errno) -> bool {
    [
        libc::EACCES,
        libc::EISDIR,
        libc::ELOOP,
        libc::ENOENT,
        libc::ENOTDIR,
        libc::EPERM,
        libc::ENOMEM, // read_file's answer for a file over MAX_FILE
    ]
    .contains(&e.raw())
}
