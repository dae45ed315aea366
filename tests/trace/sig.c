/* sig: catches a signal it sends itself (SIGUSR1) and prints "caught 10", then connects to
 * 127.0.0.1:PORT once and exits 0. Built static: traced, also when it replaces the program
 * netshim started (`sh -c 'exec sig PORT'`), whose signal stops must still be delivered.
 *   sig PORT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_signal(int sig) { got = sig; }

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    signal(SIGUSR1, on_signal);
    raise(SIGUSR1);
    printf("caught %d\n", (int)got);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
    sin.sin_addr.s_addr = htonl(0x7f000001);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    printf("connect %d\n", connect(s, (struct sockaddr *)&sin, sizeof sin));
    return got == SIGUSR1 ? 0 : 1;
}
