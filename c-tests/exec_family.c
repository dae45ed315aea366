/* exec_family: every member of the exec family in a family of cases (success, each errno
 * the PATH search can end with, the /bin/sh fallback for a file without #!, empty and
 * over-long PATH entries, long names, bad fds), each in a forked child; prints one line per
 * case: what the call returned and its errno, or the child's output and status when it
 * ran. Run plainly (glibc), preloaded and linked against netshim: the outputs must match.
 *   exec_family DIR      (DIR: an empty scratch directory) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *dir;
static char path_buf[8192];

static void run(const char *what, int (*f)(void))
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        int r = f();
        printf("%s: returned %d, errno %s\n", what, r, strerrorname_np(errno));
        fflush(stdout);
        _exit(99);
    }
    int st;
    waitpid(p, &st, 0);
    printf("%s: exit %d\n", what, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static char *echo_av[] = {"echo", "argv", "words", NULL};
/* Bad pointers, hidden from the compiler's nonnull and bounds checks. */
static char *const *volatile no_list = NULL;
static char *const *volatile bad_list = (char *const *)8;
static const char *volatile no_string = NULL;
static const char *volatile bad_string = (const char *)8;
static char *in(const char *name)
{
    static char b[4096];
    snprintf(b, sizeof b, "%s/%s", dir, name);
    return b;
}
static void path(const char *p) { setenv("PATH", p, 1); }

static int c_execl(void) { return execl("/bin/echo", "echo", "execl", "1", "2", "3", "4", "5", "6", "7", "8", (char *)0); }
static int c_execl_none(void) { return execl("/bin/echo", "echo", (char *)0); }
static int c_execle(void) { char *e[] = {"ONLY=1", NULL}; return execle("/usr/bin/env", "env", (char *)0, e); }
static int c_execlp(void) { path("/nonexistent:/usr/bin:/bin"); return execlp("echo", "echo", "execlp", "a", "b", "c", "d", "e", (char *)0); }
static int c_execlp_missing(void) { return execlp("netshim-no-such-program", "x", (char *)0); }
static int c_execv(void) { return execv("/bin/echo", echo_av); }
static int c_execv_dir(void) { return execv("/", echo_av); }
static int c_execv_text(void) { return execv("/etc/hostname", echo_av); }
static int c_execve_env(void) { char *e[] = {"A=1", "B=2", NULL}; return execve("/usr/bin/env", (char *[]){"env", NULL}, e); }
static int c_execve_null_env(void) { return execve("/usr/bin/env", (char *[]){"env", NULL}, no_list); }
static int c_execve_missing(void) { return execve("/nonexistent/x", echo_av, environ); }
static int c_execve_notdir(void) { return execve("/etc/hostname/x", echo_av, environ); }
static int c_execve_null_path(void) { return execve(no_string, echo_av, environ); }
static int c_execve_bad_path(void) { return execve(bad_string, echo_av, environ); }
static int c_execve_bad_argv(void) { return execve("/bin/echo", bad_list, environ); }
static int c_execve_bad_env(void) { return execve("/bin/echo", echo_av, bad_list); }
static int c_execvp(void) { return execvp("echo", echo_av); }
static int c_execvp_empty(void) { return execvp("", echo_av); }
static int c_execvp_missing(void) { return execvp("netshim-no-such-program", echo_av); }
static int c_execvp_slash_missing(void) { return execvp("./netshim-no-such-program", echo_av); }
static int c_execvp_script(void) { return execvp(in("script"), echo_av); }
static int c_execvp_script_path(void) { path(dir); return execvp("script", echo_av); }
static int c_execvp_script_noargs(void) { path(dir); return execvp("script", (char *[]){NULL}); }
static int c_execvp_eacces(void) { path(dir); return execvp("noexec", echo_av); }
static int c_execvp_eacces_then_found(void) { snprintf(path_buf, sizeof path_buf, "%s:/bin", dir); path(path_buf); return execvp("echo", echo_av); }
static int c_execvp_eacces_last(void) { snprintf(path_buf, sizeof path_buf, "%s:/nonexistent", dir); path(path_buf); return execvp("noexec", echo_av); }
static int c_execvp_notdir(void) { path("/etc/hostname:/nonexistent"); return execvp("echo", echo_av); }
static int c_execvp_empty_entry(void) { if (chdir(dir)) return -2; path("/nonexistent::/nothere"); return execvp("script", echo_av); }
static int c_execvp_trailing_colon(void) { if (chdir(dir)) return -2; path("/nonexistent:"); return execvp("script", echo_av); }
static int c_execvp_empty_path(void) { if (chdir(dir)) return -2; path(""); return execvp("script", echo_av); }
static int c_execvp_unset_path(void) { unsetenv("PATH"); return execvp("true", echo_av); }
static int c_execvp_long_entry(void)
{
    /* An entry longer than PATH_MAX - 1 bytes is skipped, and the search goes on. */
    memset(path_buf, 'x', 5000);
    path_buf[0] = '/';
    strcpy(path_buf + 5000, ":/bin");
    path(path_buf);
    return execvp("echo", echo_av);
}
static int c_execvp_only_long(void) { memset(path_buf, 'y', 5000); path_buf[0] = '/'; path_buf[5000] = 0; path(path_buf); return execvp("echo", echo_av); }
static int c_execvp_name_255(void) { char n[256]; memset(n, 'n', 255); n[255] = 0; return execvp(n, echo_av); }
static int c_execvp_name_256(void) { char n[257]; memset(n, 'n', 256); n[256] = 0; return execvp(n, echo_av); }
static int c_execvpe(void) { char *e[] = {"ONLY=execvpe", NULL}; path("/usr/bin:/bin"); return execvpe("env", (char *[]){"env", NULL}, e); }
static int c_fexecve(void) { return fexecve(open("/bin/echo", O_RDONLY), echo_av, environ); }
static int c_fexecve_path(void) { return fexecve(open("/bin/echo", O_PATH), echo_av, environ); }
static int c_fexecve_bad(void) { return fexecve(-1, echo_av, environ); }
static int c_fexecve_closed(void) { return fexecve(999, echo_av, environ); }
static int c_fexecve_null(void) { return fexecve(open("/bin/echo", O_RDONLY), no_list, environ); }
static int c_execveat(void) { return execveat(open("/bin", O_RDONLY | O_DIRECTORY), "echo", echo_av, environ, 0); }
static int c_execveat_empty(void) { return execveat(open("/bin/echo", O_RDONLY), "", echo_av, environ, AT_EMPTY_PATH); }
static int c_execveat_nofollow(void) { return execveat(AT_FDCWD, in("link"), echo_av, environ, AT_SYMLINK_NOFOLLOW); }
static int c_execveat_bad_flags(void) { return execveat(AT_FDCWD, "/bin/echo", echo_av, environ, 0x40000); }

/* Argument lists past netshim's in-frame array (32), and past its largest frame (1,024):
 * those go into a mapping of their own, also in a vfork child, where the heap is off limits. */
#define A10 "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"
static int c_execl_40(void) { return execl("/bin/echo", "echo", A10, A10, A10, A10, (char *)0); }
static char *many_av[3002];
static char **many(int n)
{
    many_av[0] = "script";
    for (int i = 1; i <= n; i++)
        many_av[i] = (i % 2) ? "x" : "yz";
    many_av[n + 1] = NULL;
    return many_av;
}
static int c_execvp_script_40(void) { return execvp(in("script"), many(40)); }
static int c_execvp_script_3000(void) { return execvp(in("script"), many(3000)); }
static int c_vfork_execvp_script_3000(void)
{
    char **av = many(3000);
    const char *file = in("script");
    pid_t p = vfork();
    if (p == 0) {
        execvp(file, av);
        _exit(127);
    }
    int st;
    waitpid(p, &st, 0);
    /* Not compared: the errno a vfork child's successful exec leaves in the shared memory
     * (glibc's execvp leaves the ENOEXEC of its first try, netshim leaves errno alone). */
    errno = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    dir = argv[1];
    FILE *s = fopen(in("script"), "w");
    fprintf(s, "echo script: \"$0\" \"$@\"\n");
    fclose(s);
    chmod(in("script"), 0755);
    s = fopen(in("noexec"), "w");
    fclose(s);
    chmod(in("noexec"), 0644);
    s = fopen(in("echo"), "w"); /* found first on PATH, not executable: EACCES, then /bin's */
    fclose(s);
    chmod(in("echo"), 0644);
    if (symlink("/bin/echo", in("link")) != 0)
        return 3;
    setvbuf(stdout, NULL, _IOLBF, 0);
#define CASE(f) run(#f, f)
    CASE(c_execl); CASE(c_execl_none); CASE(c_execle); CASE(c_execlp); CASE(c_execlp_missing);
    CASE(c_execv); CASE(c_execv_dir); CASE(c_execv_text);
    CASE(c_execve_env); CASE(c_execve_null_env); CASE(c_execve_missing); CASE(c_execve_notdir);
    CASE(c_execve_null_path); CASE(c_execve_bad_path); CASE(c_execve_bad_argv); CASE(c_execve_bad_env);
    CASE(c_execvp); CASE(c_execvp_empty); CASE(c_execvp_missing); CASE(c_execvp_slash_missing);
    CASE(c_execvp_script); CASE(c_execvp_script_path); CASE(c_execvp_script_noargs);
    CASE(c_execvp_eacces); CASE(c_execvp_eacces_then_found); CASE(c_execvp_eacces_last); CASE(c_execvp_notdir);
    CASE(c_execvp_empty_entry); CASE(c_execvp_trailing_colon); CASE(c_execvp_empty_path); CASE(c_execvp_unset_path);
    CASE(c_execvp_long_entry); CASE(c_execvp_only_long); CASE(c_execvp_name_255); CASE(c_execvp_name_256);
    CASE(c_execvpe);
    CASE(c_fexecve); CASE(c_fexecve_path); CASE(c_fexecve_bad); CASE(c_fexecve_closed); CASE(c_fexecve_null);
    CASE(c_execveat); CASE(c_execveat_empty); CASE(c_execveat_nofollow); CASE(c_execveat_bad_flags);
    CASE(c_execl_40); CASE(c_execvp_script_40); CASE(c_execvp_script_3000); CASE(c_vfork_execvp_script_3000);
    return 0;
}
