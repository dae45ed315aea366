//! A small lock for the resolver's configuration cache. Critical sections are a pointer
//! swap or a reference-count increment, so a spin with `sched_yield` is enough; the
//! connect path never takes it (it must stay async-signal-safe). A lock inherited through
//! fork() from a thread that does not exist in the child is recognised (sys::fork) and
//! taken over, so a child never hangs in getaddrinfo.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, Ordering};

pub struct SpinLock<T> {
    /// 0: free; otherwise the fork epoch in which it was taken.
    locked: AtomicU32,
    value: UnsafeCell<T>,
}

// SAFETY: access to `value` is serialised by `locked` (acquire on lock, release on unlock).
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    pub const fn new(value: T) -> Self {
        SpinLock {
            locked: AtomicU32::new(0),
            value: UnsafeCell::new(value),
        }
    }

    /// Runs `f` with exclusive access. Keep `f` short: no I/O, no allocation-heavy work.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let epoch = super::fork::epoch();
        let mut spins = 0u32;
        while let Err(held) =
            self.locked
                .compare_exchange_weak(0, epoch, Ordering::Acquire, Ordering::Relaxed)
        {
            // Taken before a fork, by a thread this process does not have: free in truth.
            if held != 0
                && held != epoch
                && self
                    .locked
                    .compare_exchange(held, epoch, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                break;
            }
            spins += 1;
            if spins % 64 == 0 {
                // SAFETY: sched_yield takes no arguments.
                unsafe { super::syscall!(libc::SYS_sched_yield) };
            } else {
                core::hint::spin_loop();
            }
        }
        // SAFETY: we hold the lock, so no other reference to `value` exists until release.
        let result = f(unsafe { &mut *self.value.get() });
        self.locked.store(0, Ordering::Release);
        result
    }
}
