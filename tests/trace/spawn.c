/* spawn: starts PROGRAM through one member of the exec family, in a forked (or vforked)
 * child, waits for it and exits with its status. For subtree tracing (a normal user's
 * `netshim run`): every member goes through the library's exec hooks, which put an image the
 * preload cannot see under the tracer.
 *   spawn MODE PROGRAM [ARG...]
 * MODE: execve execv execvp execvpe execl execle execlp fexecve execveat execveat-rel
 * (PROGRAM's directory as the dirfd, its base name) execveat-empty (PROGRAM open, "",
 * AT_EMPTY_PATH) vfork.
 * execl, execle and execlp pass PROGRAM and up to 8 ARGs (more than the registers hold). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int start(const char *mode, char **argv)
{
    const char *prog = argv[0];
    char *a[9] = {0};
    for (int i = 0; i < 8 && argv[i + 1]; i++)
        a[i] = argv[i + 1];
    if (!strcmp(mode, "execve"))
        return execve(prog, argv, environ);
    if (!strcmp(mode, "execv"))
        return execv(prog, argv);
    if (!strcmp(mode, "execvp"))
        return execvp(prog, argv);
    if (!strcmp(mode, "execvpe"))
        return execvpe(prog, argv, environ);
    if (!strcmp(mode, "execl"))
        return execl(prog, prog, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], (char *)0);
    if (!strcmp(mode, "execle"))
        return execle(prog, prog, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], (char *)0, environ);
    if (!strcmp(mode, "execlp"))
        return execlp(prog, prog, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], (char *)0);
    if (!strcmp(mode, "fexecve")) {
        int fd = open(prog, O_RDONLY | O_CLOEXEC);
        return fexecve(fd, argv, environ);
    }
    if (!strcmp(mode, "execveat")) {
        int dir = open(".", O_RDONLY | O_DIRECTORY);
        return execveat(dir, prog, argv, environ, 0);
    }
    if (!strcmp(mode, "execveat-rel")) {
        char d[4096];
        snprintf(d, sizeof d, "%s", prog);
        char *slash = strrchr(d, '/');
        if (!slash)
            return -1;
        *slash = 0;
        int dir = open(d, O_RDONLY | O_DIRECTORY);
        return execveat(dir, slash + 1, argv, environ, 0);
    }
    if (!strcmp(mode, "execveat-empty")) {
        int fd = open(prog, O_RDONLY);
        return execveat(fd, "", argv, environ, AT_EMPTY_PATH);
    }
    fprintf(stderr, "spawn: unknown mode %s\n", mode);
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: spawn MODE PROGRAM [ARG...]\n");
        return 2;
    }
    int vfork_mode = !strcmp(argv[1], "vfork");
    pid_t pid = vfork_mode ? vfork() : fork();
    if (pid == 0) {
        if (vfork_mode)
            execve(argv[2], argv + 2, environ);
        else
            start(argv[1], argv + 2);
        _exit(127);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return 126;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
