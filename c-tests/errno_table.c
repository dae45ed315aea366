/* The errno table: each case calls socket() or connect() the way a program would and
 * prints its return value and errno. The same source runs against plain glibc, linked
 * with -lnetshim and with netshim preloaded; run-c-tests.sh compares the three outputs
 * case by case, so any difference from glibc shows as a failed case. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/netlink.h>
#include <unistd.h>
#include <arpa/inet.h>

#define SENTINEL 12345 /* errno before each call: success must leave it */

static int failures;

static void report(const char *name, int ret, int err)
{
    const char *ename = err == SENTINEL ? "unchanged" : strerrorname_np(err);
    printf("%-36s ret=%s errno=%s\n", name, ret < 0 ? "-1" : ret == 0 ? "0" : "fd",
           ename ? ename : "?");
}

static int preset(void)
{
    errno = SENTINEL;
    return 0;
}

static int reported(const char *name, int ret)
{
    report(name, ret, errno);
    return ret;
}

/* Runs one call with errno preset, reports it; returns the call's result. */
#define CASE(name, call) (preset(), reported(name, (call)))

static struct sockaddr_in v4(const char *ip, unsigned short port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

/* A TCP listener on 127.0.0.1, port chosen by the kernel. */
static int listener(struct sockaddr_in *where)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = v4("127.0.0.1", 0);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 16) ||
        getsockname(fd, (struct sockaddr *)where, &len)) {
        perror("listener");
        failures++;
    }
    return fd;
}

static void where_from(const char *label, void *fn);

/* dladdr() wants an object pointer; memcpy converts without a pedantic cast. */
static void where_socket(void)
{
    int (*f)(int, int, int) = socket;
    void *p;
    memcpy(&p, &f, sizeof p);
    where_from("socket", p);
}

static void where_connect(void)
{
    int (*f)(int, const struct sockaddr *, socklen_t) = connect;
    void *p;
    memcpy(&p, &f, sizeof p);
    where_from("connect", p);
}

static void where_from(const char *label, void *fn)
{
    Dl_info info;
    const char *file = "?";
    if (dladdr(fn, &info) && info.dli_fname) {
        file = strrchr(info.dli_fname, '/') ? strrchr(info.dli_fname, '/') + 1 : info.dli_fname;
    }
    /* stderr: the implementation differs by design between runs; stdout must not. */
    fprintf(stderr, "impl %s %s\n", label, file);
}

int main(void)
{
    where_socket();
    where_connect();

    struct sockaddr_in up;
    int lfd = listener(&up);

    /* A bound socket that never listens refuses connections: a closed port that no
     * other process can take while the test runs. */
    struct sockaddr_in closed = v4("127.0.0.1", 0);
    socklen_t clen = sizeof closed;
    int bound = socket(AF_INET, SOCK_STREAM, 0);
    bind(bound, (struct sockaddr *)&closed, sizeof closed);
    getsockname(bound, (struct sockaddr *)&closed, &clen);

    int fd;

    /* socket() */
    fd = CASE("socket inet stream", socket(AF_INET, SOCK_STREAM, 0));
    close(fd);
    fd = CASE("socket inet6 dgram", socket(AF_INET6, SOCK_DGRAM, 0));
    close(fd);
    fd = CASE("socket unix seqpacket", socket(AF_UNIX, SOCK_SEQPACKET, 0));
    close(fd);
    fd = CASE("socket netlink route", socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
    close(fd);
    fd = CASE("socket nonblock|cloexec", socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    printf("%-36s nonblock=%d cloexec=%d\n", "  flags", !!(fcntl(fd, F_GETFL) & O_NONBLOCK),
           !!(fcntl(fd, F_GETFD) & FD_CLOEXEC));
    close(fd);
    fd = CASE("socket plain flags", socket(AF_INET, SOCK_STREAM, 0));
    printf("%-36s nonblock=%d cloexec=%d\n", "  flags", !!(fcntl(fd, F_GETFL) & O_NONBLOCK),
           !!(fcntl(fd, F_GETFD) & FD_CLOEXEC));
    close(fd);
    CASE("socket bad protocol", socket(AF_INET, SOCK_STREAM, 99));
    CASE("socket bad type", socket(AF_INET, 999, 0));
    CASE("socket bad domain", socket(9999, SOCK_STREAM, 0));
    CASE("socket bad flags", socket(AF_INET, SOCK_STREAM | 0x40000000, 0));
    CASE("socket udp with tcp protocol", socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));

    /* connect() */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    CASE("connect ok", connect(fd, (struct sockaddr *)&up, sizeof up));
    CASE("connect again EISCONN", connect(fd, (struct sockaddr *)&up, sizeof up));
    close(fd);

    fd = socket(AF_INET, SOCK_STREAM, 0);
    CASE("connect closed port ECONNREFUSED", connect(fd, (struct sockaddr *)&closed, sizeof closed));
    close(fd);

    CASE("connect fd -1 EBADF", connect(-1, (struct sockaddr *)&up, sizeof up));
    CASE("connect closed fd EBADF", connect(999, (struct sockaddr *)&up, sizeof up));

    int p[2];
    if (pipe(p) == 0) {
        CASE("connect pipe ENOTSOCK", connect(p[0], (struct sockaddr *)&up, sizeof up));
        close(p[0]);
        close(p[1]);
    }

    fd = socket(AF_INET, SOCK_STREAM, 0);
    CASE("connect NULL addr EFAULT", connect(fd, NULL, sizeof up));
    CASE("connect bad pointer EFAULT", connect(fd, (struct sockaddr *)8, sizeof up));
    CASE("connect short len EINVAL", connect(fd, (struct sockaddr *)&up, 1));
    CASE("connect zero len", connect(fd, (struct sockaddr *)&up, 0));
    CASE("connect huge len", connect(fd, (struct sockaddr *)&up, 100000));
    struct sockaddr_in6 six;
    memset(&six, 0, sizeof six);
    six.sin6_family = AF_INET6;
    six.sin6_port = up.sin_port;
    six.sin6_addr = in6addr_loopback;
    CASE("connect v6 addr on v4 EAFNOSUPPORT", connect(fd, (struct sockaddr *)&six, sizeof six));
    close(fd);

    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CASE("connect nonblocking", connect(fd, (struct sockaddr *)&up, sizeof up));
    close(fd);

    struct sockaddr_un un;
    memset(&un, 0, sizeof un);
    un.sun_family = AF_UNIX;
    snprintf(un.sun_path, sizeof un.sun_path, "/nonexistent/netshim-%d.sock", (int)getpid());
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CASE("connect unix missing ENOENT", connect(fd, (struct sockaddr *)&un, sizeof un));
    close(fd);

    memset(&un, 0, sizeof un);
    un.sun_family = AF_UNIX;
    int n = snprintf(un.sun_path + 1, sizeof un.sun_path - 1, "netshim-nobody-%d", (int)getpid());
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CASE("connect abstract ECONNREFUSED",
         connect(fd, (struct sockaddr *)&un, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)));
    close(fd);

    /* An abstract name somebody listens on: success. */
    int ul = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(ul, (struct sockaddr *)&un, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n));
    listen(ul, 4);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CASE("connect abstract ok",
         connect(fd, (struct sockaddr *)&un, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)));
    close(fd);
    close(ul);

    struct sockaddr_nl nl;
    memset(&nl, 0, sizeof nl);
    nl.nl_family = AF_NETLINK;
    fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    CASE("connect netlink kernel", connect(fd, (struct sockaddr *)&nl, sizeof nl));
    close(fd);

    fd = socket(AF_INET, SOCK_DGRAM, 0);
    CASE("connect udp", connect(fd, (struct sockaddr *)&up, sizeof up));
    struct sockaddr unspec;
    memset(&unspec, 0, sizeof unspec);
    unspec.sa_family = AF_UNSPEC;
    CASE("connect udp AF_UNSPEC dissolve", connect(fd, &unspec, sizeof unspec));
    close(fd);

    fd = socket(AF_INET6, SOCK_STREAM, 0);
    CASE("connect v4 addr on v6 socket", connect(fd, (struct sockaddr *)&up, sizeof up));
    close(fd);

    close(bound);
    close(lfd);
    return failures ? 1 : 0;
}
