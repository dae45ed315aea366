/* Logger stress: THREADS threads × N connects, then FORKS processes × N connects, all to
 * one loopback listener (an acceptor thread drains it). Prints the number of connects
 * made; the test compares it with the number of log lines. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct sockaddr_in where;
static int per_worker;

static void *acceptor(void *arg)
{
    int lfd = *(int *)arg;
    for (;;) {
        int c = accept(lfd, NULL, NULL);
        if (c >= 0)
            close(c);
    }
    return NULL;
}

static long work(void)
{
    long made = 0;
    for (int i = 0; i < per_worker; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&where, sizeof where) == 0)
            made++;
        else
            perror("connect");
        close(fd);
    }
    return made;
}

static void *worker(void *arg)
{
    (void)arg;
    return (void *)work();
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 8, forks = argc > 2 ? atoi(argv[2]) : 4;
    per_worker = argc > 3 ? atoi(argv[3]) : 1000;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&where, 0, sizeof where);
    where.sin_family = AF_INET;
    where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof where;
    if (bind(lfd, (struct sockaddr *)&where, sizeof where) || listen(lfd, 4096) ||
        getsockname(lfd, (struct sockaddr *)&where, &len)) {
        perror("listener");
        return 1;
    }
    pthread_t acc, t[64];
    pthread_create(&acc, NULL, acceptor, &lfd);
    long made = 0;
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++) {
        void *r;
        pthread_join(t[i], &r);
        made += (long)r;
    }
    for (int i = 0; i < forks; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(work() == per_worker ? 0 : 1);
    }
    int status, failed = 0;
    while (wait(&status) > 0)
        failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    made += failed ? 0 : (long)forks * per_worker;
    printf("%ld\n", made);
    return failed;
}
