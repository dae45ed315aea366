/* pthread cancellation of connect() and getaddrinfo(), compared with glibc's.
 *   cancel CASE        prints one line that must be the same under glibc, netshim linked
 *                      and netshim preloaded (c-tests/run.sh compares them); exit 1 when a
 *                      bound of the case is broken.
 * Runs inside a private network namespace whose /etc/resolv.conf names 127.0.0.1 and
 * whose /etc/hosts is the fixture: the program itself holds a UDP socket on
 * 127.0.0.1:53 that never answers (a silent DNS server), and a TCP listener whose
 * backlog is full, so that a connect to it waits for a SYN that is dropped. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The bound the cancellation must meet, from pthread_cancel to pthread_join's return. */
#define CANCEL_BOUND_MS 100
/* A DNS name that is not in the fixture hosts file: it goes to the silent server. */
#define SILENT_NAME "silent.cancel.test"

static int failures;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "FAIL %s\n", what);
        failures++;
    }
}

static int is_netshim(void)
{
    Dl_info info;
    void *p;
    int (*g)(const char *, const char *, const struct addrinfo *, struct addrinfo **) = getaddrinfo;
    memcpy(&p, &g, sizeof p);
    return dladdr(p, &info) && info.dli_fname && strstr(info.dli_fname, "libnetshim");
}

/* --- the peers ------------------------------------------------------------------- */

static struct sockaddr_in listener_addr;
static int listener = -1;
static int fillers[8];
static int nfillers;

/* A listener with backlog 0 and its accept queue filled: a further SYN is dropped, so a
 * blocking connect to it waits (for minutes of SYN retries). */
static void full_listener(void)
{
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    listener_addr.sin_family = AF_INET;
    listener_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listener < 0 || bind(listener, (struct sockaddr *)&listener_addr, sizeof listener_addr) ||
        listen(listener, 0)) {
        perror("listener");
        exit(2);
    }
    socklen_t len = sizeof listener_addr;
    getsockname(listener, (struct sockaddr *)&listener_addr, &len);
    /* Connect until one no longer completes: the queue is full from then on. */
    for (nfillers = 0; nfillers < 8; nfillers++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        fillers[nfillers] = fd;
        connect(fd, (struct sockaddr *)&listener_addr, sizeof listener_addr);
        usleep(20000);
        int err = 0;
        socklen_t el = sizeof err;
        struct sockaddr_in peer;
        socklen_t pl = sizeof peer;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (getpeername(fd, (struct sockaddr *)&peer, &pl) != 0) {
            nfillers++;
            return;
        }
    }
}

/* Makes room in the listener's queue again, so that the next SYN retry of a waiting
 * connect gets through: the fillers are closed (one still sending SYNs would compete) and
 * whatever is queued is accepted and closed. */
static void drain_listener(void)
{
    for (int i = 0; i < nfillers; i++)
        close(fillers[i]);
    nfillers = 0;
    fcntl(listener, F_SETFL, O_NONBLOCK);
    for (int fd; (fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC)) >= 0;)
        close(fd);
}

/* A UDP socket on the namespace's port 53 that never answers. */
static void silent_dns(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a)) {
        perror("silent dns on 127.0.0.1:53");
        exit(2);
    }
}

/* --- the threads ------------------------------------------------------------------ */

enum call {
    CALL_CONNECT,
    CALL_CONNECT_OPEN,
    CALL_GAI_DNS,
    CALL_GAI_HOSTS,
    CALL_GAI_LOCALHOST,
    CALL_GAI_ADDRCONFIG,
    CALL_GNI_DNS,
    CALL_MATRIX_GAI,
    CALL_MATRIX_GNI
};

struct job {
    enum call call;
    const char *node; /* CALL_MATRIX_GAI / CALL_MATRIX_GNI: the request */
    int family, flags;
    int disable;  /* PTHREAD_CANCEL_DISABLE during the call */
    int pending;  /* the cancel is requested before the call */
    int async;    /* PTHREAD_CANCEL_ASYNCHRONOUS during the call */
    sem_t ready, go;
    pid_t tid;
    volatile int cleanup_ran, call_returned, rc, after_call_fd;
};

static void cleanup(void *arg)
{
    struct job *j = arg;
    j->cleanup_ran = 1;
}

static int do_call(struct job *j)
{
    switch (j->call) {
    case CALL_CONNECT:
    case CALL_CONNECT_OPEN: {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        j->after_call_fd = fd;
        return connect(fd, (struct sockaddr *)&listener_addr, sizeof listener_addr);
    }
    case CALL_MATRIX_GAI: {
        struct addrinfo hints = {.ai_family = j->family, .ai_flags = j->flags}, *res;
        int rc = getaddrinfo(j->node, j->node ? NULL : "80", &hints, &res);
        if (rc == 0)
            freeaddrinfo(res);
        return rc;
    }
    case CALL_MATRIX_GNI: {
        struct sockaddr_storage ss = {0};
        socklen_t len;
        if (strchr(j->node, ':')) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            a->sin6_family = AF_INET6;
            inet_pton(AF_INET6, j->node, &a->sin6_addr);
            len = sizeof *a;
        } else {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            a->sin_family = AF_INET;
            inet_pton(AF_INET, j->node, &a->sin_addr);
            len = sizeof *a;
        }
        char host[NI_MAXHOST], serv[NI_MAXSERV];
        return getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, serv, sizeof serv,
                           j->flags);
    }
    case CALL_GNI_DNS: {
        /* An address the hosts file does not have: its PTR query goes to the silent server. */
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(80)};
        inet_pton(AF_INET, "192.0.2.1", &a.sin_addr);
        char host[NI_MAXHOST];
        return getnameinfo((struct sockaddr *)&a, sizeof a, host, sizeof host, NULL, 0, NI_NAMEREQD);
    }
    case CALL_GAI_ADDRCONFIG: {
        /* A numeric name, but AI_ADDRCONFIG asks the kernel for the host's addresses:
         * glibc's netlink request is a cancellation point. */
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG}, *res;
        int rc = getaddrinfo("127.0.0.1", "80", &hints, &res);
        if (rc == 0)
            freeaddrinfo(res);
        return rc;
    }
    case CALL_GAI_DNS:
    case CALL_GAI_HOSTS:
    case CALL_GAI_LOCALHOST: {
        /* localhost has two addresses (::1, 127.0.0.1): glibc sorts them, and its first
         * source probe is a cancellation point. www.example.com has one. */
        struct addrinfo hints = {.ai_family = j->call == CALL_GAI_LOCALHOST ? AF_UNSPEC : AF_INET,
                                 .ai_socktype = SOCK_STREAM};
        struct addrinfo *res = NULL;
        const char *node = j->call == CALL_GAI_DNS ? SILENT_NAME
                           : j->call == CALL_GAI_HOSTS ? "www.example.com" : "localhost";
        int rc = getaddrinfo(node, "80", &hints, &res);
        if (rc == 0) {
            int old;
            pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &old);
            freeaddrinfo(res);
            pthread_setcanceltype(old, &old);
        }
        return rc;
    }
    }
    return -1;
}

static void *worker(void *arg)
{
    struct job *j = arg;
    int old;
    j->tid = (pid_t)syscall(SYS_gettid);
    if (j->pending || j->disable)
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
    pthread_cleanup_push(cleanup, j);
    sem_post(&j->ready);
    if (j->pending) {
        sem_wait(&j->go); /* the cancel has been requested by now */
        if (!j->disable)
            pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old); /* deferred: does not act */
    }
    if (j->async)
        pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old);
    j->rc = do_call(j);
    if (j->async)
        pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &old);
    j->call_returned = 1;
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
    pthread_testcancel();
    pthread_cleanup_pop(0);
    return NULL;
}

/* Waits until the thread is inside a blocking syscall of `nr` (or `nr2`), as its
 * /proc/…/syscall shows: then it is certainly waiting in connect or the DNS wait. */
static int wait_in_syscall(pid_t tid, long nr, long nr2)
{
    char path[64], buf[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
    for (int i = 0; i < 3000; i++) {
        FILE *f = fopen(path, "re");
        long got = -2;
        if (f) {
            if (fgets(buf, sizeof buf, f))
                got = strtol(buf, NULL, 10);
            fclose(f);
        }
        if (got == nr || got == nr2)
            return 1;
        usleep(1000);
    }
    return 0;
}

static const char *rc_text(enum call call, int rc)
{
    static char buf[32];
    if (call != CALL_CONNECT && call != CALL_CONNECT_OPEN && call != CALL_MATRIX_GNI &&
        call != CALL_GNI_DNS) {
        switch (rc) {
        case 0: return "0";
        case EAI_AGAIN: return "EAI_AGAIN";
        case EAI_NONAME: return "EAI_NONAME";
        default: snprintf(buf, sizeof buf, "EAI(%d)", rc); return buf;
        }
    }
    snprintf(buf, sizeof buf, "%d", rc);
    return buf;
}

/* One case: starts the thread, cancels it (before the call or while it blocks), joins, and
 * prints what happened. Returns the milliseconds from pthread_cancel to the join. */
static double run(const char *name, struct job *j, int blocked_in_syscall)
{
    pthread_t t;
    sem_init(&j->ready, 0, 0);
    sem_init(&j->go, 0, 0);
    j->after_call_fd = -1;
    pthread_create(&t, NULL, worker, j);
    sem_wait(&j->ready);
    if (blocked_in_syscall) {
        int dns = j->call == CALL_GAI_DNS || j->call == CALL_GNI_DNS;
        long nr = dns ? SYS_ppoll : SYS_connect;
        long nr2 = dns ? SYS_poll : SYS_connect;
        check(wait_in_syscall(j->tid, nr, nr2), "the thread reached its blocking syscall");
    }
    double t0 = now_ms();
    pthread_cancel(t);
    if (j->pending)
        sem_post(&j->go);
    if (j->disable && j->call == CALL_CONNECT)
        drain_listener(); /* the disabled thread's connect completes at its SYN retry */
    void *result = NULL;
    pthread_join(t, &result);
    double ms = now_ms() - t0;
    char peer[32] = "";
    if (j->after_call_fd >= 0 && j->call == CALL_CONNECT_OPEN) {
        struct sockaddr_in p;
        socklen_t pl = sizeof p;
        snprintf(peer, sizeof peer, " connected=%d",
                 getpeername(j->after_call_fd, (struct sockaddr *)&p, &pl) == 0);
    }
    if (j->after_call_fd >= 0)
        close(j->after_call_fd);
    printf("%s: %s cleanup=%d call-returned=%d%s%s%s\n", name,
           result == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : "not-cancelled", j->cleanup_ran,
           j->call_returned, j->call_returned ? " rc=" : "",
           j->call_returned ? rc_text(j->call, j->rc) : "", peer);
    sem_destroy(&j->ready);
    sem_destroy(&j->go);
    return ms;
}

static void bounded(const char *name, double ms)
{
    if (getenv("CANCEL_NO_TIME_BOUND")) /* under valgrind, which is slower than the bound */
        return;
    char what[128];
    snprintf(what, sizeof what, "%s: cancel to join in %.1f ms (bound %d ms)", name, ms,
             CANCEL_BOUND_MS);
    check(ms < CANCEL_BOUND_MS, what);
    fprintf(stderr, "     %s: cancel to join %.2f ms\n", name, ms);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory's own fd */
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* 100 lookups cancelled in the DNS wait leave no descriptor and no memory behind. */
static void leak_case(void)
{
    enum { WARMUP = 10, ROUNDS = 100 };
    int fds = 0;
    size_t heap = 0;
    for (int i = 0; i < WARMUP + ROUNDS; i++) {
        if (i == WARMUP) {
            fds = count_fds();
            heap = heap_in_use();
        }
        struct job j = {.call = CALL_GAI_DNS};
        pthread_t t;
        sem_init(&j.ready, 0, 0);
        pthread_create(&t, NULL, worker, &j);
        sem_wait(&j.ready);
        if (!wait_in_syscall(j.tid, SYS_ppoll, SYS_poll)) {
            check(0, "gai-leak: a lookup reached its DNS wait");
            return;
        }
        pthread_cancel(t);
        void *r;
        pthread_join(t, &r);
        sem_destroy(&j.ready);
        if (r != PTHREAD_CANCELED) {
            check(0, "gai-leak: every lookup was cancelled");
            return;
        }
    }
    long dfd = count_fds() - fds;
    long dheap = (long)(heap_in_use() - heap);
    fprintf(stderr, "     gai-leak (%s): after %d cancelled lookups: fds %+ld, heap in use %+ld bytes\n",
            is_netshim() ? "netshim" : "glibc", ROUNDS, dfd, dheap);
    if (is_netshim()) {
        check(dfd == 0, "gai-leak: no descriptor left behind");
        /* A lookup holds hundreds of bytes (queries, reply buffers): one leaked per lookup
         * would add ROUNDS times that. The slack is for glibc's own thread bookkeeping. */
        check(dheap < 1024, "gai-leak: heap in use flat (< 1 KiB over 100 lookups)");
    }
    printf("gai-leak: %d lookups cancelled in the DNS wait\n", ROUNDS);
}

/* A cancel pending at the call, over a matrix of requests: where glibc's call is a
 * cancellation point (and acts) and where it returns, netshim's must be the same. One line
 * per request. */
static void pending_matrix(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *nodes[] = {NULL, "127.0.0.1", "::1", "localhost", "www.example.com", "nosuch"};
    const int families[] = {AF_UNSPEC, AF_INET, AF_INET6};
    const int flags[] = {0, AI_ADDRCONFIG, AI_CANONNAME, AI_NUMERICHOST, AI_PASSIVE,
                         AI_V4MAPPED | AI_ALL};
    for (size_t n = 0; n < sizeof nodes / sizeof *nodes; n++)
        for (size_t f = 0; f < sizeof families / sizeof *families; f++)
            for (size_t g = 0; g < sizeof flags / sizeof *flags; g++) {
                struct job j = {.call = CALL_MATRIX_GAI, .node = nodes[n], .family = families[f],
                                .flags = flags[g], .pending = 1};
                char name[96];
                snprintf(name, sizeof name, "pending getaddrinfo %s family=%d flags=%#x",
                         nodes[n] ? nodes[n] : "NULL", families[f], flags[g]);
                run(name, &j, 0);
            }
    const char *addrs[] = {"127.0.0.1", "::1", "192.0.2.1", "::ffff:127.0.0.1"};
    /* Not NI_NOFQDN: glibc's getnameinfo, cancelled inside its nrl_domainname, keeps that
     * function's lock, and the next NI_NOFQDN call of the process hangs. */
    const int gflags[] = {0, NI_NUMERICHOST, NI_NAMEREQD};
    for (size_t a = 0; a < sizeof addrs / sizeof *addrs; a++)
        for (size_t g = 0; g < sizeof gflags / sizeof *gflags; g++) {
            struct job j = {.call = CALL_MATRIX_GNI, .node = addrs[a], .flags = gflags[g],
                            .pending = 1};
            char name[96];
            snprintf(name, sizeof name, "pending getnameinfo %s flags=%#x", addrs[a], gflags[g]);
            run(name, &j, 0);
        }
}

/* Asynchronous cancellation (undefined for these calls in POSIX): cancels land at random
 * moments of getaddrinfo and connect; no crash, no hang, and the process resolves and
 * connects normally afterwards (no lock left held). Run under netshim only. */
static void async_stress(void)
{
    enum { ROUNDS = 200 };
    unsigned seed = 12345;
    for (int i = 0; i < ROUNDS; i++) {
        struct job j = {.call = i % 2 ? CALL_GAI_HOSTS : CALL_CONNECT_OPEN, .async = 1};
        pthread_t t;
        sem_init(&j.ready, 0, 0);
        j.after_call_fd = -1;
        pthread_create(&t, NULL, worker, &j);
        sem_wait(&j.ready);
        usleep(rand_r(&seed) % 200);
        pthread_cancel(t);
        pthread_join(t, NULL);
        if (j.after_call_fd >= 0)
            close(j.after_call_fd);
        sem_destroy(&j.ready);
    }
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
    check(getaddrinfo("www.example.com", "80", &hints, &res) == 0, "async: a lookup afterwards");
    freeaddrinfo(res);
    printf("async-stress: %d asynchronous cancels, then a lookup answers\n", ROUNDS);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CASE\n", argv[0]);
        return 2;
    }
    const char *c = argv[1];
    silent_dns();
    if (!strncmp(c, "connect", 7))
        full_listener();
    else {
        /* A listener with room, for the connects of the async stress. */
        listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        listener_addr = (struct sockaddr_in){.sin_family = AF_INET};
        listener_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(listener, (struct sockaddr *)&listener_addr, sizeof listener_addr);
        listen(listener, 4096);
        socklen_t len = sizeof listener_addr;
        getsockname(listener, (struct sockaddr *)&listener_addr, &len);
    }
    /* glibc's first hosts (and services) lookup of a process tries nscd, whose connect is a
     * cancellation point; without nscd it tries again only every 100th lookup. netshim never
     * uses nscd: one lookup of each first, so that the cases compare the lookups themselves. */
    struct addrinfo hints = {.ai_family = AF_INET}, *res;
    if (getaddrinfo("www.example.com", NULL, &hints, &res) == 0) {
        /* The same for the services database, which getnameinfo's service name asks. */
        char host[NI_MAXHOST], serv[NI_MAXSERV];
        getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, serv, sizeof serv, 0);
        freeaddrinfo(res);
    }
    struct job j = {0};
    if (!strcmp(c, "connect-blocked")) {
        j.call = CALL_CONNECT;
        bounded(c, run(c, &j, 1));
    } else if (!strcmp(c, "connect-pending")) {
        /* A listener with room: without the cancel this connect would succeed. */
        drain_listener();
        j.call = CALL_CONNECT_OPEN;
        j.pending = 1;
        run(c, &j, 0);
    } else if (!strcmp(c, "connect-disabled")) {
        j.call = CALL_CONNECT;
        j.disable = 1;
        run(c, &j, 1);
    } else if (!strcmp(c, "connect-async")) {
        j.call = CALL_CONNECT;
        j.async = 1;
        bounded(c, run(c, &j, 1));
    } else if (!strcmp(c, "gai-blocked")) {
        j.call = CALL_GAI_DNS;
        bounded(c, run(c, &j, 1));
    } else if (!strcmp(c, "gai-pending")) {
        j.call = CALL_GAI_DNS;
        j.pending = 1;
        run(c, &j, 0);
    } else if (!strcmp(c, "gai-hosts-pending")) {
        j.call = CALL_GAI_HOSTS;
        j.pending = 1;
        run(c, &j, 0);
    } else if (!strcmp(c, "gai-localhost-pending")) {
        j.call = CALL_GAI_LOCALHOST;
        j.pending = 1;
        run(c, &j, 0);
    } else if (!strcmp(c, "gai-addrconfig-pending")) {
        j.call = CALL_GAI_ADDRCONFIG;
        j.pending = 1;
        run(c, &j, 0);
    } else if (!strcmp(c, "gai-disabled")) {
        j.call = CALL_GAI_DNS;
        j.disable = 1;
        run(c, &j, 1);
    } else if (!strcmp(c, "gai-async")) {
        j.call = CALL_GAI_DNS;
        j.async = 1;
        bounded(c, run(c, &j, 1));
    } else if (!strcmp(c, "gni-blocked")) {
        j.call = CALL_GNI_DNS;
        bounded(c, run(c, &j, 1));
    } else if (!strcmp(c, "pending-matrix")) {
        pending_matrix();
    } else if (!strcmp(c, "gai-leak")) {
        leak_case();
    } else if (!strcmp(c, "async-stress")) {
        async_stress();
    } else {
        fprintf(stderr, "unknown case %s\n", c);
        return 2;
    }
    return failures ? 1 : 0;
}
