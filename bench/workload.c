/* The benchmark workload: one program, built against glibc, musl (static) and netshim.
 *
 *   workload NAME ITERATIONS [THREADS]
 *
 * Checks the answer first (a wrong answer exits 3 and prints WRONG ...; it is never
 * timed), then runs ITERATIONS operations and prints one line:
 *   ok NAME ns_per_op=N.NN            single-threaded workloads
 *   ok NAME ops_per_s=N THREADS=T     "threads": T threads share ITERATIONS lookups
 * ITERATIONS 0 only checks the answer. Usage errors exit 2.
 *
 * Workloads (the fixture files and DNS records are set up by bench/run.sh):
 *   num4 num6         getaddrinfo("192.0.2.7" / "2001:db8::7", "80"), SOCK_STREAM
 *   hosts             getaddrinfo("bench-host.example", "80"): one IPv4 line, last in the file
 *   localhost         getaddrinfo("localhost", "80"): ::1 and 127.0.0.1, sorted
 *   dns-dual          getaddrinfo("dual.bench.test", "80"): an A and an AAAA record
 *   dns-a             getaddrinfo("v4only.bench.test", "80"): an A record only (AAAA is NODATA)
 *   nxdomain          getaddrinfo("nosuch", "80") through "search bench.test": EAI_NONAME
 *   socket            socket(AF_INET, SOCK_STREAM) + close
 *   connect           socket + connect to a loopback listener (in this process) + close
 *   refused           socket + connect to a bound, non-listening loopback port + close
 *   threads           the "hosts" lookup from THREADS threads; total lookups per second
 *   udp-rtt           the reference: one DNS query for v4only.bench.test A, sent over a
 *                     connected UDP socket to 127.0.0.1:53 and its reply received (the
 *                     socket is made once, before timing)
 * All lookups use hints { AF_UNSPEC, SOCK_STREAM }. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct lookup {
    const char *name;
    const char *node;
    const char *want; /* the serialized answer, or "error:NAME" */
};

/* The expected answers are glibc 2.36's on the fixtures, in glibc's order. */
static const struct lookup lookups[] = {
    {"num4", "192.0.2.7", "192.0.2.7#80/1/6"},
    {"num6", "2001:db8::7", "2001:db8::7#80/1/6"},
    {"loop4", "127.0.0.1", "127.0.0.1#80/1/6"},
    {"loop6", "::1", "::1#80/1/6"},
    {"hosts", "bench-host.example", "10.9.8.7#80/1/6"},
    {"localhost", "localhost", "::1#80/1/6 127.0.0.1#80/1/6"},
    {"dns-dual", "dual.bench.test", "2001:db8::53#80/1/6 192.0.2.53#80/1/6"},
    {"dns-a", "v4only.bench.test", "192.0.2.54#80/1/6"},
    {"nxdomain", "nosuch", "error:EAI_NONAME"},
};

static const char *error_name(int rc)
{
    switch (rc) {
    case EAI_NONAME: return "EAI_NONAME";
    case EAI_AGAIN: return "EAI_AGAIN";
    case EAI_FAIL: return "EAI_FAIL";
    case EAI_NODATA: return "EAI_NODATA";
    case EAI_FAMILY: return "EAI_FAMILY";
    case EAI_SERVICE: return "EAI_SERVICE";
    case EAI_SYSTEM: return "EAI_SYSTEM";
    case EAI_MEMORY: return "EAI_MEMORY";
    default: return "EAI_other";
    }
}

static int resolve(const char *node)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(node, "80", &hints, &res);
    if (rc == 0)
        freeaddrinfo(res);
    return rc;
}

/* One lookup, its answer written as "ADDR#PORT/SOCKTYPE/PROTOCOL ..." or "error:EAI_x". */
static void answer_of(const char *node, char *out, size_t size)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(node, "80", &hints, &res);
    if (rc != 0) {
        snprintf(out, size, "error:%s", error_name(rc));
        return;
    }
    size_t used = 0;
    out[0] = 0;
    for (struct addrinfo *ai = res; ai && used < size; ai = ai->ai_next) {
        char text[INET6_ADDRSTRLEN] = "?";
        int port = -1;
        if (ai->ai_family == AF_INET) {
            struct sockaddr_in *sin = (struct sockaddr_in *)ai->ai_addr;
            inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
            port = ntohs(sin->sin_port);
        } else if (ai->ai_family == AF_INET6) {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ai->ai_addr;
            inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
            port = ntohs(sin6->sin6_port);
        }
        used += snprintf(out + used, size - used, "%s%s#%d/%d/%d", used ? " " : "", text, port,
                         ai->ai_socktype, ai->ai_protocol);
    }
    freeaddrinfo(res);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int wrong(const char *name, const char *got, const char *want)
{
    printf("WRONG %s got: %s want: %s\n", name, got, want);
    return 3;
}

/* --- sockets ---------------------------------------------------------------------- */

static void *accept_loop(void *arg)
{
    int listener = *(int *)arg;
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd >= 0)
            close(fd);
    }
    return NULL;
}

/* A loopback TCP port: listening (with an accepting thread) or bound but refusing. */
static int loopback_port(struct sockaddr_in *to, int listening)
{
    static int fd;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(to, 0, sizeof *to);
    to->sin_family = AF_INET;
    to->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof *to;
    if (fd < 0 || bind(fd, (struct sockaddr *)to, sizeof *to) != 0 ||
        getsockname(fd, (struct sockaddr *)to, &len) != 0)
        return -1;
    if (listening) {
        pthread_t t;
        if (listen(fd, 4096) != 0 || pthread_create(&t, NULL, accept_loop, &fd) != 0)
            return -1;
    }
    return 0;
}

/* socket (+ connect) + close; returns 0, or -1 with a reason in `why`. */
static int socket_op(const struct sockaddr_in *to, int want_errno, char *why, size_t size)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        snprintf(why, size, "socket: %s", strerror(errno));
        return -1;
    }
    if (to) {
        int rc = connect(fd, (const struct sockaddr *)to, sizeof *to);
        int err = rc == 0 ? 0 : errno;
        if (err != want_errno) {
            snprintf(why, size, "connect: %s", err ? strerror(err) : "succeeded");
            close(fd);
            return -1;
        }
    }
    close(fd);
    return 0;
}

static int run_sockets(const char *name, long n)
{
    struct sockaddr_in to;
    const struct sockaddr_in *target = NULL;
    int want_errno = 0;
    if (strcmp(name, "connect") == 0 || strcmp(name, "refused") == 0) {
        want_errno = strcmp(name, "refused") == 0 ? ECONNREFUSED : 0;
        if (loopback_port(&to, want_errno == 0) != 0) {
            printf("WRONG %s got: no loopback port (%s)\n", name, strerror(errno));
            return 3;
        }
        target = &to;
    }
    char why[128];
    if (socket_op(target, want_errno, why, sizeof why) != 0)
        return wrong(name, why, want_errno ? "ECONNREFUSED" : "success");
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (socket_op(target, want_errno, why, sizeof why) != 0)
            return wrong(name, why, want_errno ? "ECONNREFUSED" : "success");
    double t1 = now_ns();
    if (n > 0)
        printf("ok %s ns_per_op=%.2f\n", name, (t1 - t0) / n);
    return 0;
}

/* --- one UDP round trip to the DNS server ------------------------------------------ */

static int udp_round_trip(int fd, char *why, size_t size)
{
    static const unsigned char query[] = {
        0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, /* id, RD, one question */
        6, 'v', '4', 'o', 'n', 'l', 'y', 5, 'b', 'e', 'n', 'c', 'h', 4, 't', 'e', 's', 't', 0,
        0, 1, 0, 1, /* A, IN */
    };
    unsigned char reply[512];
    if (send(fd, query, sizeof query, 0) != (ssize_t)sizeof query) {
        snprintf(why, size, "send: %s", strerror(errno));
        return -1;
    }
    ssize_t got = recv(fd, reply, sizeof reply, 0);
    if (got < 12 || reply[0] != 0x12 || reply[1] != 0x34 || (reply[3] & 0x0f) != 0 ||
        reply[7] != 1) {
        snprintf(why, size, "no one-answer NOERROR reply (%zd bytes)", got);
        return -1;
    }
    return 0;
}

static int run_udp(long n)
{
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons(53);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct timeval tv = {2, 0};
    char why[128] = "socket/connect failed";
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        connect(fd, (struct sockaddr *)&to, sizeof to) != 0 || udp_round_trip(fd, why, sizeof why))
        return wrong("udp-rtt", why, "a reply");
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (udp_round_trip(fd, why, sizeof why) != 0)
            return wrong("udp-rtt", why, "a reply");
    double t1 = now_ns();
    if (n > 0)
        printf("ok udp-rtt ns_per_op=%.2f\n", (t1 - t0) / n);
    return 0;
}

/* --- threads ---------------------------------------------------------------------- */

struct worker {
    pthread_t thread;
    long count;
    long failures;
};

static const char *thread_node = "bench-host.example";

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (long i = 0; i < w->count; i++)
        w->failures += resolve(thread_node) != 0;
    return NULL;
}

static int run_threads(long n, int threads)
{
    char got[512];
    answer_of(thread_node, got, sizeof got);
    if (strcmp(got, lookups[4].want) != 0)
        return wrong("threads", got, lookups[4].want);
    struct worker *w = calloc(threads, sizeof *w);
    if (!w)
        return 2;
    double t0 = now_ns();
    for (int i = 0; i < threads; i++) {
        w[i].count = n / threads + (i < n % threads);
        if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0) {
            printf("WRONG threads got: pthread_create failed\n");
            return 3;
        }
    }
    long failures = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(w[i].thread, NULL);
        failures += w[i].failures;
    }
    double t1 = now_ns();
    if (failures)
        return wrong("threads", "a lookup failed under threads", "every lookup succeeds");
    if (n > 0)
        printf("ok threads ops_per_s=%.0f threads=%d\n", n / ((t1 - t0) / 1e9), threads);
    free(w);
    return 0;
}

/* --- memory ------------------------------------------------------------------------ */

/* This process's resident set in KiB, or -1: smaps_rollup's Rss, counted from the page
 * tables (VmRSS in /proc/self/status lags by up to 64 pages per CPU). */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Rss: %ld", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

/* "rss-NAME N": the growth of the resident set from the 1,000th lookup of NAME's node to
 * the (1,000 + N)th, in KiB. */
static int run_rss(const struct lookup *l, long n)
{
    char got[512];
    answer_of(l->node, got, sizeof got);
    if (strcmp(got, l->want) != 0)
        return wrong(l->name, got, l->want);
    for (int i = 0; i < 1000; i++)
        resolve(l->node);
    rss_kib(); /* its own first-use costs (stdio) are not the lookups' */
    long before = rss_kib();
    for (long i = 0; i < n; i++)
        if (resolve(l->node) != 0)
            return wrong(l->name, "a lookup failed", l->want);
    long after = rss_kib();
    if (before < 0 || after < 0)
        return wrong(l->name, "no Rss in /proc/self/smaps_rollup", "a number");
    printf("ok rss-%s kib_growth=%ld\n", l->name, after - before);
    return 0;
}

/* "first-NAME": one lookup in a fresh process (what most programs do), timed. */
static int run_first(const struct lookup *l)
{
    char got[512];
    double t0 = now_ns();
    answer_of(l->node, got, sizeof got);
    double t1 = now_ns();
    if (strcmp(got, l->want) != 0)
        return wrong(l->name, got, l->want);
    printf("ok first-%s ns_per_op=%.2f\n", l->name, t1 - t0);
    return 0;
}

/* "index-NAME": what the process's resident set grew by over two lookups (the first one
 * and the one that builds a lookup index), in KiB. */
static int run_index(const struct lookup *l)
{
    char got[512];
    long before = rss_kib();
    answer_of(l->node, got, sizeof got);
    answer_of(l->node, got, sizeof got);
    long after = rss_kib();
    if (strcmp(got, l->want) != 0)
        return wrong(l->name, got, l->want);
    printf("ok index-%s kib_growth=%ld\n", l->name, after - before);
    return 0;
}

/* --- floors ------------------------------------------------------------------------ */

/* "stat": a bare stat(2) of /etc/hosts, the one syscall a hosts lookup needs. */
static int run_stat(long n)
{
    struct stat st;
    if (stat("/etc/hosts", &st) != 0)
        return wrong("stat", strerror(errno), "success");
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (stat("/etc/hosts", &st) != 0)
            return wrong("stat", strerror(errno), "success");
    double t1 = now_ns();
    if (n > 0)
        printf("ok stat ns_per_op=%.2f\n", (t1 - t0) / n);
    return 0;
}

struct stat_worker {
    pthread_t thread;
    long count;
};

static void *stat_main(void *arg)
{
    struct stat_worker *w = arg;
    struct stat st;
    for (long i = 0; i < w->count; i++)
        stat("/etc/hosts", &st);
    return NULL;
}

/* "stat-threads": the stat loop from T threads; total stats per second. */
static int run_stat_threads(long n, int threads)
{
    struct stat_worker *w = calloc(threads, sizeof *w);
    if (!w)
        return 2;
    double t0 = now_ns();
    for (int i = 0; i < threads; i++) {
        w[i].count = n / threads + (i < n % threads);
        if (pthread_create(&w[i].thread, NULL, stat_main, &w[i]) != 0)
            return wrong("stat-threads", "pthread_create failed", "threads");
    }
    for (int i = 0; i < threads; i++)
        pthread_join(w[i].thread, NULL);
    double t1 = now_ns();
    if (n > 0)
        printf("ok stat-threads ops_per_s=%.0f threads=%d\n", n / ((t1 - t0) / 1e9), threads);
    free(w);
    return 0;
}

/* "udp-fresh": a UDP round trip on a fresh socket each time, as a resolver without kept
 * sockets makes it: socket, connect, send, poll, recv, close. */
static int udp_fresh_once(char *why, size_t size)
{
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons(53);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        snprintf(why, size, "socket/connect: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    static const unsigned char query[] = {
        0x12, 0x35, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
        6, 'v', '4', 'o', 'n', 'l', 'y', 5, 'b', 'e', 'n', 'c', 'h', 4, 't', 'e', 's', 't', 0,
        0, 1, 0, 1,
    };
    unsigned char reply[512];
    struct pollfd p = {fd, POLLIN, 0};
    ssize_t got = -1;
    if (send(fd, query, sizeof query, 0) == (ssize_t)sizeof query && poll(&p, 1, 2000) == 1)
        got = recv(fd, reply, sizeof reply, 0);
    close(fd);
    if (got < 12 || reply[0] != 0x12 || reply[1] != 0x35 || reply[7] != 1) {
        snprintf(why, size, "no one-answer reply (%zd bytes)", got);
        return -1;
    }
    return 0;
}

static int run_udp_fresh(long n)
{
    char why[128];
    if (udp_fresh_once(why, sizeof why) != 0)
        return wrong("udp-fresh", why, "a reply");
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (udp_fresh_once(why, sizeof why) != 0)
            return wrong("udp-fresh", why, "a reply");
    double t1 = now_ns();
    if (n > 0)
        printf("ok udp-fresh ns_per_op=%.2f\n", (t1 - t0) / n);
    return 0;
}

/* --- main --------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s NAME ITERATIONS [THREADS]\n", argv[0]);
        return 2;
    }
    const char *name = argv[1];
    long n = strtol(argv[2], NULL, 10);
    if (strcmp(name, "socket") == 0 || strcmp(name, "connect") == 0 || strcmp(name, "refused") == 0)
        return run_sockets(name, n);
    if (strcmp(name, "udp-rtt") == 0)
        return run_udp(n);
    if (strcmp(name, "threads") == 0)
        return run_threads(n, argc > 3 ? atoi(argv[3]) : 1);
    if (strcmp(name, "stat") == 0)
        return run_stat(n);
    if (strcmp(name, "stat-threads") == 0)
        return run_stat_threads(n, argc > 3 ? atoi(argv[3]) : 1);
    if (strcmp(name, "udp-fresh") == 0)
        return run_udp_fresh(n);
    for (size_t i = 0; i < sizeof lookups / sizeof lookups[0]; i++) {
        const struct lookup *l = &lookups[i];
        if (strncmp(name, "rss-", 4) == 0 && strcmp(name + 4, l->name) == 0)
            return run_rss(l, n);
        if (strncmp(name, "first-", 6) == 0 && strcmp(name + 6, l->name) == 0)
            return run_first(l);
        if (strncmp(name, "index-", 6) == 0 && strcmp(name + 6, l->name) == 0)
            return run_index(l);
        if (strcmp(name, l->name) != 0)
            continue;
        char got[512];
        answer_of(l->node, got, sizeof got);
        if (strcmp(got, l->want) != 0)
            return wrong(name, got, l->want);
        int want_rc = strncmp(l->want, "error:", 6) == 0 ? EAI_NONAME : 0;
        double t0 = now_ns();
        for (long k = 0; k < n; k++)
            if (resolve(l->node) != want_rc) {
                answer_of(l->node, got, sizeof got);
                return wrong(name, got, l->want);
            }
        double t1 = now_ns();
        if (n > 0)
            printf("ok %s ns_per_op=%.2f\n", name, (t1 - t0) / n);
        return 0;
    }
    fprintf(stderr, "unknown workload %s\n", name);
    return 2;
}
