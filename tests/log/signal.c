/* connect from a signal handler that interrupts connects (and getaddrinfo) in the main
 * thread: the logger must neither deadlock nor lose a line. Prints the number of
 * connects made (main + handler). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static struct sockaddr_in where;
static volatile sig_atomic_t in_handler;

static void one_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(fd, (struct sockaddr *)&where, sizeof where);
    close(fd);
}

static void on_alarm(int sig)
{
    (void)sig;
    in_handler++;
    one_connect();
}

int main(void)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&where, 0, sizeof where);
    where.sin_family = AF_INET;
    where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof where;
    bind(lfd, (struct sockaddr *)&where, sizeof where);
    listen(lfd, 4096);
    getsockname(lfd, (struct sockaddr *)&where, &len);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 200}, {0, 200}};
    setitimer(ITIMER_REAL, &it, NULL);
    long main_connects = 0;
    for (int i = 0; i < 3000; i++) {
        one_connect();
        main_connects++;
        if (i % 10 == 0) {
            struct addrinfo *res;
            if (getaddrinfo("127.0.0.1", "80", NULL, &res) == 0)
                freeaddrinfo(res);
        }
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("%ld\n", main_connects + in_handler);
    return in_handler > 0 ? 0 : 1;
}
