/* A resolver workload for the tripwire: numeric, hosts-file and service lookups,
 * getnameinfo and gai_strerror, each answer checked. Run with NETSHIM_HOSTS,
 * NETSHIM_SERVICES and NETSHIM_NSSWITCH pointing at c-tests/fixtures. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static int failures;

static void expect_first(const char *node, const char *service, int family, int flags,
                         const char *want_addr, int want_port)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    hints.ai_flags = flags;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(node, service, &hints, &res);
    char text[64] = "";
    int port = -1;
    if (rc == 0) {
        if (res->ai_family == AF_INET) {
            struct sockaddr_in *sin = (struct sockaddr_in *)res->ai_addr;
            inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
            port = ntohs(sin->sin_port);
        } else {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)res->ai_addr;
            inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
            port = ntohs(sin6->sin6_port);
        }
        freeaddrinfo(res);
    }
    int ok = rc == 0 && strcmp(text, want_addr) == 0 && port == want_port;
    printf("%s getaddrinfo(%s, %s) -> %s port %d (%s)\n", ok ? "ok  " : "FAIL", node, service,
           rc ? gai_strerror(rc) : text, port, want_addr);
    failures += !ok;
}

int main(void)
{
    expect_first("127.1", "80", AF_UNSPEC, 0, "127.0.0.1", 80);
    expect_first("::1", "https", AF_INET6, 0, "::1", 443);
    expect_first("www.example.com", "http", AF_INET, 0, "127.0.0.1", 80);
    expect_first("localhost", "22", AF_INET6, 0, "::1", 22);
    expect_first(NULL, "ssh", AF_INET, AI_PASSIVE, "0.0.0.0", 22);

    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(80);
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    char host[64], serv[32];
    int rc = getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, serv, sizeof serv, 0);
    int ok = rc == 0 && strcmp(host, "localhost") == 0 && strcmp(serv, "http") == 0;
    printf("%s getnameinfo(127.0.0.1:80) -> %s %s\n", ok ? "ok  " : "FAIL", rc ? gai_strerror(rc) : host,
           rc ? "" : serv);
    failures += !ok;

    ok = strcmp(gai_strerror(EAI_NONAME), "Name or service not known") == 0;
    printf("%s gai_strerror(EAI_NONAME)\n", ok ? "ok  " : "FAIL");
    failures += !ok;
    return failures != 0;
}
