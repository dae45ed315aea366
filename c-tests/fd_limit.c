/* getaddrinfo and socket in a process that has used up RLIMIT_NOFILE, compared with glibc.
 * Prints one line per case; c-tests/run.sh compares glibc's lines with netshim's (linked
 * and preloaded) and holds the documented differences. Runs in a private namespace with
 * the fixture hosts file and a resolv.conf naming 127.0.0.1 (nothing listens there). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *gai_name(int rc)
{
    static char buf[24];
    switch (rc) {
    case 0: return "0";
    case EAI_AGAIN: return "EAI_AGAIN";
    case EAI_FAIL: return "EAI_FAIL";
    case EAI_NONAME: return "EAI_NONAME";
    case EAI_NODATA: return "EAI_NODATA";
    case EAI_MEMORY: return "EAI_MEMORY";
    case EAI_SYSTEM: return "EAI_SYSTEM";
    default: snprintf(buf, sizeof buf, "EAI(%d)", rc); return buf;
    }
}

static void lookup(const char *label, const char *node, int family)
{
    struct addrinfo hints = {.ai_family = family, .ai_socktype = SOCK_STREAM}, *res = NULL;
    errno = 0;
    int rc = getaddrinfo(node, "80", &hints, &res);
    int err = errno;
    char first[64] = "-";
    if (rc == 0) {
        getnameinfo(res->ai_addr, res->ai_addrlen, first, sizeof first, NULL, 0, NI_NUMERICHOST);
        freeaddrinfo(res);
    }
    printf("%s %s: %s%s%s %s\n", label, node, gai_name(rc), rc == EAI_SYSTEM ? " " : "",
           rc == EAI_SYSTEM ? strerrorname_np(err) : "", first);
}

int main(int argc, char **argv)
{
    /* "warm": one lookup before the limit, so that a library that keeps the hosts file can
     * answer from it; "cold": the first lookup happens at the limit. */
    if (argc != 2 || (strcmp(argv[1], "warm") && strcmp(argv[1], "cold"))) {
        fprintf(stderr, "usage: %s warm|cold\n", argv[0]);
        return 2;
    }
    if (!strcmp(argv[1], "warm"))
        lookup("before", "www.example.com", AF_INET);
    struct rlimit rl = {64, 64};
    if (setrlimit(RLIMIT_NOFILE, &rl)) {
        perror("setrlimit");
        return 2;
    }
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), filled = 0;
    while (fcntl(fd, F_DUPFD_CLOEXEC, 0) >= 0)
        filled++;
    if (errno != EMFILE) {
        perror("filling the table");
        return 2;
    }
    lookup("at-limit", "127.0.0.1", AF_INET);
    lookup("at-limit", "www.example.com", AF_INET);
    lookup("at-limit", "localhost", AF_UNSPEC);
    lookup("at-limit", "dns.cancel.test", AF_INET);
    errno = 0;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    printf("at-limit socket: %d %s\n", s < 0 ? -1 : 0, s < 0 ? strerrorname_np(errno) : "");
    /* One descriptor free again: everything works. */
    close(fd);
    lookup("one-free", "www.example.com", AF_INET);
    lookup("one-free", "localhost", AF_UNSPEC);
    return 0;
}
