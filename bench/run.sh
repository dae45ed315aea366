#!/usr/bin/env bash
# netshim's benchmarks, side by side with glibc and musl (see docs/BENCHMARKS.md).
#   bench/run.sh [--quick] [LIBDIR]
# LIBDIR holds libnetshim.so (default: build/lib, made by `make lib`).
# One C program (bench/workload.c) is built against glibc, statically against musl and
# linked against netshim; the glibc build also runs with netshim preloaded, with logging
# off and on. Every variant runs interleaved (A B C D E A B C D E …) inside one private
# mount + network namespace with fixture /etc files and dnsmasq on the namespace's
# loopback port 53. Each answer is checked before it is timed: a wrong answer fails.
# --quick runs every workload briefly (one round, few iterations, no valgrind/strace) and
# fails only on a wrong answer, never on a time. The full run also counts instructions per
# operation (callgrind) and syscalls per operation (strace -c), each as (2N run − N run)/N,
# both for the main thread only (the connect row's accepting thread is the listener).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mode=full
if [ "${1:-}" = --quick ]; then mode=quick; shift; fi
lib=$(cd "${1:-$root/build/lib}" && pwd) || exit 2
out="$root/build/bench"

die() { echo "bench: $*" >&2; exit 1; }
# Only the fixtures speak: no inherited preload, netshim or resolver settings.
for var in $(compgen -e | grep -E '^(NETSHIM_|LD_PRELOAD$|RES_OPTIONS$|LOCALDOMAIN$|HOSTALIASES$)'); do
    unset "$var"
done
# --quick (make test) on a machine that cannot run it: say so loudly and pass, unless
# NETSHIM_REQUIRE_ALL=1 (CI), where nothing may be skipped.
cannot() {
    if [ $mode = quick ] && [ "${NETSHIM_REQUIRE_ALL:-0}" != 1 ]; then
        echo "SKIP benchmarks: $* <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"
        exit 0
    fi
    die "$*"
}

# --- outside the namespace: tools, programs, fixtures -------------------------------
if [ "${BENCH_INSIDE:-0}" != 1 ]; then
    [ -e "$lib/libnetshim.so" ] || die "no $lib/libnetshim.so (run make lib)"
    need() { # need COMMAND DEBIAN-PACKAGE...: install the first package that works
        local cmd=$1; shift
        command -v "$cmd" >/dev/null && return 0
        echo "bench: $cmd is missing; apt-get install $*" >&2
        for pkg in "$@"; do
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1 ||
                { apt-get update -qq >/dev/null 2>&1 &&
                    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1; } &&
                command -v "$cmd" >/dev/null && return 0
        done
        cannot "could not install $cmd (apt-get install $*)"
    }
    need musl-gcc musl-tools
    need dnsmasq dnsmasq-base dnsmasq
    need ip iproute2
    if [ $mode = full ]; then need valgrind valgrind; need strace strace; fi
    unshare -m -n true 2>/dev/null || cannot "unshare -m -n is not permitted here (needs root)"

    rm -rf "$out" && mkdir -p "$out"
    flags=(-O2 -g -std=gnu11 -Wall -Wextra -Werror -pthread)
    gcc "${flags[@]}" -o "$out/workload-glibc" "$here/workload.c" || die "gcc (glibc) failed"
    musl-gcc "${flags[@]}" -static -o "$out/workload-musl" "$here/workload.c" || die "musl-gcc failed"
    gcc "${flags[@]}" -o "$out/workload-netshim" "$here/workload.c" \
        -L"$lib" -lnetshim -Wl,-rpath,"$lib" || die "gcc (netshim) failed"

    # Hosts files of 20 and 10,000 lines: Debian's first lines, filler, and the name
    # the "hosts" workload asks for as the last line.
    make_hosts() { # make_hosts LINES FILE
        {
            printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
            printf 'ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n'
            awk -v n="$(($1 - 5))" 'BEGIN { for (i = 0; i < n; i++)
                printf "10.%d.%d.%d\thost%05d.filler.example host%05d\n", int(i / 65536) + 1,
                    int(i / 256) % 256, i % 256, i, i }'
            printf '10.9.8.7\tbench-host.example bench-host\n'
        } >"$2"
    }
    make_hosts 20 "$out/hosts-20"
    make_hosts 10000 "$out/hosts-10000"
    make_hosts 200000 "$out/hosts-200000"
    again=("$lib")
    [ $mode = quick ] && again=(--quick "$lib")
    exec unshare -m -n env BENCH_INSIDE=1 bash "$0" "${again[@]}"
fi

# --- inside: loopback, fixture files, the DNS server ---------------------------------
ip link set lo up || die "ip link set lo up failed"
# Many short-lived loopback connections: widen the ephemeral port range (this netns only).
sysctl -qw net.ipv4.ip_local_port_range="1024 65535" 2>/dev/null || true
for f in services nsswitch.conf resolv.conf; do
    mount --bind "$here/fixtures/$f" "/etc/$f" || die "bind-mount /etc/$f failed"
done
hosts_now=
use_hosts() { # use_hosts 20|10000|200000: bind-mount that hosts file over /etc/hosts
    [ "$hosts_now" = "$1" ] && return 0
    mount --bind "$out/hosts-$1" /etc/hosts || die "bind-mount /etc/hosts failed"
    hosts_now=$1
}
use_hosts 20

dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --port=53 --listen-address=127.0.0.1 \
    --bind-interfaces --user=root --pid-file="$out/dnsmasq.pid" --log-facility="$out/dnsmasq.log" \
    --host-record=dual.bench.test,192.0.2.53,2001:db8::53 \
    --host-record=v4only.bench.test,192.0.2.54 \
    --local=/bench.test/ --local=// --domain-needed ${BENCH_DNSMASQ_ARGS:-} &
dns_pid=$!
trap 'kill "$dns_pid" 2>/dev/null; wait "$dns_pid" 2>/dev/null' EXIT
for _ in $(seq 100); do
    "$out/workload-glibc" udp-rtt 0 >/dev/null 2>&1 && break
    sleep 0.05
done
"$out/workload-glibc" udp-rtt 0 || die "dnsmasq does not answer on 127.0.0.1:53 (see $out/dnsmasq.log)"

# --- the variants ----------------------------------------------------------------------
variants=(glibc musl linked preload preload+log)
log="$out/connect.log"
: >"$log"
variant() { # variant VARIANT: sets venv (environment) and vprog (program) for it
    venv=()
    case $1 in
        glibc) vprog=$out/workload-glibc ;;
        musl) vprog=$out/workload-musl ;;
        linked) vprog=$out/workload-netshim ;;
        preload) vprog=$out/workload-glibc venv=(LD_PRELOAD="$lib/libnetshim.so") ;;
        preload+log) vprog=$out/workload-glibc venv=(LD_PRELOAD="$lib/libnetshim.so" NETSHIM_LOG="$log") ;;
    esac
}
run_variant() { # run_variant VARIANT ARGS...: one workload process
    variant "$1"; shift
    env "${venv[@]}" "$vprog" "$@"
}
is_netshim() { case $1 in linked | preload*) return 0 ;; esac; return 1; }

# --- the rows ----------------------------------------------------------------------------
# id | label | workload | hosts file | iterations (full run) | threads | callgrind N [| rounds
#    [| variants]]: rounds "1" for rows that measure a count, not a time (memory); variants
#    "glibc" for the reference rows (the floors a target is measured against).
rows=(
    "num4|getaddrinfo numeric IPv4|num4|20|200000|1|500"
    "num6|getaddrinfo numeric IPv6|num6|20|200000|1|500"
    "hosts20|hosts-file name, 20 lines|hosts|20|10000|1|100"
    "local20|\"localhost\", 20 lines|localhost|20|2000|1|50"
    "hosts10k|hosts-file name, 10,000 lines|hosts|10000|60|1|4"
    "local10k|\"localhost\", 10,000 lines|localhost|10000|60|1|4"
    "stat|a bare stat(2) of /etc/hosts (reference)|stat|20|20000|1|500|11|glibc"
    "udp|one UDP round trip to the DNS server (reference)|udp-rtt|20|4000|1|100|11|glibc"
    "udpfresh|one UDP round trip on a fresh socket: socket, connect, send, poll, recv, close (reference)|udp-fresh|20|2000|1|50|11|glibc"
    "dnsdual|DNS name, A+AAAA|dns-dual|20|1000|1|20"
    "dnsa|DNS name, A only (AAAA NODATA)|dns-a|20|1000|1|20"
    "nxdomain|NXDOMAIN through a one-entry search list|nxdomain|20|600|1|20"
    "socket|socket()+close()|socket|20|20000|1|500"
    "connect|socket()+connect()+close(), loopback listener|connect|20|2000|1|100"
    "refused|socket()+connect()+close(), refused|refused|20|4000|1|100"
    "t1|hosts lookups, 1 thread (lookups/s)|threads|20|20000|1|0"
    "t2|hosts lookups, 2 threads (lookups/s)|threads|20|20000|2|0"
    "t4|hosts lookups, 4 threads (lookups/s)|threads|20|20000|4|0"
    "t8|hosts lookups, 8 threads (lookups/s)|threads|20|20000|8|0"
    "t32|hosts lookups, 32 threads (lookups/s)|threads|20|20000|32|0"
    "st8|bare stat(2) loop, 8 threads (stats/s, reference)|stat-threads|20|20000|8|0|11|glibc"
    "st32|bare stat(2) loop, 32 threads (stats/s, reference)|stat-threads|20|20000|32|0|11|glibc"
    "first20|first lookup in a fresh process, 20-line hosts file|first-hosts|20|1|1|0"
    "first10k|first lookup in a fresh process, 10,000-line hosts file|first-hosts|10000|1|1|0"
    "first200k|first lookup in a fresh process, 200,000-line hosts file|first-hosts|200000|1|1|0"
    "index10k|memory held after two lookups, 10,000-line file (0.45 MB)|index-hosts|10000|1|1|0|1"
    "index200k|memory held after two lookups, 200,000-line file (9.4 MB)|index-hosts|200000|1|1|0|1"
    # A million lookups each: not with logging on (a million log lines), and glibc's and
    # musl's "localhost" (16-120 µs a lookup here) would take minutes: netshim's rows only.
    "rss4|RSS growth, 1,000th to 1,000,000th lookup: 127.0.0.1|rss-loop4|20|999000|1|0|1|glibc musl linked preload"
    "rss6|RSS growth, 1,000th to 1,000,000th lookup: ::1|rss-loop6|20|999000|1|0|1|glibc musl linked preload"
    "rsslocal|RSS growth, 1,000th to 1,000,000th lookup: localhost|rss-localhost|20|999000|1|0|1|linked preload"
)
# Does row spec $1 run variant $2? (Its 9th field lists the variants, when it has one.)
runs_variant() {
    local only
    IFS='|' read -r _ _ _ _ _ _ _ _ only <<<"$1"
    [ -z "$only" ] || [[ " $only " == *" $2 "* ]]
}
rounds=11
[ $mode = quick ] && rounds=1
res="$out/results"
mkdir -p "$res"
wrong=0

# A variant whose answer is wrong gets a status instead of times:
#   n/a-dns   netshim answered no address where glibc did, on a DNS row: the DNS source
#             is not merged yet (then every DNS row of that variant is n/a)
#   n/a-sort  netshim gave glibc's addresses in another order: the RFC 3484 sort is not
#             merged yet
#   WRONG     anything else: a failure
classify() { # classify ROW VARIANT OUTPUT -> prints the status
    local row=$1 v=$2 text=$3 got want
    got=$(sed -n 's/^WRONG [^ ]* got: \(.*\) want: .*/\1/p' <<<"$text")
    want=$(sed -n 's/^WRONG .* want: \(.*\)/\1/p' <<<"$text")
    if is_netshim "$v"; then
        case $row in
            dnsdual | dnsa | nxdomain)
                if [ -e "$res/$v.dns-missing" ] || [[ $got == error:* && $want != error:* ]]; then
                    touch "$res/$v.dns-missing"; echo n/a-dns; return
                fi ;;
        esac
        if [ -n "$got" ] && [ "$(tr ' ' '\n' <<<"$got" | sort)" = "$(tr ' ' '\n' <<<"$want" | sort)" ]; then
            echo n/a-sort; return
        fi
    fi
    echo WRONG
}

for spec in "${rows[@]}"; do
    IFS='|' read -r id label work hosts iters threads _ row_rounds _ <<<"$spec"
    use_hosts "$hosts"
    [ $mode = quick ] && iters=$(( iters / 20 > 2 ? iters / 20 : 2 ))
    for v in "${variants[@]}"; do
        runs_variant "$spec" "$v" || continue
        # A netshim variant whose DNS source is missing would time a no-op NXDOMAIN.
        if [ "$id" = nxdomain ] && [ -e "$res/$v.dns-missing" ]; then echo n/a-dns >"$res/$id.$v.status"; fi
    done
    this_rounds=$rounds
    [ "${row_rounds:-$rounds}" -lt "$rounds" ] && this_rounds=$row_rounds
    for ((r = 1; r <= this_rounds; r++)); do
        for v in "${variants[@]}"; do
            runs_variant "$spec" "$v" || continue
            [ -e "$res/$id.$v.status" ] && continue
            text=$(run_variant "$v" "$work" "$iters" "$threads" 2>&1)
            value=$(sed -n 's/^ok .* \(ns_per_op\|ops_per_s\|kib_growth\)=\([0-9.-]*\).*/\2/p' <<<"$text")
            if [ -n "$value" ]; then
                echo "$value" >>"$res/$id.$v"
                continue
            fi
            status=$(classify "$id" "$v" "$text")
            echo "$status" >"$res/$id.$v.status"
            echo "$text" >"$res/$id.$v.output"
            if [ "$status" = WRONG ]; then
                wrong=$((wrong + 1))
                echo "FAIL $label ($v): ${text:-no output}" >&2
            else
                echo "note $label ($v): $status: $(head -n1 <<<"$text")" >&2
            fi
        done
    done
done

# --- instructions and syscalls per operation (full run only) -------------------------
# Each counted from two runs of N and 2N iterations: (count(2N) − count(N)) / N, so
# start-up and the answer check cancel. Both count only the main thread (the connect
# workload's accepting thread is the listener, not the operation).
instr_count() { # instr_count VARIANT WORKLOAD N -> instructions of the main thread
    local f="$out/callgrind/$1.$2.$3"
    variant "$1"
    rm -f "$f"*
    env "${venv[@]}" valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$f" \
        "$vprog" "$2" "$3" >/dev/null 2>&1
    sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$f-01" 2>/dev/null
}
syscall_count() { # syscall_count VARIANT WORKLOAD N -> syscalls of the main thread (and env's)
    local f="$out/strace/$1.$2.$3"
    variant "$1"
    strace -c -o "$f" env "${venv[@]}" "$vprog" "$2" "$3" >/dev/null 2>&1
    awk '$NF == "total" { print $4 }' "$f" 2>/dev/null
}
per_op() { # per_op COUNT_N COUNT_2N N
    [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.0f", (b - a) / n }'
}
if [ $mode = full ]; then
    mkdir -p "$out/callgrind" "$out/strace"
    for spec in "${rows[@]}"; do
        IFS='|' read -r id label work hosts iters threads cn _ <<<"$spec"
        use_hosts "$hosts"
        if [ "$work" = first-hosts ]; then
            # One lookup in a fresh process: the whole run's instructions and syscalls, less
            # those of a run whose one lookup is numeric (start-up, the answer check).
            for v in "${variants[@]}"; do
                [ -e "$res/$id.$v.status" ] && continue
                [ "$v" = preload+log ] && continue
                whole=$(instr_count "$v" first-hosts 0) base=$(instr_count "$v" first-num4 0)
                [ -n "$whole" ] && [ -n "$base" ] && echo $((whole - base)) >"$res/$id.$v.instr"
                whole=$(syscall_count "$v" first-hosts 0) base=$(syscall_count "$v" first-num4 0)
                [ -n "$whole" ] && [ -n "$base" ] && echo $((whole - base)) >"$res/$id.$v.sys"
            done
            continue
        fi
        [ "$cn" = 0 ] && continue
        for v in "${variants[@]}"; do
            runs_variant "$spec" "$v" || continue
            [ -e "$res/$id.$v.status" ] && continue
            # Logging changes connect() and getaddrinfo(): the connect rows and one numeric
            # and one hosts-file lookup row show its cost; the others would repeat it.
            [ "$v" = preload+log ] && case $id in socket | connect | refused | num4 | hosts20) ;; *) continue ;; esac
            per_op "$(instr_count "$v" "$work" "$cn")" "$(instr_count "$v" "$work" $((2 * cn)))" "$cn" \
                >"$res/$id.$v.instr"
            per_op "$(syscall_count "$v" "$work" "$cn")" "$(syscall_count "$v" "$work" $((2 * cn)))" "$cn" \
                >"$res/$id.$v.sys"
        done
    done
fi

# --- the table -----------------------------------------------------------------------
logger_note=
if [ ! -s "$log" ]; then
    logger_note="logger not merged: NETSHIM_LOG=$log stayed empty after the connect rows"
fi
{
    echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)," \
        "Linux $(uname -r); glibc $(dpkg-query -W -f='${Version}' libc6 2>/dev/null); musl" \
        "$(dpkg-query -W -f='${Version}' musl-tools 2>/dev/null); $(dnsmasq --version | head -n1 | cut -d' ' -f1-3);" \
        "netshim $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'); $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
    bash "$here/table.sh" "$res" "$mode" "$rounds" "$logger_note" "${rows[@]}"
} | tee "$out/table.md"
if [ "$wrong" != 0 ]; then
    echo "bench: $wrong wrong answer(s): FAIL" >&2
    exit 1
fi
echo "bench ($mode): every answer checked and right"

# --- the tracer (bench/trace.sh: its own namespace and rows) -------------------------------
if [ $mode = full ]; then
    bash "$here/trace.sh" "$lib" || exit 1
fi
