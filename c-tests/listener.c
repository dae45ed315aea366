/* A one-shot TCP listener for the tests and the demo:
 *   listener ADDRESS PORT READY_FILE
 * listens, creates READY_FILE once it accepts connections, accepts one connection,
 * prints the peer and exits 0; exits 1 if nobody connects within 10 seconds. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s ADDRESS PORT READY_FILE\n", argv[0]);
        return 2;
    }
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    if (getaddrinfo(argv[1], argv[2], &hints, &res) != 0) {
        fprintf(stderr, "listener: bad address %s port %s\n", argv[1], argv[2]);
        return 2;
    }
    int one = 1;
    int fd = socket(res->ai_family, res->ai_socktype, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 8)) {
        perror("listener");
        return 1;
    }
    freeaddrinfo(res);
    FILE *ready = fopen(argv[3], "w");
    if (ready)
        fclose(ready);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 10000) != 1) {
        fprintf(stderr, "listener: nobody connected within 10 s\n");
        return 1;
    }
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    int c = accept(fd, (struct sockaddr *)&peer, &len);
    if (c < 0) {
        perror("listener: accept");
        return 1;
    }
    char host[1025], serv[32]; /* NI_MAXHOST, NI_MAXSERV */
    getnameinfo((struct sockaddr *)&peer, len, host, sizeof host, serv, sizeof serv,
                NI_NUMERICHOST | NI_NUMERICSERV);
    printf("listener: accepted a connection from %s port %s\n", host, serv);
    close(c);
    close(fd);
    return 0;
}
