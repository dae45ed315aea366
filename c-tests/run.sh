#!/usr/bin/env bash
# The C tests: header, ABI, errno table, tripwire, the Beej example, install + pkg-config.
#   c-tests/run.sh LIBDIR
# LIBDIR holds libnetshim.so and libnetshim.so.0 (the Makefile's build/lib).
# NETSHIM_TARGET=aarch64 builds the programs with the cross compiler and runs them under
# qemu-user against an aarch64 LIBDIR (tests/aarch64/target.sh); the header and install
# checks, which do not depend on the ISA, run only natively.
# Every check prints "ok" or "FAIL"; the last line is "c-tests: N passed, M failed".
# A check that cannot run here says SKIP loudly; with NETSHIM_REQUIRE_ALL=1 (set by
# .ci/run) a skip counts as a failure, so CI never skips silently.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
lib=$(cd "${1:?usage: run.sh LIBDIR}" && pwd)
. "$root/tests/aarch64/target.sh"
native=$([ "$target_arch" = "$(uname -m)" ] && echo 1 || echo 0)
out="$root/build/c-tests"
[ "$native" = 1 ] || out="$root/build/c-tests-$target_arch"
rm -rf "$out" && mkdir -p "$out"
passed=0
failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
skip() {
    echo "SKIP $* <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"
    if [ "${NETSHIM_REQUIRE_ALL:-0}" = 1 ]; then fail "(skips are failures under NETSHIM_REQUIRE_ALL) $*"; fi
}
check() { # check NAME COMMAND...: ok when the command succeeds
    local name=$1; shift
    if "$@" >"$out/last.log" 2>&1; then ok "$name"; else fail "$name"; sed 's/^/     | /' "$out/last.log" | head -40; fi
}

warn=(-Wall -Wextra -Werror)
link=(-L"$lib" -lnetshim -Wl,-rpath,"$lib")

# --- build the programs -----------------------------------------------------------
build() { # build OUTPUT SOURCE FLAGS...
    local o=$1 s=$2; shift 2
    "$target_cc" "${warn[@]}" -o "$out/$o" "$here/$s" "$@" || { fail "compile $o"; return 1; }
    case $o in *.so) ;; *) target_wrap "$out/$o" ;; esac
}
build errno_glibc errno_table.c -std=gnu11 -pedantic -ldl
build errno_linked errno_table.c -std=gnu11 -pedantic "${link[@]}" -ldl
build abi_glibc abi_resolve.c -std=gnu11 -pedantic -ldl
build abi_linked abi_resolve.c -std=gnu11 -pedantic "${link[@]}" -ldl
build beej_glibc beej_connect.c -std=c11 -pedantic
build beej_linked beej_connect.c -std=c11 -pedantic "${link[@]}"
build listener listener.c -std=c11 -pedantic
build gai_workload gai_workload.c -std=gnu11 -pedantic
build fork_resolve fork_resolve.c -std=gnu11 -pedantic -pthread
build libtripwire.so tripwire.c -std=gnu11 -fPIC -shared -ldl
build libtripwire_bad.so tripwire_bad.c -std=c11 -fPIC -shared
build tripwire_control tripwire_control.c -std=c11 -L"$out" -ltripwire_bad -Wl,-rpath,"$out"
so="$lib/libnetshim.so"

# --- the header ---------------------------------------------------------------------
# The generated header must compile wherever <sys/socket.h> and <netdb.h> do: alone, before
# and after them, in C (C89 to C17) and C++ (C++98 to C++17), under gcc and clang, in strict
# ISO mode (no feature macro: glibc then declares no struct addrinfo and no getaddrinfo),
# with _POSIX_C_SOURCE, and with _GNU_SOURCE (where glibc declares connect() with a
# transparent union).
header_case() { # header_case COMPILER STD MACRO ORDER   (MACRO: none, posix or gnu)
    local cc=$1 std=$2 macro=$3 order=$4 src="$out/header-$1-$2-$3-$4.c"
    case $std in c++*) src="${src%.c}.cc" ;; esac
    {
        case $macro in
            posix) echo "#define _POSIX_C_SOURCE 200809L" ;;
            gnu) echo "#define _GNU_SOURCE 1" ;;
        esac
        case $order in
            alone) echo '#include "netshim.h"' ;;
            after) printf '#include <sys/socket.h>\n#include <netdb.h>\n#include "netshim.h"\n' ;;
            before) printf '#include "netshim.h"\n#include <sys/socket.h>\n#include <netdb.h>\n' ;;
        esac
        echo 'int main(void) {'
        echo '    struct addrinfo *res = 0;'
        echo '    int s = socket(AF_INET, SOCK_STREAM, 0);'
        echo '    int rc = getaddrinfo("localhost", "80", 0, &res);'
        echo '    if (rc == 0) freeaddrinfo(res);'
        echo '    return gai_strerror(rc) && connect(s, (const struct sockaddr *)0, 0) == 0 ? 0 : 1;'
        echo '}'
    } >"$src"
    check "header compiles: $cc -std=$std, $macro ($order)" \
        "$cc" -std="$std" "${warn[@]}" -pedantic -I"$root/include" -c -o "$src.o" "$src"
}
for cc in gcc clang; do
    [ "$native" = 1 ] || break
    if ! command -v "$cc" >/dev/null; then skip "header with $cc: $cc is not installed"; continue; fi
    [ "$cc" = clang ] && cxx=clang++ || cxx=g++
    for order in alone after before; do
        for macro in none posix gnu; do
            header_case "$cc" c11 "$macro" "$order"
            header_case "$cxx" c++17 "$macro" "$order"
        done
    done
    for std in c89 c99 c17; do header_case "$cc" "$std" none after; done
    header_case "$cxx" c++98 none after
done

# --- ABI: which library answers socket() and connect() --------------------------------
check "abi: linked program uses netshim" "$out/abi_linked" libnetshim
check "abi: preloaded netshim wins over glibc" env LD_PRELOAD="$so" "$out/abi_glibc" libnetshim
check "abi: control, plain program uses glibc" "$out/abi_glibc" libc

# --- the errno table: glibc vs linked vs preloaded, case by case -------------------
"$out/errno_glibc" >"$out/errno.glibc" 2>"$out/errno.glibc.impl"
"$out/errno_linked" >"$out/errno.linked" 2>"$out/errno.linked.impl"
LD_PRELOAD="$so" "$out/errno_glibc" >"$out/errno.preloaded" 2>"$out/errno.preloaded.impl"
cases=$(grep -c . "$out/errno.glibc")
[ "$cases" -ge 30 ] && ok "errno table: glibc ran $cases cases" || fail "errno table: glibc ran only $cases cases"
grep -q 'impl connect libc.so' "$out/errno.glibc.impl" && ok "errno table: control run used glibc" || fail "errno table: control run did not use glibc"
for mode in linked preloaded; do
    if [ "$(grep -c 'libnetshim' "$out/errno.$mode.impl")" = 2 ]; then
        ok "errno table ($mode): socket and connect came from netshim"
    else
        fail "errno table ($mode): not served by netshim"; cat "$out/errno.$mode.impl"
    fi
    diffs=$(diff "$out/errno.glibc" "$out/errno.$mode" | grep -c '^[<>]')
    if [ "$diffs" = 0 ] && [ -s "$out/errno.$mode" ]; then
        ok "errno table ($mode): $cases cases, 0 differences from glibc"
    else
        fail "errno table ($mode): differences from glibc:"; diff "$out/errno.glibc" "$out/errno.$mode"
    fi
done

# --- the tripwire --------------------------------------------------------------------
# (an inner shell reaps the aborted child, so its "Aborted" notice goes to /dev/null)
rc=$(bash -c 'LD_PRELOAD="$1" TRIPWIRE_GUARD=libtripwire_bad "$2" >"$3" 2>&1; echo $?' _ \
    "$out/libtripwire.so" "$out/tripwire_control" "$out/tripwire.control" 2>/dev/null)
[ "$rc" = 134 ] && ok "tripwire control: a guarded library's write() aborts (rc 134)" ||
    { fail "tripwire control: expected abort (134), got $rc"; cat "$out/tripwire.control"; }
check "tripwire: preloaded netshim never calls glibc's I/O" \
    env LD_PRELOAD="$so $out/libtripwire.so" "$out/errno_glibc"
check "tripwire: linked netshim never calls glibc's I/O" \
    env LD_PRELOAD="$out/libtripwire.so" "$out/errno_linked"

fixture_env=(NETSHIM_HOSTS="$here/fixtures/hosts" NETSHIM_SERVICES="$here/fixtures/services"
    NETSHIM_NSSWITCH="$here/fixtures/nsswitch.conf")
check "resolver workload answers from the fixture files (preloaded)" \
    env "${fixture_env[@]}" LD_PRELOAD="$so" "$out/gai_workload"
if [ "$native" = 1 ]; then
    check "fork while threads resolve: every child resolves, none hangs" \
        env "${fixture_env[@]}" LD_PRELOAD="$so" timeout 120 "$out/fork_resolve"
else
    # qemu-user answers madvise(MADV_WIPEONFORK) with success and ignores it, so a child
    # cannot see that it was forked (src/sys/fork.rs): a fault of the emulator, not the ISA.
    echo "c-tests ($target_arch): fork_resolve runs natively only (qemu-user ignores MADV_WIPEONFORK)"
fi
check "tripwire: netshim's getaddrinfo/getnameinfo never call glibc's I/O" \
    env "${fixture_env[@]}" LD_PRELOAD="$so $out/libtripwire.so" "$out/gai_workload"

# --- the Beej example in a private namespace -------------------------------------------
# www.example.com is 127.0.0.1 by the fixture hosts file; a listener accepts on port 80.
beej_in_namespace() { # beej_in_namespace PROGRAM [ENV...]
    local prog=$1; shift
    rm -f "$out/ready"
    unshare -m -n env "$@" bash -c '
        set -e
        fx=$1 out=$2 prog=$3
        ip link set lo up
        for f in hosts services nsswitch.conf; do mount --bind "$fx/$f" "/etc/$f"; done
        "$out/listener" 127.0.0.1 80 "$out/ready" >"$out/listener.out" & lpid=$!
        for _ in $(seq 200); do [ -e "$out/ready" ] && break; sleep 0.05; done
        rc=0; "$prog" || rc=$?
        wait $lpid || { echo "listener failed"; cat "$out/listener.out"; exit 1; }
        cat "$out/listener.out"
        exit $rc' _ "$here/fixtures" "$out" "$prog"
}
if unshare -m -n true 2>/dev/null; then
    for variant in linked glibc; do
        if beej_in_namespace "$out/beej_$variant" >"$out/beej.$variant" 2>&1 &&
            grep -q '^beej: connected to 127.0.0.1 port 80$' "$out/beej.$variant" &&
            grep -q '^listener: accepted a connection from 127.0.0.1' "$out/beej.$variant"; then
            ok "beej example ($variant): connected, and the listener saw it"
        else
            fail "beej example ($variant)"; sed 's/^/     | /' "$out/beej.$variant"
        fi
    done
else
    skip "beej example: unshare -m -n is not permitted here (needs root)"
fi

# --- install + pkg-config --------------------------------------------------------------
dest="$out/destdir"
if [ "$native" = 0 ]; then
    echo "c-tests ($target_arch): header and install checks run in the native c-tests only"
elif make -s -C "$root" install DESTDIR="$dest" PREFIX=/usr/local >"$out/install.log" 2>&1; then
    ok "make install DESTDIR=… PREFIX=/usr/local"
    inst="$dest/usr/local"
    for f in lib/libnetshim.so lib/libnetshim.so.0 include/netshim.h lib/pkgconfig/netshim.pc bin/netshim; do
        [ -e "$inst/$f" ] && ok "installed $f" || fail "installed $f"
    done
    # The installed launcher finds the installed library (../lib) by itself.
    if env -u NETSHIM_LIBRARY "$inst/bin/netshim" run -- sh -c 'case "$LD_PRELOAD" in *"/lib/libnetshim.so.0"*) exit 0;; esac; exit 1'; then
        ok "installed netshim run preloads the installed library"
    else
        fail "installed netshim run does not find the installed library"
    fi
    pc=$(PKG_CONFIG_PATH="$inst/lib/pkgconfig" pkg-config --define-variable=prefix="$inst" --cflags --libs netshim)
    if gcc "${warn[@]}" -std=c11 -pedantic -o "$out/beej_pc" "$here/beej_connect.c" $pc; then
        ok "beej example builds with pkg-config: $pc"
        if unshare -m -n true 2>/dev/null; then
            if beej_in_namespace "$out/beej_pc" LD_LIBRARY_PATH="$inst/lib" >"$out/beej.pc" 2>&1 &&
                grep -q '^beej: connected to 127.0.0.1 port 80$' "$out/beej.pc"; then
                ok "beej example (pkg-config build) connects"
            else
                fail "beej example (pkg-config build)"; sed 's/^/     | /' "$out/beej.pc"
            fi
        fi
        readelf -d "$out/beej_pc" | grep -q 'NEEDED.*libnetshim.so.0' && ok "pkg-config build needs libnetshim.so.0" || fail "pkg-config build does not need libnetshim.so.0"
    else
        fail "beej example builds with pkg-config"
    fi
    if make -s -C "$root" uninstall DESTDIR="$dest" PREFIX=/usr/local >>"$out/install.log" 2>&1 &&
        [ -z "$(find "$dest" -type f -o -type l)" ]; then
        ok "make uninstall removes every installed file"
    else
        fail "make uninstall"; find "$dest" -type f -o -type l
    fi
else
    fail "make install"; cat "$out/install.log"
fi

echo "c-tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
