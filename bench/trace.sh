#!/usr/bin/env bash
# The tracer's overhead (issue 9's targets), side by side with strace tracing the same
# syscalls, in a private network namespace (bench/run.sh calls it at the end of `make bench`).
#   bench/trace.sh [LIBDIR]
# Rows, each the median of ROUNDS interleaved runs:
#  - a Go client making 2,000 sequential loopback connects: untraced, under `netshim run`
#    (default and with tracer and program pinned to one CPU), under `strace -f --seccomp-bpf`;
#    stops per connect and µs per stop from `netshim run --stats`;
#  - 200,000 16-byte writes and no connect: untraced, the filter alone (the floor), under
#    `netshim run`, under strace.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
lib=$(cd "${1:-$root/build/lib}" && pwd) || exit 2
out="$root/build/bench-trace"
rounds=${TRACE_ROUNDS:-7}
connects=2000
writes=200000
netshim="$root/${CARGO_TARGET_DIR:-target}/release/netshim"
die() { echo "bench/trace: $*" >&2; exit 1; }
[ -x "$netshim" ] || die "no launcher at $netshim (make lib)"
for t in go strace gcc; do command -v $t >/dev/null || die "$t is not installed (scripts/deps.sh bench)"; done
if [ "${TRACE_INSIDE:-0}" != 1 ]; then
    mkdir -p "$out"
    export GOCACHE="$root/build/go-cache" GOPATH="$root/build/go-path" GOPROXY=off GOFLAGS= GO111MODULE=off
    (cd "$here" && CGO_ENABLED=0 go build -o "$out/dialn" dialn.go) || die "go build dialn.go"
    gcc -O2 -Wall -Wextra -Werror -o "$out/writes" "$here/writes.c" || die "gcc writes.c"
    exec unshare -n env TRACE_INSIDE=1 bash "$0" "$lib"
fi
ip link set lo up
unset LD_PRELOAD NETSHIM_LOG NETSHIM_LOG_FORMAT
export NETSHIM_LIBRARY="$lib/libnetshim.so"
"$out/dialn" -serve 127.0.0.1:18500 &
server=$!
trap 'kill $server 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/18500) 2>/dev/null && break; sleep 0.05; done
set_="connect,getsockopt,sendto,io_uring_setup"
log=$out/trace.log
: >"$log"

# One run of a variant: prints the program's own microseconds.
dial() {
    case $1 in
        untraced) "$out/dialn" 127.0.0.1:18500 $connects ;;
        netshim) "$netshim" run -o "$log" -- "$out/dialn" 127.0.0.1:18500 $connects ;;
        netshim-1cpu) taskset -c 0 "$netshim" run -o "$log" -- "$out/dialn" 127.0.0.1:18500 $connects ;;
        strace) strace -f -qq --seccomp-bpf -e trace=$set_ -o /dev/null "$out/dialn" 127.0.0.1:18500 $connects ;;
        strace-1cpu) taskset -c 0 strace -f -qq --seccomp-bpf -e trace=$set_ -o /dev/null "$out/dialn" 127.0.0.1:18500 $connects ;;
    esac
}
write_run() {
    case $1 in
        untraced) "$out/writes" $writes ;;
        filter-floor) "$out/writes" $writes floor ;;
        netshim) "$netshim" run -o "$log" -- "$out/writes" $writes ;;
        strace) strace -f -qq --seccomp-bpf -e trace=$set_ -o /dev/null "$out/writes" $writes ;;
    esac
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
dial_variants=(untraced netshim netshim-1cpu strace strace-1cpu)
write_variants=(untraced filter-floor netshim strace)
for r in $(seq "$rounds"); do
    for v in "${dial_variants[@]}"; do dial $v >>"$out/dial.$v" || die "dial $v failed"; done
    for v in "${write_variants[@]}"; do write_run $v >>"$out/write.$v" || die "writes $v failed"; done
done 2>/dev/null
# Stops per connect, from the tracer's own counts.
stats=$("$netshim" run --stats -o /dev/null -- "$out/dialn" 127.0.0.1:18500 $connects 2>&1 >/dev/null | grep 'stats:')
stops=$(echo "$stats" | awk '{print $3 + $6}')
# strace's: every syscall it traces costs it two stops (the seccomp stop, then the exit).
scalls=$(strace -f -qq -c --seccomp-bpf -e trace=$set_ -o "$out/strace.count" "$out/dialn" 127.0.0.1:18500 $connects >/dev/null 2>&1;
    awk '$NF == "total" {print $4}' "$out/strace.count")
med() { median <"$out/$1"; }
base=$(med dial.untraced)
wbase=$(med write.untraced) wfloor=$(med write.filter-floor)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f×", a / b}'; }
per_stop() { awk -v t="$1" -v b="$base" -v s="$stops" 'BEGIN {printf "%.1f", (t - b) / s}'; }
{
    echo "### The tracer (bench/trace.sh): $connects sequential Go connects, $writes writes; median of $rounds"
    echo
    echo "Stops: $stops for $connects connects ($(awk -v s="$stops" -v n=$connects 'BEGIN {printf "%.2f", s / n}') per connect: $stats)."
    echo "strace: $scalls traced syscalls for $connects connects, each two stops: $(awk -v s="$scalls" -v n=$connects 'BEGIN {printf "%.2f", 2 * s / n}') stops per connect."
    echo
    echo "| Go client, $connects loopback connects | µs | vs untraced | µs per stop |"
    echo "| --- | ---: | ---: | ---: |"
    for v in "${dial_variants[@]}"; do
        t=$(med dial.$v)
        ps=-; case $v in netshim*) ps=$(per_stop "$t") ;; esac
        echo "| $v | $t | $(ratio "$t" "$base") | $ps |"
    done
    echo
    echo "| $writes 16-byte writes, no connect | µs | vs untraced | vs filter floor |"
    echo "| --- | ---: | ---: | ---: |"
    for v in "${write_variants[@]}"; do
        t=$(med write.$v)
        echo "| $v | $t | $(ratio "$t" "$wbase") | $(ratio "$t" "$wfloor") |"
    done
} | tee "$out/table.md"
rm -f "$out"/dial.* "$out"/write.*
