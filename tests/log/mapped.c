/* A dual-stack client as Java's runtime is one: looks NAME up for IPv4 only, then connects
 * an AF_INET6 socket to the v4-mapped form of each address (::ffff:a.b.c.d).
 *   mapped NAME PORT     prints "connected" once a connect succeeds */
#define _GNU_SOURCE
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) return 2;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
    int rc = getaddrinfo(argv[1], argv[2], &hints, &res);
    if (rc != 0) { fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rc)); return 1; }
    int done = 1;
    for (struct addrinfo *a = res; a && done; a = a->ai_next) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)a->ai_addr;
        struct sockaddr_in6 six = {.sin6_family = AF_INET6, .sin6_port = sin->sin_port};
        six.sin6_addr.s6_addr[10] = 0xff;
        six.sin6_addr.s6_addr[11] = 0xff;
        memcpy(&six.sin6_addr.s6_addr[12], &sin->sin_addr, 4);
        int fd = socket(AF_INET6, SOCK_STREAM, 0);
        int off = 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&six, sizeof six) == 0) {
            puts("connected");
            done = 0;
        }
        if (fd >= 0) close(fd);
    }
    freeaddrinfo(res);
    return done;
}
