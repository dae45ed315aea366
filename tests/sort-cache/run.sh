#!/usr/bin/env bash
# The RFC 3484 sort's cache (src/resolve/hostnet.rs) against glibc while the host's
# addresses and routes change: inside a private network namespace, two long-lived probes
# (glibc's getaddrinfo, and netshim's preloaded) answer the same lookups after each change
# (ip addr/route add and del on one end of a veth pair); every answer must be glibc's. A probe
# that kept a stale interface list or source would answer with the old order.
#   tests/sort-cache/run.sh LIBNETSHIM_SO
set -u
here=$(cd "$(dirname "$0")" && pwd)
so=$(realpath "${1:?usage: run.sh path/to/libnetshim.so}")
out=$here/../../build/sort-cache
mkdir -p "$out"
gcc -std=gnu11 -Wall -Wextra -Werror -O2 -o "$out/probe" "$here/probe.c" || exit 1
skip_or_fail() {
    if [ "${NETSHIM_REQUIRE_ALL:-0}" = 1 ]; then echo "FAIL sort-cache: $*"; exit 1; fi
    echo "SKIP sort-cache: $* <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"
    exit 0
}
unshare -m -n true 2>/dev/null || skip_or_fail "unshare -m -n is not permitted here (needs root)"
command -v ip >/dev/null || skip_or_fail "no ip (iproute2)"

# The steps: each a change of the host's network, then the same lookups in both probes.
steps=(
    ": nothing but lo"
    "ip addr add 10.1.0.5/16 dev dummy0"
    "ip addr add 10.2.0.5/24 dev dummy0"
    "ip addr add fd00:1::5/64 dev dummy0 nodad"
    "ip route add default dev dummy0"
    "ip -6 route add default dev dummy0"
    "ip addr add 2001:db8:1::5/64 dev dummy0 nodad"
    "ip addr add 192.0.2.5/24 dev dummy0"
    "ip addr del 10.1.0.5/16 dev dummy0"
    "ip addr del fd00:1::5/64 dev dummy0"
    "ip route del default dev dummy0"
    "ip addr add 10.1.0.6/30 dev dummy0"
    "ip addr add fd00:2::5/64 dev dummy0 nodad"
    "ip -6 route del default dev dummy0"
    "ip addr del 2001:db8:1::5/64 dev dummy0"
    "ip link set dummy0 down"
    "ip link set dummy0 up"
    "ip addr flush dev dummy0"
)
# Each lookup also from a forked child (then the parent again: the child must not have
# read the parent's notifications), and once after clobbering fds 3..63 with a pipe.
lookups=$'multi.test 0\nmulti.test 0x20\nmulti6.test 0\nmulti4.test 0\nfork multi.test 0\nmulti.test 0\nclobber multi.test 0\nmulti.test 0x20'
printf '%s\n' "${steps[@]}" >"$out/steps"
printf '%s\n' "$lookups" >"$out/lookups"

unshare -m -n bash -c '
    set -e
    here=$1 so=$2 out=$3
    ip link set lo up
    # A veth pair (the dummy driver is not in every kernel); v1 stays in this namespace too.
    ip link add dummy0 type veth peer name dummy1 && ip link set dummy1 up && ip link set dummy0 up
    printf "%s\n" "10.1.0.1 multi.test multi4.test" "fd00:1::1 multi.test multi6.test" \
        "10.2.0.1 multi.test multi4.test" "2001:db8:1::1 multi.test multi6.test" \
        "192.0.2.1 multi.test multi4.test" "fd00:2::1 multi.test multi6.test" \
        "10.1.0.7 multi.test multi4.test" "2001:db8:2::1 multi.test multi6.test" >"$out/hosts"
    echo "multi on" >"$out/host.conf"
    echo "hosts: files" >"$out/nsswitch.conf"
    : >"$out/gai.conf"
    for f in hosts host.conf nsswitch.conf gai.conf; do mount --bind "$out/$f" "/etc/$f"; done
    rm -f "$out/g.in" "$out/n.in" && mkfifo "$out/g.in" "$out/n.in"
    "$out/probe" <"$out/g.in" >"$out/glibc.out" & g=$!
    LD_PRELOAD="$so" "$out/probe" <"$out/n.in" >"$out/netshim.out" & n=$!
    exec 7>"$out/g.in" 8>"$out/n.in"
    lines=$(wc -l <"$out/lookups")
    want=0
    wait_lines() { # wait until both outputs have $1 lines (bounded: 10 s)
        for _ in $(seq 200); do
            [ "$(wc -l <"$out/glibc.out")" -ge "$1" ] && [ "$(wc -l <"$out/netshim.out")" -ge "$1" ] && return 0
            sleep 0.05
        done
        return 1
    }
    while IFS= read -r step; do
        eval "$step"
        cat "$out/lookups" >&7
        cat "$out/lookups" >&8
        want=$((want + lines))
        wait_lines "$want" || { echo "probes stopped answering at: $step"; break; }
    done <"$out/steps"
    exec 7>&- 8>&-
    wait "$g" "$n"
' _ "$here" "$so" "$out" || { echo "FAIL sort-cache: the namespace run failed"; exit 1; }

# Step by step, lookup by lookup.
mapfile -t g <"$out/glibc.out"
mapfile -t n <"$out/netshim.out"
mapfile -t l <"$out/lookups"
passed=0 failed=0
for ((i = 0; i < ${#steps[@]} * ${#l[@]}; i++)); do
    step=${steps[i / ${#l[@]}]} q=${l[i % ${#l[@]}]}
    if [ "${g[i]-missing}" = "${n[i]-missing}" ] && [ -n "${g[i]-}" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "DIFF after \"$step\": $q"
        echo "  glibc:   ${g[i]-missing}"
        echo "  netshim: ${n[i]-missing}"
    fi
done
# The test proves something only if the changes changed glibc's answers.
distinct=$(printf '%s\n' "${g[@]}" | sort -u | wc -l)
if [ "$distinct" -lt 6 ]; then
    echo "FAIL sort-cache: only $distinct distinct answers across the steps: the changes did not reorder"
    failed=$((failed + 1))
fi
echo "sort-cache: $passed passed, $failed failed ($distinct distinct answers over ${#steps[@]} network states)"
[ "$failed" = 0 ]
