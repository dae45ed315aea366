/* The logger's cached thread ids are the kernel's, through everything that changes them:
 * threads created one after another (glibc reuses the previous thread's stack and thread
 * descriptor, so the thread pointer repeats), fork from a thread, and a vfork child that
 * connects before its parent's thread ever logged. Each connect goes to a unix path that
 * names it; the program prints "NAME PID TID DESCRIPTOR" as the kernel gives them, and run.sh checks
 * the log line of each NAME against that. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void named_connect(const char *name)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "/nonexistent/%s", name);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(fd, (struct sockaddr *)&a, sizeof a);
    close(fd);
}

static void report(const char *name)
{
    named_connect(name);
    /* pthread_self() is the thread descriptor: the same value for two threads shows that
     * glibc reused it (and so the thread pointer). */
    printf("%s %ld %ld %lx\n", name, (long)getpid(), (long)syscall(SYS_gettid),
           (unsigned long)pthread_self());
    fflush(stdout);
}

static void *sequential(void *arg)
{
    char name[32];
    snprintf(name, sizeof name, "thread-%ld", (long)arg);
    report(name);
    return NULL;
}

static void *forking(void *arg)
{
    (void)arg;
    report("fork-parent-before");
    pid_t pid = fork();
    if (pid == 0) {
        report("fork-child");
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    report("fork-parent-after");
    return NULL;
}

static void *vforking(void *arg)
{
    (void)arg;
    /* This thread has not logged yet: the vfork child is the first to ask for its id. */
    pid_t pid = vfork();
    if (pid == 0) {
        named_connect("vfork-child");
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    report("vfork-parent");
    return NULL;
}

int main(void)
{
    report("main");
    for (long i = 0; i < 40; i++) {
        pthread_t t;
        pthread_create(&t, NULL, sequential, (void *)i);
        pthread_join(t, NULL);
    }
    pthread_t t;
    pthread_create(&t, NULL, forking, NULL);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, vforking, NULL);
    pthread_join(t, NULL);
    report("main-again");
    return 0;
}
