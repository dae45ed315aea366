/* The harness's control: a getaddrinfo that is wrong on purpose. Comparing it with glibc
 * must report differences, or the harness could not fail. */
#include <netdb.h>

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    (void)node, (void)service, (void)hints, (void)res;
    return EAI_FAIL;
}
