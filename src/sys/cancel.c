/* Cancellation points for netshim, as glibc 2.36 makes them (sysdeps/unix/sysdep.h,
 * SYSCALL_CANCEL): the thread is switched to asynchronous cancellation around the one
 * blocking syscall, so that pthread_cancel's SIGCANCEL (or a cancel already pending when
 * the switch is made) acts there. See src/sys/cancel.rs for the design and why it is sound.
 *
 * The difference from glibc is where the cancellation goes when it acts. glibc's forced
 * unwind would run on through netshim's Rust frames, which must not be unwound while they
 * own memory, sockets or a lock. So each cancellation point registers an unwind buffer
 * exactly as pthread_cleanup_push does (<pthread.h>, the C variant of the macro): glibc's
 * unwinder stops at it and longjmps here. Instead of continuing the unwind at once, the
 * point returns -ECANCELED; the Rust caller returns normally (every value dropped, every
 * socket closed) and the exported function passes the cancellation on with
 * netshim_cancel_resume() = pthread_exit(PTHREAD_CANCELED), which is what glibc's own
 * cancellation does once it has acted (nptl/pthread_exit.c and __do_cancel are the same
 * code). Only frames with nothing left to drop are then unwound.
 *
 * Nothing here allocates, locks or calls stdio: connect() stays async-signal-safe. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h> /* pthread.h declares __sigsetjmp_cancel, the macros' own alias of __sigsetjmp */

#define HIDDEN __attribute__((visibility("hidden")))

/* Set in a thread once a cancellation has acted inside netshim and until it is passed on.
 * Later cancellation points of the same lookup then return at once: glibc has marked the
 * thread EXITING and would never interrupt them, so a wait would last its whole timeout.
 * initial-exec: no __tls_get_addr import, and static TLS is there for a preloaded or
 * linked library (glibc keeps a surplus for the rare dlopen). */
static __thread int acted __attribute__((tls_model("initial-exec")));
/* How many threads have `acted` set: the common check (Rust's `acted()`) is one relaxed
 * load of it, inline. */
HIDDEN unsigned int netshim_cancel_acting;

static inline long raw_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc 0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory", "cc");
    return x0;
#else
#error "netshim's cancellation points know x86_64 and aarch64 only"
#endif
}

static void note_acted(void)
{
    acted = 1;
    __atomic_fetch_add(&netshim_cancel_acting, 1, __ATOMIC_RELAXED);
}

/* Syscall `n` as a cancellation point (n < 0: the point alone, as pthread_testcancel).
 * Returns the kernel's result (-errno on failure), or -ECANCELED when the thread's
 * cancellation acted: pending at entry (and enabled), or requested while the syscall
 * blocked. errno is never touched. */
static inline long point(long n, long a, long b, long c, long d, long e, long f)
{
    __pthread_unwind_buf_t buf;
    if (__builtin_expect(__sigsetjmp_cancel(buf.__cancel_jmp_buf, 0), 0)) {
        /* glibc's unwinder reached this frame: the cancellation acted. The thread is
         * marked EXITING (no second cancellation can act) and SIGCANCEL stays blocked if
         * it came by signal, as on glibc's own path to the thread's exit. */
        __pthread_unregister_cancel(&buf);
        note_acted();
        return -ECANCELED;
    }
    __pthread_register_cancel(&buf);
    int type;
    /* Acts at once on a pending cancel (nptl/pthread_setcanceltype.c), as glibc's
     * __pthread_enable_asynccancel does at a cancellation point's entry. */
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &type);
    long ret = n < 0 ? 0 : raw_syscall6(n, a, b, c, d, e, f);
    if (type != PTHREAD_CANCEL_ASYNCHRONOUS)
        pthread_setcanceltype(type, &type);
    __pthread_unregister_cancel(&buf);
    return ret;
}

/* The resolver's points: once the lookup's cancellation acted, each returns -ECANCELED
 * without a syscall, so the lookup unwinds without sending or waiting for anything. */
HIDDEN long netshim_cancel_syscall(long n, long a, long b, long c, long d, long e, long f)
{
    if (acted)
        return -ECANCELED;
    return point(n, a, b, c, d, e, f);
}

/* The program's connect. Called while a cancelled lookup of the thread is being cleaned
 * up (from a signal handler, then), it is a plain syscall: glibc's thread is EXITING by
 * then, and its connect is no cancellation point any more. */
HIDDEN long netshim_cancel_syscall_export(long n, long a, long b, long c, long d, long e, long f)
{
    if (acted)
        return raw_syscall6(n, a, b, c, d, e, f);
    return point(n, a, b, c, d, e, f);
}

/* Whether a cancellation acted in this thread and has not been passed on yet (asked only
 * when netshim_cancel_acting is not 0). */
HIDDEN int netshim_cancel_acted(void)
{
    return acted;
}

/* Passes on the cancellation that acted: unwinds the caller's frames (which own nothing
 * by then) and the program's, running its cleanup handlers, and ends the thread with
 * PTHREAD_CANCELED, as glibc's cancellation would have. */
HIDDEN __attribute__((noreturn)) void netshim_cancel_resume(void)
{
    acted = 0;
    __atomic_fetch_sub(&netshim_cancel_acting, 1, __ATOMIC_RELAXED);
    pthread_exit(PTHREAD_CANCELED);
}

/* For a call made with asynchronous cancellation enabled (undefined for getaddrinfo in
 * POSIX): deferred for the duration, so that a cancellation can only act at the
 * cancellation points above. Returns whether it was asynchronous (to be given back). */
HIDDEN int netshim_cancel_defer(void)
{
    int type;
    pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &type);
    return type == PTHREAD_CANCEL_ASYNCHRONOUS;
}

/* Gives the asynchronous type back (called only for it): acts on a cancel requested
 * meanwhile. */
HIDDEN void netshim_cancel_restore_async(void)
{
    int type;
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &type);
}
