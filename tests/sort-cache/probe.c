/* Reads "[MODE] NAME FLAGS" lines on stdin and answers each with one line: the
 * getaddrinfo answer (AF_UNSPEC, SOCK_STREAM, the given ai_flags) as "addr addr ..." in
 * order, or "error:N". A long-lived process, so that netshim's cached interface list and
 * source probes are used across lookups (tests/sort-cache/run.sh changes the host's
 * addresses between lines). MODE:
 *   fork     the lookup is made by a forked child (which must not share the parent's
 *            watch socket: the parent's next lookup must still see every change)
 *   clobber  first a pipe holding 5 bytes is dup2'd over fds 3..63 (as a program's dup2
 *            or close_range may reuse the watch socket's number); the answer line ends
 *            with " pipe:N", the bytes still unread after the lookup (must stay 5) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void answer(const char *name, int flags);

int main(void)
{
    char line[512], name[256], mode[16];
    int flags;
    while (fgets(line, sizeof line, stdin)) {
        if (sscanf(line, "fork %255s %i", name, &flags) == 2) {
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0) {
                answer(name, flags);
                _exit(0);
            }
            waitpid(pid, NULL, 0);
        } else if (sscanf(line, "clobber %255s %i", name, &flags) == 2) {
            int p[2];
            if (pipe(p) != 0 || write(p[1], "12345", 5) != 5)
                return 1;
            for (int fd = 3; fd < 64; fd++)
                if (fd != p[0] && fd != p[1])
                    dup2(p[0], fd);
            answer(name, flags);
            int left = -1;
            ioctl(p[0], FIONREAD, &left);
            printf(" pipe:%d\n", left);
            for (int fd = 3; fd < 64; fd++)
                close(fd);
        } else if (sscanf(line, "%15s %i", mode, &flags) == 2) {
            answer(mode, flags);
        }
        if (strncmp(line, "clobber", 7) != 0)
            putchar('\n');
        fflush(stdout);
    }
    return 0;
}

static void answer(const char *name, int flags)
{
    {
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = flags;
        int rc = getaddrinfo(name, NULL, &hints, &res);
        if (rc != 0) {
            printf("error:%d", rc);
        } else {
            for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
                char text[INET6_ADDRSTRLEN] = "?";
                const void *a = ai->ai_family == AF_INET
                                    ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
                                    : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
                inet_ntop(ai->ai_family, a, text, sizeof text);
                printf("%s%s", text, ai->ai_next ? " " : "");
            }
            freeaddrinfo(res);
        }
        fflush(stdout);
    }
}
