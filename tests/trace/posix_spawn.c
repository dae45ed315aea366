/* posix_spawn: a family of posix_spawn and posix_spawnp calls — file actions (open, dup2,
 * dup2 onto itself, close, chdir, fchdir, closefrom), attributes (signal mask, default
 * signals, process group, session), the PATH search, a failing action — each starting
 * spawn_state and printing what it returned, the child's status and output. Run once with
 * glibc's posix_spawn and once under `netshim run`'s subtree tracing, where netshim makes the
 * spawns of the static spawn_state itself: the outputs must be the same.
 *   posix_spawn DIR PORT [EXEC-ONLY]   (DIR holds spawn_state; EXEC-ONLY: a copy of it the
 *                                       caller may execute but not read) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static char prog[4096];
static char *port;
static int out[2];
static posix_spawn_file_actions_t fa;

/* A new case: the child's stdout into a pipe, the first file action of every case. */
static posix_spawn_file_actions_t *begin(void)
{
    if (pipe(out) != 0)
        exit(2);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    return &fa;
}

static void run_path(const char *name, int p, const char *path, posix_spawnattr_t *at, char **env)
{
    char *argv[] = {(char *)path, port, "extra arg", NULL};
    pid_t pid = -1;
    fflush(stdout);
    int r = p ? posix_spawnp(&pid, path, &fa, at, argv, env ? env : environ)
              : posix_spawn(&pid, path, &fa, at, argv, env ? env : environ);
    close(out[1]);
    printf("== %s: returned %s\n", name, r ? strerrorname_np(r) : "0");
    if (r != 0) {
        /* *pid is left alone, and no child is left to reap. */
        printf("pid untouched=%d, children left=%d\n", pid == -1, waitpid(-1, NULL, WNOHANG) > 0);
    }
    char buf[8192];
    ssize_t n, len = 0;
    while ((n = read(out[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += n;
    buf[len] = 0;
    close(out[0]);
    if (r == 0) {
        int st;
        waitpid(pid, &st, 0);
        printf("%sstatus %d\n", buf, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
    posix_spawn_file_actions_destroy(&fa);
}

static void run(const char *name, int p, posix_spawnattr_t *at, char **env)
{
    run_path(name, p, p ? "spawn_state" : prog, at, env);
}

static void on_term(int sig) { (void)sig; }

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4)
        return 2;
    snprintf(prog, sizeof prog, "%s/spawn_state", argv[1]);
    port = argv[2];
    /* Not where spawn_state is: a relative path only finds it after a chdir action. */
    if (chdir("/") != 0)
        return 2;
    char path[8192];
    snprintf(path, sizeof path, "%s/noexec-dir:%s:/usr/bin:/bin", argv[1], argv[1]);
    setenv("PATH", path, 1);
    setenv("SPAWN_VAR", "from-environ", 1);
    signal(SIGHUP, SIG_IGN);
    signal(SIGTERM, on_term);
    int cloexec = open("/dev/null", O_RDONLY | O_CLOEXEC); /* the spawned program must not see it */
    (void)cloexec;

    begin();
    run("plain", 0, NULL, NULL);
    begin();
    run("spawnp through PATH (a non-executable file of that name comes first)", 1, NULL, NULL);
    char *env[] = {"SPAWN_VAR=from-envp", NULL};
    begin();
    run("own environment", 0, NULL, env);

    posix_spawn_file_actions_t *f = begin();
    posix_spawn_file_actions_addopen(f, 50, "/dev/zero", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(f, 50, 57);
    posix_spawn_file_actions_addclose(f, 50);
    posix_spawn_file_actions_adddup2(f, cloexec, cloexec);
    posix_spawn_file_actions_addchdir_np(f, "/tmp");
    run("open, dup2, close, dup2 onto itself, chdir", 0, NULL, NULL);

    int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    f = begin();
    posix_spawn_file_actions_addfchdir_np(f, root);
    posix_spawn_file_actions_addclosefrom_np(f, 3);
    run("fchdir, closefrom(3)", 0, NULL, NULL);

    f = begin();
    posix_spawn_file_actions_addclose(f, 900); /* not open, in range: no error */
    run("close of a descriptor that is not open", 0, NULL, NULL);

    f = begin();
    posix_spawn_file_actions_addopen(f, 60, "/nonexistent/file", O_RDONLY, 0);
    run("an open action that fails", 0, NULL, NULL);

    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t mask, def;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigemptyset(&def);
    sigaddset(&def, SIGHUP);
    posix_spawnattr_setsigmask(&at, &mask);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    begin();
    run("signal mask, default signals, own process group", 0, &at, NULL);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID);
    begin();
    run("own session", 1, &at, NULL);
    posix_spawnattr_destroy(&at);

    posix_spawnattr_init(&at);
    struct sched_param sp = {.sched_priority = 0};
    posix_spawnattr_setschedparam(&at, &sp);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_RESETIDS | POSIX_SPAWN_SETSCHEDPARAM);
    begin();
    run("reset ids, scheduler parameters", 0, &at, NULL);
    posix_spawnattr_destroy(&at);

    f = begin();
    posix_spawn_file_actions_addchdir_np(f, argv[1]);
    run_path("a relative path found only after the chdir action", 0, "./spawn_state", NULL, NULL);

    char created[4200];
    snprintf(created, sizeof created, "%s/created", argv[1]);
    f = begin();
    posix_spawn_file_actions_addopen(f, 61, created, O_WRONLY | O_CREAT | O_TRUNC, 0640);
    run("an open action creating a file with a mode", 0, NULL, NULL);
    unlink(created);

    char bad[4200];
    snprintf(bad, sizeof bad, "%s/bad-elf", argv[1]);
    begin();
    run_path("an ELF the kernel refuses (ENOEXEC)", 0, bad, NULL, NULL);

    if (argc == 4) {
        begin();
        run_path("a program that may be executed but not read", 0, argv[3], NULL, NULL);
    }

    sigprocmask(SIG_BLOCK, &mask, NULL);
    begin();
    run("the caller's mask is inherited", 0, NULL, NULL);
    return 0;
}
