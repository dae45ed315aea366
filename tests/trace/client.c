/* client: the C client of tests/trace, built static against glibc and against musl. Each
 * argument is HOST PORT (two words): resolved with getaddrinfo (the C library's own resolver:
 * the hosts file and DNS) and connected with a blocking connect, first address only.
 * "bad" as HOST runs connects with bad arguments instead (NULL, an unmapped address, a
 * garbage length, a closed fd) and prints their errno, so the traced run can be compared
 * with the plain one. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void bad(void)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(9)};
    sin.sin_addr.s_addr = htonl(0x7f000001);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct { const char *name; const struct sockaddr *addr; socklen_t len; int fd; } cases[] = {
        {"null address", NULL, sizeof sin, fd},
        {"unmapped address", (const struct sockaddr *)16, sizeof sin, fd},
        {"garbage length", (const struct sockaddr *)&sin, 3, fd},
        {"huge length", (const struct sockaddr *)&sin, 100000, fd},
        {"closed fd", (const struct sockaddr *)&sin, sizeof sin, 999},
        {"not a socket", (const struct sockaddr *)&sin, sizeof sin, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        errno = 0;
        int ret = connect(cases[i].fd, cases[i].addr, cases[i].len);
        printf("%s: ret=%d errno=%d\n", cases[i].name, ret, errno);
    }
    close(fd);
}

int main(int argc, char **argv)
{
    int status = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "bad") == 0) {
            bad();
            continue;
        }
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
        int err = getaddrinfo(argv[i], argv[i + 1], &hints, &res);
        if (err != 0) {
            printf("getaddrinfo %s: %s\n", argv[i], gai_strerror(err));
            status = 1;
            continue;
        }
        int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
        int ret = connect(fd, res->ai_addr, res->ai_addrlen);
        printf("%s %s %s\n", ret == 0 ? "ok" : "error", argv[i], argv[i + 1]);
        close(fd);
        freeaddrinfo(res);
    }
    return status;
}
