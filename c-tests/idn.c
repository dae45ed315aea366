/* IDN as glibc 2.36 does it, checked the same way against glibc, linked netshim and
 * preloaded netshim (and under the tripwire): libidn2 is loaded only for a non-ASCII name
 * the locale can decode, the C locale refuses non-ASCII names, conversions happen before the
 * numeric parse, and errno is kept on success. Needs no file: every lookup is numeric.
 * Prints one line per check and exits 1 if any failed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <locale.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int failures;

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    failures += !ok;
}

static int loaded(void)
{
    void *h = dlopen("libidn2.so.0", RTLD_LAZY | RTLD_NOLOAD);
    if (h) dlclose(h);
    return h != NULL;
}

static int lookup(const char *node, int flags, char **canon)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_flags = flags;
    int rc = getaddrinfo(node, "80", &hints, &res);
    if (canon) *canon = rc == 0 && res->ai_canonname ? strdup(res->ai_canonname) : NULL;
    if (rc == 0) freeaddrinfo(res);
    return rc;
}

int main(void)
{
    /* "１２７.0.0.1": full-width digits, which IDNA maps to ASCII ones. */
    const char *wide = "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x97.0.0.1";
    char *canon = NULL;
    check(!loaded(), "libidn2 is not loaded at start");
    errno = 1234;
    check(lookup("127.0.0.1", AI_IDN | AI_CANONNAME, NULL) == 0 && errno == 1234,
          "ASCII name with AI_IDN: answered, errno kept");
    check(!loaded(), "AI_IDN with an ASCII name does not load libidn2");
    check(lookup(wide, AI_IDN | AI_NUMERICHOST, NULL) == EAI_IDN_ENCODE,
          "C locale: a non-ASCII name is EAI_IDN_ENCODE");
    check(!loaded(), "C locale: the refusal does not load libidn2");
    check(lookup(wide, AI_NUMERICHOST, NULL) == EAI_NONAME, "without AI_IDN the name is not numeric");
    errno = 1234;
    check(lookup("127.0.0.1", AI_IDN | AI_CANONNAME | AI_CANONIDN, &canon) == 0 && errno == 1234 &&
              canon && !strcmp(canon, "127.0.0.1"),
          "AI_CANONIDN on an ASCII name: the same name, errno kept");
    free(canon);
    canon = NULL;
    check(loaded(), "AI_CANONIDN loads libidn2 even for an ASCII name");
    if (!setlocale(LC_ALL, "C.UTF-8")) {
        check(0, "setlocale(C.UTF-8)");
        return 1;
    }
    errno = 1234;
    check(lookup(wide, AI_IDN | AI_NUMERICHOST | AI_CANONNAME, &canon) == 0 && errno == 1234,
          "C.UTF-8: AI_IDN converts before the numeric parse, errno kept");
    check(canon && !strcmp(canon, "127.0.0.1"), "…and the canonical name is the converted one");
    free(canon);
    check(lookup("\xe2\x98\x83.example", AI_IDN | AI_NUMERICHOST, NULL) == EAI_IDN_ENCODE,
          "a name libidn2 rejects (snowman) is EAI_IDN_ENCODE");
    check(lookup("b\xc3\xbc\\cher", AI_IDN, NULL) == EAI_IDN_ENCODE,
          "a non-ASCII name with a backslash is EAI_IDN_ENCODE");
    check(!strcmp(gai_strerror(EAI_IDN_ENCODE), "Parameter string not correctly encoded"),
          "gai_strerror(EAI_IDN_ENCODE)");
    return failures != 0;
}
