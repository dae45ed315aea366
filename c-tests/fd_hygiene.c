/* Descriptor hygiene under every fault of tests/dns-misbehave's server.
 *   fd_hygiene MODE      lookups against the server NETSHIM_RESOLV_CONF names (misbehaving
 *                        as MODE): the descriptor table is the same before and after them
 *                        and after a cancelled one, and a program exec'd while a lookup is
 *                        in flight inherits none of netshim's descriptors
 *   fd_hygiene --inherited   the exec'd checker: lists the descriptors above 2 it got
 * Prints one line; exit 1 when a check fails. c-tests/run.sh also traces every run and
 * requires each descriptor made to be close-on-exec. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *mode, const char *what)
{
    if (!ok) {
        fprintf(stderr, "FAIL %s: %s\n", mode, what);
        failures++;
    }
}

/* netshim keeps one NETLINK_ROUTE socket between lookups (its address-change watch,
 * docs/COMPATIBILITY.md "held between calls"); this program makes none of its own. */
static int is_route_watch(int fd)
{
    int domain = 0, protocol = -1;
    socklen_t len = sizeof domain;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_NETLINK)
        return 0;
    len = sizeof protocol;
    return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) == 0 && protocol == 0;
}

static int watches; /* route-watch sockets seen by the last each_fd */

/* Calls f(fd, target) for each open descriptor above 2 (not the directory's own, not
 * netshim's route watch, which `watches` counts). */
static int each_fd(void (*f)(int, const char *))
{
    watches = 0;
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
            continue;
        if (is_route_watch(fd)) {
            watches++;
            continue;
        }
        char path[64], target[256] = "";
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t len = readlink(path, target, sizeof target - 1);
        target[len > 0 ? len : 0] = 0;
        if (f)
            f(fd, target);
        n++;
    }
    closedir(d);
    return n;
}

static void print_inherited(int fd, const char *target)
{
    printf(" %d=%s", fd, target);
}

/* The harness's own descriptors are made close-on-exec (they are not netshim's); the log
 * file netshim opened at load must be so already. */
static const char *log_path;
static int log_fd_ok = 1;
static void prepare(int fd, const char *target)
{
    int flags = fcntl(fd, F_GETFD);
    if (log_path && !strcmp(target, log_path))
        log_fd_ok = (flags & FD_CLOEXEC) != 0;
    else
        fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

static void lookup(int family, int flags)
{
    struct addrinfo hints = {.ai_family = family, .ai_socktype = SOCK_STREAM, .ai_flags = flags};
    struct addrinfo *res;
    if (getaddrinfo("x.test", "80", &hints, &res) == 0)
        freeaddrinfo(res);
}

static void *in_flight(void *arg)
{
    (void)arg;
    lookup(AF_UNSPEC, 0);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--inherited")) {
        printf("inherited:");
        int n = each_fd(print_inherited);
        printf("%s\n", n ? "" : " none");
        return n ? 1 : 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODE | --inherited\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    log_path = getenv("NETSHIM_LOG");
    each_fd(prepare);
    check(log_fd_ok, mode, "the log's descriptor is close-on-exec");
    int before = each_fd(NULL);

    lookup(AF_UNSPEC, 0);
    lookup(AF_INET, 0);
    lookup(AF_INET6, 0);
    lookup(AF_UNSPEC, AI_CANONNAME);
    int after = each_fd(NULL);
    check(after == before, mode, "lookups left descriptors open");
    check(watches <= 1, mode, "more than one route-watch socket");

    /* A program exec'd while a lookup waits on the server: only 0-2 reach it. */
    pthread_t t;
    pthread_create(&t, NULL, in_flight, NULL);
    usleep(100000);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* Without NETSHIM_LOG or LD_PRELOAD: the checker opens nothing of its own. */
        char *const env[] = {NULL};
        execle("/proc/self/exe", argv[0], "--inherited", (char *)NULL, env);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, mode,
          "the exec'd checker inherited descriptors");
    pthread_join(t, NULL);

    /* A lookup cancelled while it waits (or after it answered, for a quick mode). */
    pthread_create(&t, NULL, in_flight, NULL);
    usleep(50000);
    pthread_cancel(t);
    pthread_join(t, NULL);
    int cancelled = each_fd(NULL);
    check(cancelled == before, mode, "a cancelled lookup left descriptors open");
    check(watches <= 1, mode, "more than one route-watch socket after a cancel");

    printf("%s: %d descriptors before, %d after lookups, %d after a cancelled one\n", mode,
           before, after, cancelled);
    return failures ? 1 : 0;
}
