/* spawn_state: what a spawned program can see of how it was started, one line each: its
 * arguments, an environment variable, its directory, whether it leads its process group and
 * session, its blocked and ignored signal sets, which of fds 0-63 are open (and to what), its
 * effective ids; then one connect to 127.0.0.1:PORT, so that a tracer's log shows it ran.
 * Built static: the preload cannot see it, so under subtree tracing netshim spawns it.
 *   spawn_state PORT [ARG...] */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    const char *v = getenv("SPAWN_VAR");
    printf("SPAWN_VAR=%s\n", v ? v : "(unset)");
    char cwd[4096];
    printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
    printf("pgrp leader=%d session leader=%d\n", getpgrp() == getpid(), getsid(0) == getpid());
    FILE *st = fopen("/proc/self/status", "r");
    char line[512];
    while (st && fgets(line, sizeof line, st))
        if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7))
            fputs(line, stdout);
    if (st)
        fclose(st);
    for (int fd = 0; fd < 64; fd++) {
        char link[64], target[256];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n < 0)
            continue;
        target[n] = 0;
        if (!strncmp(target, "pipe:", 5) || !strncmp(target, "socket:", 7))
            strcpy(target, target[0] == 'p' ? "pipe" : "socket");
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
            printf("fd %d -> %s (mode %o)\n", fd, target, (unsigned)(st.st_mode & 07777));
        else
            printf("fd %d -> %s\n", fd, target);
    }
    printf("euid=%d egid=%d scheduler=%d\n", (int)geteuid(), (int)getegid(), sched_getscheduler(0));
    fflush(stdout);
    if (argc > 1) {
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
        sin.sin_addr.s_addr = htonl(0x7f000001);
        int s = socket(AF_INET, SOCK_STREAM, 0);
        printf("connect=%d\n", connect(s, (struct sockaddr *)&sin, sizeof sin));
    }
    return 3;
}
