/* The logger's destination dies; the program must not notice.
 *   dead pipe     (re-executes itself with fd 9 a pipe whose reader is closed)
 *   dead check    connect to a closed port: ECONNREFUSED kept, no SIGPIPE, exit 0
 *   dead reuse FILE   dup2 its own FILE over the log fd, then connect: FILE must not get
 *                     log lines
 *   dead closed   close every fd from 3 up (close_range), then connect
 *   dead daemon   close every fd from 0 up, as a daemon does, then connect (the log is
 *                 opened again) and open /dev/null three times: it must get 0, 1 and 2
 *   dead pipe-blocked   as pipe, but the program blocks SIGPIPE itself: a SIGPIPE of its own
 *                 pending before the connect must still be pending after it, and the one
 *                 the log write raised must not be left pending when there was none */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int refused_connect(void)
{
    int bound = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(bound, (struct sockaddr *)&a, sizeof a);
    getsockname(bound, (struct sockaddr *)&a, &len);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    errno = 0;
    int r = connect(fd, (struct sockaddr *)&a, sizeof a);
    int e = errno;
    close(fd);
    close(bound);
    if (r != -1 || e != ECONNREFUSED) {
        printf("FAIL: connect returned %d errno %d\n", r, e);
        return 1;
    }
    return 0;
}

/* The fd whose /proc/self/fd link names `path`. */
static int fd_of(const char *path)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    char link[4096], target[4096];
    int found = -1;
    while (d && (e = readdir(d))) {
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n > 0) {
            target[n] = 0;
            if (!strcmp(target, path))
                found = atoi(e->d_name);
        }
    }
    if (d)
        closedir(d);
    return found;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    if (!strcmp(argv[1], "pipe") || !strcmp(argv[1], "pipe-blocked")) {
        int p[2];
        if (pipe(p))
            return 2;
        close(p[0]);
        dup2(p[1], 9);
        setenv("NETSHIM_LOG", "fd:9", 1);
        char *args[] = {argv[0], strcmp(argv[1], "pipe") ? "blocked" : "check", NULL};
        execv(argv[0], args);
        return 2;
    }
    if (!strcmp(argv[1], "blocked")) {
        sigset_t set, pending;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        sigprocmask(SIG_BLOCK, &set, NULL);
        /* No SIGPIPE of the program's: the logger's own must be taken back. */
        if (refused_connect())
            return 1;
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE)) {
            puts("FAIL: the log write left a SIGPIPE pending");
            return 1;
        }
        /* The program's own pending SIGPIPE survives a logged connect. */
        raise(SIGPIPE);
        if (refused_connect())
            return 1;
        sigpending(&pending);
        if (!sigismember(&pending, SIGPIPE)) {
            puts("FAIL: the program's pending SIGPIPE was taken");
            return 1;
        }
        sigset_t mask;
        sigprocmask(SIG_BLOCK, NULL, &mask);
        if (!sigismember(&mask, SIGPIPE)) {
            puts("FAIL: the program's mask changed");
            return 1;
        }
        puts("ok");
        return 0;
    }
    if (!strcmp(argv[1], "check"))
        return refused_connect() ? 1 : (puts("ok"), 0);
    if (!strcmp(argv[1], "reuse") && argc > 3) {
        int logfd = fd_of(argv[3]);
        if (logfd < 0) {
            puts("FAIL: log fd not found");
            return 1;
        }
        int mine = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(mine, logfd);
        close(mine);
        int r = refused_connect();
        if (write(logfd, "program data\n", 13) != 13)
            return 1;
        return r ? 1 : (puts("ok"), 0);
    }
    if (!strcmp(argv[1], "closed")) {
        syscall(SYS_close_range, 3, ~0U, 0);
        return refused_connect() ? 1 : (puts("ok"), 0);
    }
    if (!strcmp(argv[1], "daemon")) {
        /* With every fd closed the answer can only be the exit status. */
        if (syscall(SYS_close_range, 0, ~0U, 0) != 0)
            _exit(3);
        if (refused_connect())
            _exit(4);
        for (int want = 0; want < 3; want++)
            if (open("/dev/null", O_RDWR) != want)
                _exit(10 + want);
        _exit(0);
    }
    return 2;
}
