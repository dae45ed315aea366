//! A small lock for the resolver's configuration cache. Critical sections are a pointer
//! swap or a reference-count increment, so a spin with `sched_yield` is enough; the
//! connect path never takes it (it must stay async-signal-safe).

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

pub struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: access to `value` is serialised by `locked` (acquire on lock, release on unlock).
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    pub const fn new(value: T) -> Self {
        SpinLock {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Runs `f` with exclusive access. Keep `f` short: no I/O, no allocation-heavy work.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut spins = 0u32;
        while self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
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
        self.locked.store(false, Ordering::Release);
        result
    }
}
