#!/usr/bin/env bash
# The C tests: header, ABI, errno table, tripwire, IDN, the Beej example, install + pkg-config.
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
build exec_glibc exec_family.c -std=gnu11
build exec_linked exec_family.c -std=gnu11 "${link[@]}"
build beej_glibc beej_connect.c -std=c11 -pedantic
build beej_linked beej_connect.c -std=c11 -pedantic "${link[@]}"
build listener listener.c -std=c11 -pedantic
build gai_workload gai_workload.c -std=gnu11 -pedantic
build fork_resolve fork_resolve.c -std=gnu11 -pedantic -pthread
build idn_glibc idn.c -std=gnu11 -pedantic
build idn_linked idn.c -std=gnu11 -pedantic "${link[@]}"
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

# --- the exec family: glibc vs linked vs preloaded, case by case ---------------------
# (under qemu-user, linked only: the programs it starts are the host's, which an aarch64
# LD_PRELOAD entry would make their loader complain about)
exec_modes=(linked preloaded)
[ "$native" = 1 ] || exec_modes=(linked)
for mode in glibc "${exec_modes[@]}"; do
    d="$out/exec-$mode" && rm -rf "$d" && mkdir -p "$d"
    prog="$out/exec_glibc"; [ $mode = linked ] && prog="$out/exec_linked"
    pre=(); [ $mode = preloaded ] && pre=(env LD_PRELOAD="$so")
    "${pre[@]}" "$prog" "$d" 2>&1 | sed "s#$d#DIR#g" >"$out/exec.$mode"
done
cases=$(grep -c ': exit ' "$out/exec.glibc")
[ "$cases" -ge 40 ] && ok "exec family: glibc ran $cases cases" || fail "exec family: glibc ran only $cases cases"
for mode in "${exec_modes[@]}"; do
    if diff -q "$out/exec.glibc" "$out/exec.$mode" >/dev/null && [ -s "$out/exec.$mode" ]; then
        ok "exec family ($mode): $cases cases, output, status and errno identical to glibc's"
    else
        fail "exec family ($mode): differences from glibc:"; diff "$out/exec.glibc" "$out/exec.$mode" | head -20
    fi
done
# posix_spawn and posix_spawnp outside `netshim run`: glibc's own, reached through netshim's
# export (the same ten cases as tests/trace, preloaded and linked against glibc's answers).
if [ "$native" = 1 ]; then
    gcc -O2 "${warn[@]}" -o "$out/posix_spawn" "$root/tests/trace/posix_spawn.c" &&
        gcc -O2 "${warn[@]}" -o "$out/posix_spawn_linked" "$root/tests/trace/posix_spawn.c" "${link[@]}" &&
        gcc -static -O2 "${warn[@]}" -o "$out/spawn_state" "$root/tests/trace/spawn_state.c" || fail "compile posix_spawn"
    mkdir -p "$out/noexec-dir" && : >"$out/noexec-dir/spawn_state" && chmod 644 "$out/noexec-dir/spawn_state"
    printf '\177ELF\002\001\001junk' >"$out/bad-elf" && chmod 755 "$out/bad-elf"
    "$out/posix_spawn" "$out" 1 >"$out/pspawn.glibc" 2>/dev/null
    LD_PRELOAD="$so" "$out/posix_spawn" "$out" 1 >"$out/pspawn.preloaded" 2>/dev/null
    "$out/posix_spawn_linked" "$out" 1 >"$out/pspawn.linked" 2>/dev/null
    for mode in preloaded linked; do
        [ "$(grep -c '^== ' "$out/pspawn.glibc")" = 14 ] && diff -q "$out/pspawn.glibc" "$out/pspawn.$mode" >/dev/null &&
            ok "posix_spawn ($mode): 14 cases as glibc's (forwarded outside netshim run)" ||
            { fail "posix_spawn ($mode) differs:"; diff "$out/pspawn.glibc" "$out/pspawn.$mode" | head; }
    done
    rm -rf "$out/exec-bound" && mkdir -p "$out/exec-bound"
    bound=$(LD_DEBUG=bindings LD_PRELOAD="$so" "$out/exec_glibc" "$out/exec-bound" 2>&1 >/dev/null |
        grep -o "libnetshim.so \[0\]: normal symbol \`f\?exec[a-z]*'" | sort -u | wc -l)
    [ "$bound" = 9 ] && ok "exec family (preloaded): all 9 calls bound to netshim" ||
        fail "exec family (preloaded): $bound of 9 calls bound to netshim"
fi

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

# --- IDN: libidn2 loaded as glibc loads it, the same answers, no glibc I/O from netshim ---
if [ "$native" = 1 ]; then
    check "idn: glibc (the reference)" "$out/idn_glibc"
    check "idn: linked netshim" "$out/idn_linked"
    check "idn: preloaded netshim" env LD_PRELOAD="$so" "$out/idn_glibc"
    check "tripwire: netshim's IDN path calls no glibc I/O (the loader and libidn2 do theirs)" \
        env LD_PRELOAD="$so $out/libtripwire.so" "$out/idn_glibc"
else
    # Debian's arm64 cross sysroot (libc6-dev-arm64-cross) has no libidn2 and no C.UTF-8
    # locale: glibc itself cannot convert there, so there is no reference to compare with.
    echo "c-tests ($target_arch): IDN runs natively only (no arm64 libidn2 in the cross sysroot)"
fi

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

# --- pthread cancellation (c-tests/cancel.c) -------------------------------------------
# (natively only: the program finds its blocked thread's syscall in /proc/TID/syscall,
# which under qemu-user is the emulator's own host syscall, not the guest's.)
if [ "$native" = 0 ]; then
    echo "c-tests ($target_arch): cancellation runs natively only (/proc/TID/syscall is qemu's own under qemu-user)"
else
# Each case runs in a private namespace (the program holds a silent DNS server on
# 127.0.0.1:53 and a listener whose backlog is full) under glibc, netshim linked and
# netshim preloaded: the three answers must be the same line, and each run must meet the
# case's own bounds (cancel to join < 100 ms; after 100 cancelled lookups no descriptor
# and no heap left behind), which the program checks (exit 1 otherwise).
build cancel_glibc cancel.c -std=gnu11 -pedantic -pthread -ldl
build cancel_linked cancel.c -std=gnu11 -pedantic -pthread "${link[@]}" -ldl
cancel_ns() { # [WRAP="cmd args"] cancel_ns CASE PROGRAM [ENV...]: one case in its own namespace
    local case=$1 prog=$2; shift 2
    unshare -m -n env "$@" bash -c '
        set -e
        fx=$1 prog=$2 case=$3 wrap=$4
        ip link set lo up
        mount --bind "$fx/hosts" /etc/hosts
        mount --bind "$fx/services" /etc/services
        mount --bind "$fx/cancel-nsswitch.conf" /etc/nsswitch.conf
        mount --bind "$fx/cancel-resolv.conf" /etc/resolv.conf
        exec timeout 60 $wrap "$prog" "$case"' _ "$here/fixtures" "$prog" "$case" "${WRAP:-}"
}
if unshare -m -n true 2>/dev/null; then
    for case in connect-blocked connect-pending connect-disabled connect-async gai-blocked \
        gai-pending gai-hosts-pending gai-localhost-pending gai-addrconfig-pending gai-disabled \
        gai-async gni-blocked gai-leak pending-matrix; do
        all_ran=1
        for v in glibc linked preloaded; do
            case $v in
                glibc) cmd=("$out/cancel_glibc") ;;
                linked) cmd=("$out/cancel_linked") ;;
                preloaded) cmd=("$out/cancel_glibc" LD_PRELOAD="$so") ;;
            esac
            if ! cancel_ns "$case" "${cmd[@]}" >"$out/cancel.$case.$v" 2>"$out/cancel.$case.$v.err"; then
                all_ran=0; fail "cancel $case ($v)"; sed 's/^/     | /' "$out/cancel.$case.$v"{,.err}
            fi
        done
        if [ "$all_ran" = 1 ] && [ -s "$out/cancel.$case.glibc" ] &&
            ! grep -q 'not-cancelled' "$out/cancel.$case.glibc" &&
            cmp -s "$out/cancel.$case.glibc" "$out/cancel.$case.linked" &&
            cmp -s "$out/cancel.$case.glibc" "$out/cancel.$case.preloaded"; then
            lines=$(wc -l <"$out/cancel.$case.glibc")
            [ "$lines" -gt 1 ] && what="$lines requests, each cancelled or not as glibc's" || what=$(cat "$out/cancel.$case.glibc")
            ok "cancel $case: as glibc, linked and preloaded: $what"
        elif [ "$all_ran" = 1 ]; then
            fail "cancel $case: differs from glibc"; head "$out/cancel.$case".{glibc,linked,preloaded}
        fi
    done
    # Asynchronous cancellation at random moments of getaddrinfo and connect (undefined in
    # POSIX): no crash, no hang, and the process still resolves afterwards.
    for v in linked preloaded; do
        case $v in
            linked) cmd=("$out/cancel_linked") ;;
            preloaded) cmd=("$out/cancel_glibc" LD_PRELOAD="$so") ;;
        esac
        check "cancel async-stress ($v): no crash, no hang" cancel_ns async-stress "${cmd[@]}"
    done
    # Memcheck over the cancelled calls: no invalid access on the way out, nothing lost.
    if command -v valgrind >/dev/null; then
        for case in connect-blocked gai-blocked gni-blocked; do
            WRAP="valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite" \
                check "cancel $case under valgrind: no errors, nothing definitely lost" \
                cancel_ns "$case" "$out/cancel_linked" CANCEL_NO_TIME_BOUND=1
        done
    else
        skip "cancel under valgrind: valgrind is not installed"
    fi
    # The log: one line for the cancelled connect, its result ECANCELED, its destination.
    rm -f "$out/cancel.log"
    cancel_ns connect-blocked "$out/cancel_glibc" LD_PRELOAD="$so" NETSHIM_LOG="$out/cancel.log" >/dev/null 2>&1
    n=$(grep -c -- '-> ECANCELED' "$out/cancel.log" 2>/dev/null)
    if [ "$n" = 1 ] && grep -- '-> ECANCELED' "$out/cancel.log" | grep -q ' connect fd=[0-9]* 127\.0\.0\.1:[0-9]'; then
        ok "cancel: the log has one line for the cancelled connect: $(grep -- '-> ECANCELED' "$out/cancel.log" | cut -d' ' -f3-)"
    else
        fail "cancel: expected one ECANCELED connect line, got ${n:-0}"; sed 's/^/     | /' "$out/cancel.log"
    fi
    rm -f "$out/cancel-gai.log"
    cancel_ns gai-blocked "$out/cancel_glibc" LD_PRELOAD="$so" NETSHIM_LOG="$out/cancel-gai.log" >/dev/null 2>&1
    if [ "$(grep -c 'getaddrinfo .*silent\.cancel\.test.* -> EAI_CANCELED' "$out/cancel-gai.log" 2>/dev/null)" = 1 ]; then
        ok "cancel: the log's line for the cancelled lookup says EAI_CANCELED"
    else
        fail "cancel: no EAI_CANCELED line for the cancelled lookup"; sed 's/^/     | /' "$out/cancel-gai.log"
    fi
else
    skip "cancellation tests: unshare -m -n is not permitted here (needs root)"
fi
fi

# --- descriptors (c-tests/fd_hygiene.c, fd_limit.c) --------------------------------------
# Every fault mode tests/dns-misbehave/server.py knows, each in a netshim process of its
# own (in parallel, one namespace): lookups, an exec while one is in flight, a cancelled
# one. The table must come back as it was, the exec'd program must inherit nothing, and the
# syscall trace must show every descriptor made close-on-exec (netshim's sockets and files,
# the log's included: NETSHIM_LOG is on).
build fd_hygiene fd_hygiene.c -std=gnu11 -pedantic -pthread
build fd_limit_glibc fd_limit.c -std=gnu11 -pedantic
build fd_limit_linked fd_limit.c -std=gnu11 -pedantic "${link[@]}"
server=$root/tests/dns-misbehave/server.py
modes=$(grep -E '\b(MODE|m) (==|in) ' "$server" | grep -oE '"[a-z0-9]+(-[a-z0-9]+)*"' | tr -d '"' | sort -u)
# The server's command line: MODE ADDRESS READY (port 53) or, in its older form, MODE PORT READY.
grep -q 'MODE, ADDRESS, READY = sys.argv' "$server" && cli=address || cli=port
fdo="$out/fd" && mkdir -p "$fdo"
printf 'hosts: dns\n' >"$fdo/nsswitch.conf"
: >"$fdo/hosts"
if [ "$native" = 0 ]; then
    # strace would trace the emulator's host syscalls, not the guest's.
    echo "c-tests ($target_arch): the descriptor trace runs natively only (strace sees qemu-user's own syscalls)"
elif ! command -v strace >/dev/null || ! unshare -m -n true 2>/dev/null; then
    skip "descriptor hygiene: needs strace and unshare -m -n (root)"
elif [ "$(echo "$modes" | wc -w)" -lt 10 ]; then
    fail "descriptor hygiene: found only $(echo "$modes" | wc -w) modes in $server"
else
    unshare -n bash -c '
        server=$1 fdo=$2 cli=$3 so=$4 prog=$5 modes=$6
        ip link set lo up
        i=0 pids=()
        for mode in $modes; do
            i=$((i + 1))
            if [ "$cli" = address ]; then addr=127.0.0.$((10 + i)) ns=127.0.0.$((10 + i))
                python3 "$server" "$mode" "$addr" "$fdo/ready.$mode" 2>>"$fdo/server.log" & pids+=($!)
            else ns="127.0.0.1#$((5300 + i))"
                python3 "$server" "$mode" $((5300 + i)) "$fdo/ready.$mode" 2>>"$fdo/server.log" & pids+=($!)
            fi
            printf "nameserver %s\noptions timeout:1 attempts:1\n" "$ns" >"$fdo/resolv.$mode"
        done
        for mode in $modes; do
            for _ in $(seq 200); do [ -e "$fdo/ready.$mode" ] && break; sleep 0.05; done
        done
        run_mode() {
            timeout 60 strace -ff -qq -o "$fdo/trace.$1" -e trace=socket,socketpair,accept,accept4,open,openat,pipe,pipe2,dup,dup2,dup3,fcntl,eventfd2,signalfd4,timerfd_create,epoll_create1,inotify_init1,memfd_create \
                -E NETSHIM_RESOLV_CONF="$fdo/resolv.$1" -E NETSHIM_NSSWITCH="$fdo/nsswitch.conf" \
                -E NETSHIM_HOSTS="$fdo/hosts" -E NETSHIM_LOG="$fdo/log.$1" -E LD_PRELOAD="$so" \
                "$prog" "$1" >"$fdo/out.$1" 2>&1
            echo $? >"$fdo/rc.$1"
        }
        export -f run_mode; export fdo so prog
        printf "%s\n" $modes | xargs -P 6 -I{} bash -c "run_mode {}"
        kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null
        true' _ "$server" "$fdo" "$cli" "$so" "$out/fd_hygiene" "$modes"
    bad=0
    for mode in $modes; do
        if [ "$(cat "$fdo/rc.$mode" 2>/dev/null)" != 0 ] || ! grep -q '^inherited: none$' "$fdo/out.$mode"; then
            bad=$((bad + 1)); echo "     | $mode:"; sed 's/^/     |   /' "$fdo/out.$mode"
        fi
    done
    n=$(echo "$modes" | wc -w)
    [ "$bad" = 0 ] && ok "descriptors: $n server modes, table unchanged after lookups and a cancelled one, nothing inherited across exec" ||
        fail "descriptors: $bad of $n server modes left or leaked descriptors"
    leaks=$(awk -f "$here/cloexec_audit.awk" "$fdo"/trace.* 2>/dev/null)
    made=$(cat "$fdo"/trace.* 2>/dev/null | grep -cE '^(socket|openat)\(.*= [0-9]+')
    if [ -z "$leaks" ] && [ "$made" -gt 0 ]; then
        ok "descriptors: all $made sockets and files made in those runs are close-on-exec (strace)"
    else
        fail "descriptors: made without close-on-exec (of $made):"; echo "$leaks" | head -20 | sed 's/^/     | /'
    fi
fi
# At RLIMIT_NOFILE (fd_limit.c): numeric names answer; a hosts-file name answers from the
# file netshim already read (glibc fails with EAI_SYSTEM/EMFILE, tested here too: the
# documented better answer); a file that could not be read for want of a descriptor is read
# again once one is free.
fd_limit_ns() { # fd_limit_ns warm|cold PROGRAM [ENV...]
    local m=$1 prog=$2; shift 2
    unshare -m -n env "$@" bash -c '
        fx=$1 prog=$2 m=$3
        ip link set lo up
        mount --bind "$fx/hosts" /etc/hosts
        mount --bind "$fx/cancel-nsswitch.conf" /etc/nsswitch.conf
        mount --bind "$fx/cancel-resolv.conf" /etc/resolv.conf
        exec timeout 60 "$prog" "$m"' _ "$here/fixtures" "$prog" "$m"
}
if unshare -m -n true 2>/dev/null; then
    for m in warm cold; do
        fd_limit_ns $m "$out/fd_limit_glibc" >"$out/fd_limit.$m.glibc" 2>&1
        fd_limit_ns $m "$out/fd_limit_linked" >"$out/fd_limit.$m.linked" 2>&1
        fd_limit_ns $m "$out/fd_limit_glibc" LD_PRELOAD="$so" >"$out/fd_limit.$m.preloaded" 2>&1
    done
    limit_ok=1
    for v in linked preloaded; do
        for f in "$out"/fd_limit.{warm,cold}.$v; do
            # Same as glibc: numeric names, socket()'s EMFILE, and everything once a descriptor is free.
            for line in 'at-limit 127.0.0.1: 0 127.0.0.1' 'at-limit socket: -1 EMFILE' 'one-free www.example.com: 0 127.0.0.1'; do
                grep -qxF "$line" "$f" || { limit_ok=0; echo "     | $f: missing '$line'"; }
            done
        done
        # Better than glibc: the hosts file read before the limit still answers. And DNS
        # fails as glibc's does (EAI_SYSTEM, EMFILE).
        for line in 'at-limit www.example.com: 0 127.0.0.1' 'at-limit localhost: 0 ::1' \
            "$(grep '^at-limit dns.cancel.test' "$out/fd_limit.warm.glibc")"; do
            grep -qxF "$line" "$out/fd_limit.warm.$v" || { limit_ok=0; echo "     | warm $v: missing '$line'"; }
        done
    done
    grep -qxF 'at-limit www.example.com: EAI_SYSTEM EMFILE -' "$out/fd_limit.warm.glibc" ||
        { limit_ok=0; echo "     | glibc no longer fails at the limit: docs/COMPATIBILITY.md says it does"; }
    [ "$limit_ok" = 1 ] && ok "RLIMIT_NOFILE: answers as documented against glibc (warm and cold, linked and preloaded)" ||
        { fail "RLIMIT_NOFILE"; head -20 "$out"/fd_limit.*; }
else
    skip "RLIMIT_NOFILE: unshare -m -n is not permitted here (needs root)"
fi

# --- install + pkg-config --------------------------------------------------------------
dest="$out/destdir"
if [ "$native" = 0 ]; then
    echo "c-tests ($target_arch): header and install checks run in the native c-tests only"
elif make -s -C "$root" install DESTDIR="$dest" PREFIX=/usr/local >"$out/install.log" 2>&1; then
    ok "make install DESTDIR=… PREFIX=/usr/local"
    inst="$dest/usr/local"
    for f in lib/libnetshim.so lib/libnetshim.so.0 include/netshim.h lib/pkgconfig/netshim.pc bin/netshim \
        share/man/man1/netshim.1 share/man/man7/libnetshim.7; do
        [ -e "$inst/$f" ] && ok "installed $f" || fail "installed $f"
    done
    # The man pages render with man-db, without warnings, and netshim(1) lists every flag
    # of --help (both come from the launcher's flag table).
    for page in "1 netshim" "7 libnetshim"; do
        set -- $page
        text=$(MANWIDTH=80 man -M "$inst/share/man" "$1" "$2" 2>/dev/null)
        warnings=$(man --warnings -M "$inst/share/man" "$1" "$2" 2>&1 >/dev/null)
        if [ "$(printf '%s\n' "$text" | grep -c .)" -gt 20 ] && [ -z "$warnings" ]; then
            ok "man $1 $2 renders ($(printf '%s\n' "$text" | wc -l) lines, no warnings)"
        else
            fail "man $1 $2: $(printf '%s\n' "$text" | head -3) $warnings"
        fi
    done
    missing=$("$inst/bin/netshim" --help | grep -o -- '--[a-z][a-z-]*' | sort -u | while read -r f; do
        MANWIDTH=200 man -M "$inst/share/man" 1 netshim 2>/dev/null | grep -q -- "$f" || echo "$f"; done)
    [ -z "$missing" ] && ok "netshim(1) has every flag --help lists" || fail "netshim(1) lacks: $missing"
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
