/* The connect() example from Beej's Guide to Network Programming, section 9.3
 * "connect()", kept as the guide has it between the markers below. The guide prints a
 * fragment, so it is wrapped in main() with the headers it needs; after it, the program
 * only reports what happened (getpeername succeeds only on a connected socket), so a test
 * can assert the outcome without editing the guide's code. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>

int main(void)
{
/* --- the guide's code, unchanged --- */
// connect to www.example.com port 80 (http)

struct addrinfo hints, *res;
int sockfd;

// first, load up address structs with getaddrinfo():

memset(&hints, 0, sizeof hints);
hints.ai_family = AF_UNSPEC; // use IPv4 or IPv6, whichever
hints.ai_socktype = SOCK_STREAM;

// we could put "80" instead on "http" on the next line:
getaddrinfo("www.example.com", "http", &hints, &res);

// make a socket:

sockfd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);

// connect it to the address and port we passed in to getaddrinfo():

connect(sockfd, res->ai_addr, res->ai_addrlen);
/* --- end of the guide's code --- */

    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    char host[INET6_ADDRSTRLEN] = "?";
    if (getpeername(sockfd, (struct sockaddr *)&peer, &len) != 0) {
        printf("beej: not connected: %s\n", strerror(errno));
        return 1;
    }
    if (peer.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&peer)->sin_addr, host, sizeof host);
    else if (peer.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&peer)->sin6_addr, host, sizeof host);
    printf("beej: connected to %s port %d\n", host,
           ntohs(((struct sockaddr_in *)&peer)->sin_port));
    freeaddrinfo(res);
    return 0;
}
