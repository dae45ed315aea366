/* churn: one short-lived traced process of tests/trace's churn check. Three threads each
 * connect once to ADDR:PORT (argv[1], argv[2]; a refused loopback port, so nothing waits)
 * and exit without being joined; the main thread connects once too and then ends the whole
 * process with exit_group while the other threads may still be exiting — or stopped by the
 * tracer. Exactly four connects are made, so the log must hold exactly four lines. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in dest;
static atomic_int done;

static void one_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        (void)connect(fd, (const struct sockaddr *)&dest, sizeof dest);
        close(fd);
    }
}

static void *worker(void *arg)
{
    (void)arg;
    one_connect();
    atomic_fetch_add(&done, 1);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    dest.sin_family = AF_INET;
    dest.sin_port = htons((unsigned short)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &dest.sin_addr) != 1)
        return 2;
    for (int i = 0; i < 3; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, worker, NULL) != 0)
            return 1;
        pthread_detach(t);
    }
    one_connect();
    /* Every connect has been made once `done` reaches 3; the threads are still exiting. */
    while (atomic_load(&done) < 3)
        usleep(100);
    _exit(0);
}
