/* The soak driver (tests/soak/run.sh runs it preloaded, inside a private namespace):
 *   soak DIR SECONDS PORT -- DNSMASQ-COMMAND...
 * 8 threads resolve hosts-file, numeric and DNS names and connect to the first answer on
 * PORT (a listener thread of this program accepts on every loopback address), while a
 * mutator thread rewrites DIR's hosts, resolv.conf, nsswitch.conf, gai.conf and host.conf
 * in place, replaces them by rename, truncates them to nothing or to half a line, and
 * kills and restarts the DNS server (DNSMASQ-COMMAND, which must stay in the foreground).
 * Every few seconds the mutator stops in a known "quiet" state for a while.
 * Everything that happened is written to DIR/records.N, one event a line, for check.py:
 *   M T0 T1 FILE STATE [INTERMEDIATE...]   a file changed between T0 and T1 (µs)
 *   D T0 T1 down|up                        the DNS server was killed / was restarted
 *   Q T STATE                              from T on, no file changes until the next M
 *   C TID T0 T1 QUERY RC ANSWER            one getaddrinfo (RC: 0 or the EAI_* value)
 *   R T RSS_KB                             resident set size, once a second
 *   F START END                            open descriptors at start and at the end
 *   K T0 T1                                one connect to the first answer
 *   N CONNECTS                             connects made (each must be one log line)
 * Any failed check of its own (a connect to an answer that fails) is an "E …" line. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define THREADS 8
extern char **environ;

static const char *dir;
static int port;
static char **dns_cmd;
static char **dns_env;
static atomic_int stop;
static atomic_long connects;

/* --- records: one file per writer, written in 64 KiB blocks (so that they do not count
 * in the RSS the test watches) ------------------------------------------------------------ */
struct rec {
    int fd;
    size_t len;
    char buf[65536];
};
static struct rec recs[THREADS + 3];
static long pause_us;

static void flush(struct rec *r)
{
    for (size_t off = 0; off < r->len;) {
        ssize_t w = write(r->fd, r->buf + off, r->len - off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    r->len = 0;
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void put(struct rec *r, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line)
        n = sizeof line - 1;
    if (r->len + (size_t)n + 1 > sizeof r->buf)
        flush(r);
    memcpy(r->buf + r->len, line, (size_t)n);
    r->len += (size_t)n;
    r->buf[r->len++] = '\n';
}

/* --- the files and their states -------------------------------------------------------
 * Each state's name says what a lookup under it may answer (check.py knows the rules). */
struct version {
    const char *state, *text;
};
static const struct version hosts_v[] = {
    {"hosts0", "127.0.0.10\th.soak.test\n127.0.0.20\tm.soak.test\n127.0.0.30\tm.soak.test\n"},
    {"hosts1", "127.0.0.11\th.soak.test\n127.0.0.21\tm.soak.test\n127.0.0.31\tm.soak.test\n"},
    {"hosts2", "# a longer version\n127.0.0.12\th.soak.test\n127.0.0.22\tm.soak.test\n127.0.0.32\tm.soak.test\n"},
};
static const struct version resolv_v[] = {
    {"resolv0", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"},
    {"resolv1", "options timeout:1 attempts:1\nnameserver 127.0.0.1\nsearch soak.test\n"},
};
static const struct version nss_v[] = {
    {"nss0", "hosts: files dns\n"},
    {"nss1", "hosts:\tdns files\n"},
};
static const struct version gai_v[] = {
    {"gai0", "reload yes\n"},
    {"gai1", "reload yes\nprecedence ::ffff:0:0/96 100\n"},
};
static const struct version hostconf_v[] = {
    {"multi1", "multi on\n"},
    {"multi0", "multi off\n"},
};
struct file {
    const char *name;
    const struct version *v;
    int versions;
    /* 0 for gai.conf: a gai.conf read without its `reload yes` line is never read again
     * (glibc's rule), so it is only replaced by rename, or cut in its second line. */
    int empty_ok;
    int current;  /* index of the last version written */
    int whole;    /* the file on disk is that version, whole */
};
static struct file files[] = {
    {"hosts", hosts_v, 3, 1, 0, 1},
    {"resolv.conf", resolv_v, 2, 1, 0, 1},
    {"nsswitch.conf", nss_v, 2, 1, 0, 1},
    {"gai.conf", gai_v, 2, 0, 0, 1},
    {"host.conf", hostconf_v, 2, 1, 0, 1},
};
#define NFILES (sizeof files / sizeof files[0])

static void path_of(char *out, size_t n, const char *name, const char *suffix)
{
    snprintf(out, n, "%s/%s%s", dir, name, suffix);
}

static void write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, text, len);
        if (w <= 0)
            abort();
        text += w;
        len -= (size_t)w;
    }
}

/* Writes `text` into the file in place (O_TRUNC, then two writes: a reader may see the
 * file empty or holding its first half). */
static void rewrite_in_place(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        abort();
    size_t len = strlen(text), half = len / 2;
    write_all(fd, text, half);
    write_all(fd, text + half, len - half);
    close(fd);
}

static void replace_by_rename(const char *path, const char *text)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        abort();
    write_all(fd, text, strlen(text));
    close(fd);
    if (rename(tmp, path) != 0)
        abort();
}

/* Sets file f to version v, or (v < 0) truncates it: -1 to nothing, -2 to half its last
 * line. Records the change with the states a reader may see while it happens. */
static void mutate(struct rec *r, struct file *f, int v, int how)
{
    char path[4096];
    path_of(path, sizeof path, f->name, "");
    const struct version *cur = &f->v[f->current];
    long long t0 = now_us();
    if (v < 0)
        f->whole = 0;
    if (v == -1) {
        if (truncate(path, 0) != 0)
            abort();
        put(r, "M %lld %lld %s empty", t0, now_us(), f->name);
        return;
    }
    if (v == -2) {
        size_t len = strlen(cur->text);
        const char *last = cur->text + len - 1;
        while (last > cur->text && last[-1] != '\n')
            last--;
        size_t cut = (size_t)(last - cur->text) + (len - (size_t)(last - cur->text)) / 2;
        if (truncate(path, (off_t)cut) != 0)
            abort();
        put(r, "M %lld %lld %s %s-half", t0, now_us(), f->name, cur->state);
        return;
    }
    f->current = v;
    f->whole = 1;
    if (how == 0 && f->empty_ok) {
        rewrite_in_place(path, f->v[v].text);
        put(r, "M %lld %lld %s %s empty %s-firsthalf", t0, now_us(), f->name, f->v[v].state,
            f->v[v].state);
    } else {
        replace_by_rename(path, f->v[v].text);
        put(r, "M %lld %lld %s %s", t0, now_us(), f->name, f->v[v].state);
    }
}

/* --- the DNS server ------------------------------------------------------------------ */
static pid_t dns_pid;
static pid_t start_dns(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        execve(dns_cmd[0], dns_cmd, dns_env);
        _exit(127);
    }
    return pid;
}
static void stop_dns(void)
{
    if (dns_pid > 0) {
        kill(dns_pid, SIGKILL);
        waitpid(dns_pid, NULL, 0);
        dns_pid = 0;
    }
}

static unsigned rnd(unsigned *seed, unsigned n)
{
    return (unsigned)rand_r(seed) % n;
}

/* Sets every file to the quiet state `q` (0 or 1) and records it. */
static void quiet(struct rec *r, int q)
{
    static const int pick[2][NFILES] = {{0, 1, 0, 0, 0}, {2, 0, 1, 1, 1}};
    for (size_t i = 0; i < NFILES; i++)
        mutate(r, &files[i], pick[q][i], 1);
    put(r, "Q %lld quiet%d", now_us(), q);
}

static void *mutator(void *arg)
{
    struct rec *r = arg;
    unsigned seed = 12345;
    long long next_dns = now_us() + 2000000, next_quiet = now_us() + 4000000;
    int q = 1;
    while (!atomic_load(&stop)) {
        long long t = now_us();
        if (t >= next_quiet) {
            quiet(r, q);
            q ^= 1;
            struct timespec pause = {0, 800 * 1000000L};
            nanosleep(&pause, NULL);
            next_quiet = now_us() + 3000000 + rnd(&seed, 2000000);
            continue;
        }
        if (t >= next_dns) {
            long long t0 = now_us();
            stop_dns();
            put(r, "D %lld %lld down", t0, now_us());
            struct timespec gap = {0, (long)rnd(&seed, 300) * 1000000L};
            nanosleep(&gap, NULL);
            t0 = now_us();
            dns_pid = start_dns();
            /* Until it answers, the server counts as down (check.py extends the window). */
            struct timespec boot = {0, 300 * 1000000L};
            nanosleep(&boot, NULL);
            put(r, "D %lld %lld up", t0, now_us());
            next_dns = now_us() + 1500000 + rnd(&seed, 2500000);
            continue;
        }
        struct file *f = &files[rnd(&seed, NFILES)];
        int op = (int)rnd(&seed, 10);
        if (op == 0 && f->empty_ok && f->whole)
            mutate(r, f, -1, 0);
        else if (op == 1 && f->whole && (f->empty_ok || f->current == 1))
            mutate(r, f, -2, 0);
        else
            mutate(r, f, (int)rnd(&seed, (unsigned)f->versions), op & 1);
        struct timespec pause = {0, (long)(1 + rnd(&seed, 20)) * 1000000L};
        nanosleep(&pause, NULL);
    }
    return NULL;
}

/* --- the listener ------------------------------------------------------------------------ */
static int listen_fd;
static void *listener(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        struct pollfd p = {listen_fd, POLLIN, 0};
        if (poll(&p, 1, 100) > 0)
            for (int c; (c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0;)
                close(c);
    }
    return NULL;
}

/* --- the resolving threads ------------------------------------------------------------ */
struct query {
    const char *name, *node;
    int family;
};
static const struct query queries[] = {
    {"h", "h.soak.test", AF_INET},  {"m", "m.soak.test", AF_INET},
    {"d", "d.soak.test", AF_INET},  {"short", "d", AF_INET},
    {"g", "g.soak.test", AF_UNSPEC}, {"num4", "127.0.0.1", AF_UNSPEC},
    {"num6", "::1", AF_UNSPEC},
};
#define NQUERIES (sizeof queries / sizeof queries[0])

static void *resolver(void *arg)
{
    struct rec *r = arg;
    unsigned seed = (unsigned)(r - recs) * 7919u + 1;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    while (!atomic_load(&stop)) {
        const struct query *q = &queries[rnd(&seed, NQUERIES)];
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = q->family;
        hints.ai_socktype = SOCK_STREAM;
        long long t0 = now_us();
        int rc = getaddrinfo(q->node, portstr, &hints, &res);
        long long t1 = now_us();
        char answer[512] = "-";
        size_t used = 0;
        for (struct addrinfo *a = res; rc == 0 && a; a = a->ai_next) {
            char host[INET6_ADDRSTRLEN] = "?";
            const void *src = a->ai_family == AF_INET
                                  ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
                                  : (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
            inet_ntop(a->ai_family, src, host, sizeof host);
            used += (size_t)snprintf(answer + used, sizeof answer - used, "%s%s", used ? "," : "",
                                     host);
            if (used >= sizeof answer)
                break;
        }
        put(r, "C %d %lld %lld %s %d %s", (int)(r - recs), t0, t1, q->name, rc, answer);
        if (rc == 0) {
            long long c0 = now_us();
            int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0)
                put(r, "E connect to %s failed: %s", answer, strerror(errno));
            put(r, "K %lld %lld", c0, now_us());
            atomic_fetch_add(&connects, 1);
            if (fd >= 0)
                close(fd);
            freeaddrinfo(res);
        }
        if (pause_us > 0) {
            struct timespec pause = {0, (rnd(&seed, (unsigned)pause_us * 2) + 1) * 1000L};
            nanosleep(&pause, NULL);
        }
    }
    return NULL;
}

/* netshim keeps one NETLINK_ROUTE socket between lookups (its address-change watch,
 * docs/COMPATIBILITY.md "held between calls"); this program makes none of its own, so
 * such a socket is not counted (more than one would be, as a leak). */
static int is_route_watch(int fd)
{
    int domain = 0, protocol = -1;
    socklen_t len = sizeof domain;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_NETLINK)
        return 0;
    len = sizeof protocol;
    return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) == 0 && protocol == 0;
}

static int count_fds(void)
{
    int n = 0, watches = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
            continue;
        if (is_route_watch(atoi(e->d_name)) && watches++ == 0)
            continue;
        n++;
    }
    closedir(d);
    return n;
}

static long rss_kb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "re");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
    if (argc < 6 || strcmp(argv[4], "--") != 0) {
        fprintf(stderr, "usage: soak DIR SECONDS PORT -- DNSMASQ-COMMAND...\n");
        return 2;
    }
    dir = argv[1];
    int seconds = atoi(argv[2]);
    port = atoi(argv[3]);
    dns_cmd = argv + 5;
    /* The DNS server runs without netshim: it is the world, not the program under test. */
    int n = 0;
    for (char **e = environ; *e; e++)
        n++;
    dns_env = calloc((size_t)n + 1, sizeof *dns_env);
    n = 0;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "LD_PRELOAD=", 11) != 0 && strncmp(*e, "NETSHIM_", 8) != 0)
            dns_env[n++] = *e;
    struct rec *main_rec = &recs[THREADS + 2];
    const char *p = getenv("SOAK_PAUSE_US");
    pause_us = p ? atol(p) : 200;
    for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
        char path[4096], name[32];
        snprintf(name, sizeof name, "records.%zu", i);
        path_of(path, sizeof path, name, "");
        recs[i].fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (recs[i].fd < 0) {
            perror(path);
            return 1;
        }
    }

    for (size_t i = 0; i < NFILES; i++) {
        char path[4096];
        path_of(path, sizeof path, files[i].name, "");
        replace_by_rename(path, files[i].v[0].text);
    }
    dns_pid = start_dns();
    int start_fds = count_fds();

    listen_fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int zero = 0, one = 1;
    setsockopt(listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in6 any = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    if (bind(listen_fd, (struct sockaddr *)&any, sizeof any) != 0 || listen(listen_fd, 512) != 0) {
        perror("soak: listen");
        return 1;
    }
    struct timespec boot = {0, 300 * 1000000L};
    nanosleep(&boot, NULL);

    pthread_t th[THREADS + 2];
    pthread_create(&th[THREADS], NULL, listener, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, resolver, &recs[i]);
    pthread_create(&th[THREADS + 1], NULL, mutator, &recs[THREADS + 1]);
    long long end = now_us() + seconds * 1000000LL;
    while (now_us() < end) {
        sleep(1);
        put(main_rec, "R %lld %ld", now_us(), rss_kb());
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < THREADS + 2; i++)
        pthread_join(th[i], NULL);
    close(listen_fd);
    stop_dns();
    put(main_rec, "F %d %d", start_fds, count_fds());
    put(main_rec, "N %ld", atomic_load(&connects));

    for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
        flush(&recs[i]);
        close(recs[i].fd);
    }
    return 0;
}
