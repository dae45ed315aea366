/* The tripwire: preloaded after netshim, it wraps the C library's I/O entry points and
 * aborts the process when one of them is called from inside the guarded library
 * (TRIPWIRE_GUARD, default "libnetshim"). netshim must reach the kernel through its own
 * syscalls only; a call that lands here from netshim proves otherwise. Calls from anyone
 * else are forwarded to the next definition unchanged. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int from_guarded(void *caller, const char *fn)
{
    const char *guard = getenv("TRIPWIRE_GUARD");
    Dl_info info;
    if (!guard)
        guard = "libnetshim";
    if (!dladdr(caller, &info) || !info.dli_fname || !strstr(info.dli_fname, guard))
        return 0;
    /* Report with a raw syscall: our own write() wrapper is what we are guarding. */
    char msg[256];
    size_t n = 0;
    const char *parts[] = {"tripwire: ", fn, "() called from ", info.dli_fname, "\n"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        for (const char *p = parts[i]; *p && n < sizeof msg; p++)
            msg[n++] = *p;
    syscall(SYS_write, 2, msg, n);
    abort();
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))
#define GUARD(name) (void)from_guarded(__builtin_return_address(0), #name)

int socket(int d, int t, int p) { GUARD(socket); return NEXT(socket)(d, t, p); }
int connect(int fd, const struct sockaddr *a, socklen_t l) { GUARD(connect); return NEXT(connect)(fd, a, l); }
ssize_t sendto(int fd, const void *b, size_t n, int f, const struct sockaddr *a, socklen_t l)
{ GUARD(sendto); return NEXT(sendto)(fd, b, n, f, a, l); }
ssize_t recvfrom(int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l)
{ GUARD(recvfrom); return NEXT(recvfrom)(fd, b, n, f, a, l); }
ssize_t sendmsg(int fd, const struct msghdr *m, int f) { GUARD(sendmsg); return NEXT(sendmsg)(fd, m, f); }
ssize_t recvmsg(int fd, struct msghdr *m, int f) { GUARD(recvmsg); return NEXT(recvmsg)(fd, m, f); }
int sendmmsg(int fd, struct mmsghdr *m, unsigned int n, int f) { GUARD(sendmmsg); return NEXT(sendmmsg)(fd, m, n, f); }
int poll(struct pollfd *p, nfds_t n, int t) { GUARD(poll); return NEXT(poll)(p, n, t); }
int ppoll(struct pollfd *p, nfds_t n, const struct timespec *t, const sigset_t *s)
{ GUARD(ppoll); return NEXT(ppoll)(p, n, t, s); }
ssize_t read(int fd, void *b, size_t n) { GUARD(read); return NEXT(read)(fd, b, n); }
ssize_t write(int fd, const void *b, size_t n) { GUARD(write); return NEXT(write)(fd, b, n); }
int close(int fd) { GUARD(close); return NEXT(close)(fd); }
int getrandom(void *b, size_t n, unsigned f);
int getrandom(void *b, size_t n, unsigned f) { GUARD(getrandom); return NEXT(getrandom)(b, n, f); }

/* open/openat and their 64-bit aliases take an optional mode. */
#define OPEN_WRAPPER(name, ...)                                                            \
    int name(__VA_ARGS__, int flags, ...)                                                  \
    {                                                                                      \
        va_list ap;                                                                        \
        va_start(ap, flags);                                                               \
        mode_t mode = (mode_t)va_arg(ap, int);                                             \
        va_end(ap);                                                                        \
        GUARD(name);
OPEN_WRAPPER(open, const char *path) return NEXT(open)(path, flags, mode); }
OPEN_WRAPPER(open64, const char *path) return NEXT(open64)(path, flags, mode); }
OPEN_WRAPPER(openat, int dirfd, const char *path) return NEXT(openat)(dirfd, path, flags, mode); }
OPEN_WRAPPER(openat64, int dirfd, const char *path) return NEXT(openat64)(dirfd, path, flags, mode); }

long syscall(long nr, ...)
{
    va_list ap;
    long a[6];
    va_start(ap, nr);
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    GUARD(syscall);
    return NEXT(syscall)(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
