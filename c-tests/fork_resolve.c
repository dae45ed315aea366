/* fork() while other threads are inside getaddrinfo: every child must resolve too (glibc
 * guards its locks with atfork handlers; netshim's are taken over when inherited). Each
 * child has 5 seconds (alarm) to resolve; a child killed by SIGALRM means a hang. */
#define _GNU_SOURCE
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int stop;

static void *resolver(void *arg)
{
    (void)arg;
    while (!stop) {
        struct addrinfo *res;
        if (getaddrinfo("www.example.com", "http", NULL, &res) == 0)
            freeaddrinfo(res);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, resolver, NULL);
    int hung = 0, failed = 0;
    for (int i = 0; i < 300; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            alarm(5);
            struct addrinfo *res;
            int rc = getaddrinfo("www.example.com", "http", NULL, &res);
            _exit(rc == 0 ? 0 : 1);
        }
        int status;
        waitpid(pid, &status, 0);
        hung += WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM;
        failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    stop = 1;
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("300 forks: %d hung, %d failed\n", hung, failed);
    return hung || failed;
}
