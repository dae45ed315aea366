/* The differential probe: reads cases from stdin, one per line, and prints one canonical
 * block per case, so that the same cases run against glibc and against netshim
 * (LD_PRELOAD) can be compared line by line. Lines:
 *   gai FAMILY FLAGS SOCKTYPE PROTOCOL NODE SERVICE   hints given
 *   gai-null NODE SERVICE                             hints == NULL
 *   gai-set ...                                       as gai, nodes printed sorted (for
 *                                                     servers that rotate their answers)
 *   gai-e ...                                         as gai, called with errno EIO (glibc
 *                                                     can return the caller's errno as the
 *                                                     code of a failed lookup); every other
 *                                                     case is called with errno 0
 *   gni FAMILY ADDRESS PORT SCOPE FLAGS HOSTLEN SERVLEN [SALEN]
 *   strerror CODE
 *   setlocale NAME                                    setlocale(LC_ALL, NAME) ('' for "")
 * FAMILY is unspec|inet|inet6|unix or a number; FLAGS is a number (hex with 0x);
 * NODE/SERVICE are "-" for NULL and "''" for the empty string, with \s for a space and
 * \xHH for any byte. Lines starting with # are echoed as they are. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <locale.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

static const char *eai_name(int rc)
{
    switch (rc) {
    case 0: return "0";
    case EAI_BADFLAGS: return "EAI_BADFLAGS";
    case EAI_NONAME: return "EAI_NONAME";
    case EAI_AGAIN: return "EAI_AGAIN";
    case EAI_FAIL: return "EAI_FAIL";
    case EAI_NODATA: return "EAI_NODATA";
    case EAI_FAMILY: return "EAI_FAMILY";
    case EAI_SOCKTYPE: return "EAI_SOCKTYPE";
    case EAI_SERVICE: return "EAI_SERVICE";
    case EAI_ADDRFAMILY: return "EAI_ADDRFAMILY";
    case EAI_MEMORY: return "EAI_MEMORY";
    case EAI_SYSTEM: return "EAI_SYSTEM";
    case EAI_OVERFLOW: return "EAI_OVERFLOW";
    case EAI_IDN_ENCODE: return "EAI_IDN_ENCODE";
    default: return "EAI_?";
    }
}

static int family_of(const char *s)
{
    if (!strcmp(s, "unspec")) return AF_UNSPEC;
    if (!strcmp(s, "inet")) return AF_INET;
    if (!strcmp(s, "inet6")) return AF_INET6;
    if (!strcmp(s, "unix")) return AF_UNIX;
    return (int)strtol(s, NULL, 0);
}

/* Decodes "-", "''", \s and \xHH in place. */
static char *arg(char *s)
{
    if (!strcmp(s, "-")) return NULL;
    if (!strcmp(s, "''")) { s[0] = 0; return s; }
    char *o = s, *r = s;
    while (*r) {
        if (r[0] == '\\' && r[1] == 'x' && r[2] && r[3]) {
            char hex[3] = {r[2], r[3], 0};
            *o++ = (char)strtol(hex, NULL, 16);
            r += 4;
        } else if (r[0] == '\\' && r[1] == 's') {
            *o++ = ' ';
            r += 2;
        } else {
            *o++ = *r++;
        }
    }
    *o = 0;
    return s;
}

static int sorted_output;
static int preset_errno; /* errno as getaddrinfo is called */

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_list(struct addrinfo *res)
{
    char *lines[512];
    int n = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        char text[INET6_ADDRSTRLEN] = "?";
        unsigned port = 0, scope = 0, flow = 0;
        if (a->ai_family == AF_INET) {
            struct sockaddr_in *s = (struct sockaddr_in *)a->ai_addr;
            inet_ntop(AF_INET, &s->sin_addr, text, sizeof text);
            port = ntohs(s->sin_port);
        } else if (a->ai_family == AF_INET6) {
            struct sockaddr_in6 *s = (struct sockaddr_in6 *)a->ai_addr;
            inet_ntop(AF_INET6, &s->sin6_addr, text, sizeof text);
            port = ntohs(s->sin6_port);
            scope = s->sin6_scope_id;
            flow = s->sin6_flowinfo;
        }
        int inline_addr = (char *)a->ai_addr == (char *)(a + 1);
        char line[2048];
        /* Sorted output: the canonical name (first node only) is printed on its own. */
        const char *canon = a->ai_canonname ? a->ai_canonname : "(null)";
        if (sorted_output && a == res)
            printf("  first canon=%s\n", canon);
        snprintf(line, sizeof line,
                 "  flags=%#x family=%d socktype=%d protocol=%d addrlen=%u %s port=%u scope=%u "
                 "flow=%u canon=%s inline=%d\n",
                 (unsigned)a->ai_flags, a->ai_family, a->ai_socktype, a->ai_protocol,
                 (unsigned)a->ai_addrlen, text, port, scope, flow,
                 sorted_output ? "-" : canon, inline_addr);
        if (sorted_output && n < 512)
            lines[n++] = strdup(line);
        else
            fputs(line, stdout);
    }
    qsort(lines, (size_t)n, sizeof lines[0], cmp_lines);
    for (int i = 0; i < n; i++) {
        fputs(lines[i], stdout);
        free(lines[i]);
    }
}

static void gai(char **w, int n, int null_hints)
{
    struct addrinfo hints, *res = NULL;
    int rc;
    if (null_hints) {
        if (n < 3) { puts("  bad case"); return; }
        char *node = arg(w[1]), *service = arg(w[2]);
        errno = preset_errno;
        rc = getaddrinfo(node, service, NULL, &res);
    } else {
        if (n < 7) { puts("  bad case"); return; }
        memset(&hints, 0, sizeof hints);
        hints.ai_family = family_of(w[1]);
        hints.ai_flags = (int)strtol(w[2], NULL, 0);
        hints.ai_socktype = (int)strtol(w[3], NULL, 0);
        hints.ai_protocol = (int)strtol(w[4], NULL, 0);
        char *node = arg(w[5]), *service = arg(w[6]);
        errno = preset_errno;
        rc = getaddrinfo(node, service, &hints, &res);
    }
    printf("  rc=%s\n", eai_name(rc));
    if (rc == 0) {
        print_list(res);
        freeaddrinfo(res);
    }
}

static void gni(char **w, int n)
{
    if (n < 8) { puts("  bad case"); return; }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    int family = family_of(w[1]);
    socklen_t salen = sizeof ss;
    if (family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&ss;
        s->sin_family = AF_INET;
        inet_pton(AF_INET, w[2], &s->sin_addr);
        s->sin_port = htons((unsigned short)atoi(w[3]));
        salen = sizeof *s;
    } else if (family == AF_INET6) {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
        s->sin6_family = AF_INET6;
        inet_pton(AF_INET6, w[2], &s->sin6_addr);
        s->sin6_port = htons((unsigned short)atoi(w[3]));
        s->sin6_scope_id = (unsigned)strtoul(w[4], NULL, 0);
        salen = sizeof *s;
    } else if (family == AF_UNIX) {
        struct sockaddr_un *s = (struct sockaddr_un *)&ss;
        s->sun_family = AF_UNIX;
        snprintf(s->sun_path, sizeof s->sun_path, "%s", w[2]);
        salen = sizeof *s;
    } else {
        ss.ss_family = (sa_family_t)family;
    }
    if (n > 8) salen = (socklen_t)atoi(w[8]);
    int hostlen = atoi(w[6]), servlen = atoi(w[7]);
    char host[2048], serv[256];
    memset(host, '#', sizeof host);
    memset(serv, '#', sizeof serv);
    int rc = getnameinfo((struct sockaddr *)&ss, salen, hostlen < 0 ? NULL : host,
                         hostlen < 0 ? 0 : (socklen_t)hostlen, servlen < 0 ? NULL : serv,
                         servlen < 0 ? 0 : (socklen_t)servlen, (int)strtol(w[5], NULL, 0));
    printf("  rc=%s", eai_name(rc));
    if (rc == 0) {
        printf(" host=%s serv=%s", hostlen > 0 ? host : "-", servlen > 0 ? serv : "-");
    }
    putchar('\n');
}

int main(void)
{
    char line[8192];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0]) continue;
        if (line[0] == '#') { puts(line); continue; }
        printf("Q %s\n", line);
        char *w[16];
        int n = 0;
        for (char *t = strtok(line, " "); t && n < 16; t = strtok(NULL, " ")) w[n++] = t;
        sorted_output = !strcmp(w[0], "gai-set");
        preset_errno = !strcmp(w[0], "gai-e") ? EIO : 0;
        if (!strcmp(w[0], "gai") || sorted_output || preset_errno) gai(w, n, 0);
        else if (!strcmp(w[0], "gai-null")) gai(w, n, 1);
        else if (!strcmp(w[0], "gni")) gni(w, n);
        else if (!strcmp(w[0], "strerror") && n > 1) printf("  %s\n", gai_strerror(atoi(w[1])));
        else if (!strcmp(w[0], "setlocale") && n > 1)
            printf("  %s\n", setlocale(LC_ALL, arg(w[1])) ? "set" : "failed");
        else puts("  bad case");
        fflush(stdout);
    }
    return 0;
}
