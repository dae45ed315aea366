# Sourced by c-tests/run.sh and tests/gai-diff/run.sh: the C compiler for the target the
# library was built for, and how its programs run.
#   NETSHIM_TARGET unset or x86_64: the host's gcc, programs run as they are.
#   NETSHIM_TARGET=aarch64: Debian's cross gcc and arm64 glibc (libc6-dev-arm64-cross),
#   programs run under qemu-user with that glibc as the reference (QEMU_LD_PREFIX).
# target_wrap PROGRAM turns a built program into a launcher of itself: the binary moves
# to PROGRAM.bin and PROGRAM becomes a static launcher (qemu-run.c) that starts it under
# qemu, so the tests run "$out/prog" and LD_PRELOAD=… "$out/prog" unchanged.
# shellcheck shell=bash
target_arch=${NETSHIM_TARGET:-$(uname -m)}
case $target_arch in
    "$(uname -m)")
        target_cc=gcc
        target_wrap() { :; }
        ;;
    aarch64)
        target_cc=aarch64-linux-gnu-gcc
        export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
        target_src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
        target_launcher=$target_src/../../build/qemu-run
        mkdir -p "${target_launcher%/*}"
        gcc -static -O2 -Wall -Wextra -Werror -o "$target_launcher" "$target_src/qemu-run.c" ||
            { echo "target.sh: cannot build the qemu launcher (gcc -static)" >&2; exit 2; }
        target_wrap() {
            mv -f "$1" "$1.bin"
            cp "$target_launcher" "$1"
        }
        ;;
    *)
        echo "NETSHIM_TARGET=$target_arch: only aarch64 (under qemu-user) besides the host" >&2
        exit 2
        ;;
esac
