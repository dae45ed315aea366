/* A probe for tests/secure/run.sh, linked with -lnetshim: prints what getaddrinfo answers
 * for each NODE/SERVICE argument pair (addresses and ports in order, or the EAI_* code),
 * then makes one connect (to 127.0.0.1 port 9, refused) for the logger to see. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        struct addrinfo hints, *res, *a;
        memset(&hints, 0, sizeof hints);
        hints.ai_socktype = SOCK_STREAM;
        int rc = getaddrinfo(argv[i], argv[i + 1], &hints, &res);
        printf("%s %s:", argv[i], argv[i + 1]);
        if (rc != 0) {
            printf(" rc=%d\n", rc);
            continue;
        }
        for (a = res; a; a = a->ai_next) {
            char host[INET6_ADDRSTRLEN];
            int port;
            if (a->ai_family == AF_INET) {
                struct sockaddr_in *s = (struct sockaddr_in *)a->ai_addr;
                inet_ntop(AF_INET, &s->sin_addr, host, sizeof host);
                port = ntohs(s->sin_port);
            } else {
                struct sockaddr_in6 *s = (struct sockaddr_in6 *)a->ai_addr;
                inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof host);
                port = ntohs(s->sin6_port);
            }
            printf(" %s/%d", host, port);
        }
        printf("\n");
        freeaddrinfo(res);
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int rc = connect(fd, (struct sockaddr *)&to, sizeof to);
    printf("connect: %d\n", rc);
    close(fd);
    return 0;
}
