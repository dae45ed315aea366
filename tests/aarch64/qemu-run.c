/* Runs PROGRAM.bin under qemu-user, where PROGRAM is this launcher's own path
 * (tests/aarch64/target.sh installs a copy of it in place of each aarch64 test program).
 * Static on purpose: the host's loader then never sees LD_PRELOAD, which names an aarch64
 * library. The variable is handed to the guest with -E and removed from qemu's own
 * environment, so neither the host's loader nor qemu itself tries to load it. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    static char self[4096], bin[4100], preload[8192];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    const char *prefix = getenv("QEMU_LD_PREFIX");
    if (n <= 0 || !prefix) {
        fprintf(stderr, "qemu-run: cannot find myself or QEMU_LD_PREFIX is unset\n");
        return 127;
    }
    self[n] = 0;
    snprintf(bin, sizeof bin, "%s.bin", self);
    char **args = calloc((size_t)argc + 8, sizeof *args);
    if (!args)
        return 127;
    int i = 0;
    args[i++] = "qemu-aarch64";
    args[i++] = "-L";
    args[i++] = (char *)prefix;
    const char *p = getenv("LD_PRELOAD");
    if (p && *p) {
        snprintf(preload, sizeof preload, "LD_PRELOAD=%s", p);
        args[i++] = "-E";
        args[i++] = preload;
    }
    unsetenv("LD_PRELOAD");
    args[i++] = bin;
    for (int a = 1; a < argc; a++)
        args[i++] = argv[a];
    args[i] = NULL;
    execvp("qemu-aarch64", args);
    perror("qemu-run: qemu-aarch64");
    return 127;
}
