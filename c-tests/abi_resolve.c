/* ABI test: the socket() and connect() this program uses must come from the library
 * named in argv[1] ("libnetshim" when linked or preloaded, "libc" as the control).
 * Checked twice: the address the program's own references bind to, and what the
 * dynamic linker's global lookup (dlsym(RTLD_DEFAULT)) returns. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const char *object_of(void *addr)
{
    Dl_info info;
    if (!dladdr(addr, &info) || !info.dli_fname)
        return "(unknown)";
    const char *slash = strrchr(info.dli_fname, '/');
    return slash ? slash + 1 : info.dli_fname;
}

static int expect(const char *what, void *addr, const char *want)
{
    const char *got = object_of(addr);
    int ok = strncmp(got, want, strlen(want)) == 0;
    printf("%s %s -> %s\n", ok ? "ok  " : "FAIL", what, got);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s libnetshim|libc\n", argv[0]);
        return 2;
    }
    int (*s)(int, int, int) = socket;
    int (*c)(int, const struct sockaddr *, socklen_t) = connect;
    void *sp, *cp;
    memcpy(&sp, &s, sizeof sp);
    memcpy(&cp, &c, sizeof cp);
    int ok = expect("socket (program reference)", sp, argv[1]);
    ok &= expect("connect (program reference)", cp, argv[1]);
    ok &= expect("socket (global lookup)", dlsym(RTLD_DEFAULT, "socket"), argv[1]);
    ok &= expect("connect (global lookup)", dlsym(RTLD_DEFAULT, "connect"), argv[1]);
    return ok ? 0 : 1;
}
