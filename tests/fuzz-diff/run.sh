#!/usr/bin/env bash
# The differential fuzzer: generated getaddrinfo/getnameinfo requests (gen.py, a grammar over
# the gai-diff fixtures) asked of glibc and of netshim (preloaded) in one private mount+network
# namespace set up as tests/gai-diff's "dns" variant (fixture /etc files, nsswitch-dns.conf,
# dnsmasq answering every query at once: see dnsmasq.conf for its two servers), batch after batch
# until the time is up, every answer compared whole (tests/gai-diff/probe.c's output).
#   tests/fuzz-diff/run.sh LIBNETSHIM_SO
# FUZZ_DIFF_SECONDS  how long to generate (60)          FUZZ_DIFF_SEED  replay a run (printed)
# FUZZ_DIFF_CLASSES  comma list, default or all (`gen.py classes` lists them; all: every
#                    class answers as glibc since issue 10's fixes landed)
# FUZZ_DIFF_BATCH    requests per batch (400)
# Each difference prints as a case line ready for tests/gai-diff/cases-dns.txt (those found
# with the "refusing" server reproduce there as they are), with both answers; cases in
# tests/gai-diff/known-differences.txt are counted apart. Exit 1 on any.
set -u
here=$(cd "$(dirname "$0")" && pwd)
diff_dir=$here/../gai-diff
so=$(realpath "${1:?usage: run.sh path/to/libnetshim.so}")
out=${FUZZ_DIFF_OUT:-$here/../../build/fuzz-diff}
seconds=${FUZZ_DIFF_SECONDS:-60}
classes=${FUZZ_DIFF_CLASSES:-all}
batch_size=${FUZZ_DIFF_BATCH:-400}
seed=${FUZZ_DIFF_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
mkdir -p "$out"
rm -f "$out"/batch-* "$out/diffs"
fail() { echo "FAIL fuzz-diff: $*"; echo "fuzz-diff: 0 passed, 1 failed"; exit 1; }
gcc -std=gnu11 -Wall -Wextra -Werror -pedantic -o "$out/probe" "$diff_dir/probe.c" || fail "probe.c does not build"
command -v dnsmasq >/dev/null || fail "dnsmasq is not installed (scripts/deps.sh test installs dnsmasq-base)"
python3 "$here/gen.py" cases "$seed" 0 1 "$classes" "$diff_dir/fixtures" >/dev/null || fail "bad FUZZ_DIFF_CLASSES=$classes"
echo "fuzz-diff: seed $seed, classes $classes, ${seconds} s (replay: FUZZ_DIFF_SEED=$seed FUZZ_DIFF_CLASSES=$classes)"

unshare -m -n bash -c '
    set -e
    here=$1 fx=$2 probe=$3 so=$4 o=$5 seconds=$6 seed=$7 classes=$8 size=$9
    ip link set lo up
    ip addr add 192.0.2.10/24 dev lo
    ip addr add 2001:db8:1::10/64 dev lo nodad
    for f in hosts services gai.conf host.conf resolv.conf; do mount --bind "$fx/$f" "/etc/$f"; done
    mount --bind "$fx/nsswitch-dns.conf" /etc/nsswitch.conf
    pids=
    trap "kill \$pids 2>/dev/null; wait 2>/dev/null || true" EXIT
    for server in "127.0.0.1" "127.0.0.2 --local=/#/"; do
        set -- $server
        dnsmasq -k -C "$here/dnsmasq.conf" --listen-address="$1" ${2:-} --user=root \
            --pid-file="$o/dnsmasq-$1.pid" --log-facility="$o/dnsmasq-$1.log" &
        pids="$pids $!"
        for _ in $(seq 100); do (exec 3<>/dev/udp/$1/53) 2>/dev/null && break; sleep 0.05; done
    done
    sleep 0.2
    # The server a batch asks: the one that answers every name itself, and with the class
    # "refused" every other batch the one that refuses names outside its zones.
    refused=0
    case ",$classes," in *,refused,*|,all,) refused=1 ;; esac
    batch=0 start=$SECONDS
    while [ $((SECONDS - start)) -lt "$seconds" ]; do
        b=$o/batch-$batch
        umount /etc/resolv.conf
        if [ $refused = 1 ] && [ $((batch % 2)) = 1 ]; then
            server=refusing; mount --bind "$fx/resolv.conf" /etc/resolv.conf
        else
            server=complete; mount --bind "$here/resolv.conf.complete" /etc/resolv.conf
        fi
        python3 "$here/gen.py" cases "$seed" "$batch" "$size" "$classes" "$fx" >"$b.cases"
        cut -f2- "$b.cases" >"$b.in"
        # A request that never ends is a failure too: both sides get the same bound.
        for side in glibc netshim; do
            preload=; [ $side = netshim ] && preload=$so
            rc=0; LD_PRELOAD=$preload timeout 120 "$probe" <"$b.in" >"$b.$side" || rc=$?
            if [ $rc != 0 ]; then
                echo "DIFF [batch $batch $server] the probe under $side ended with status $rc after:"
                grep "^Q " "$b.$side" | tail -n 1
                echo "COUNT 0 1 0"
            fi
        done
        python3 "$here/gen.py" compare "$b.cases" "$b.glibc" "$b.netshim" "$fx/../known-differences.txt" "batch $batch $server"
        rm -f "$b.in" "$b.glibc" "$b.netshim" "$b.cases"
        batch=$((batch + 1))
    done
    echo "BATCHES $batch"
' _ "$here" "$diff_dir/fixtures" "$out/probe" "$so" "$out" "$seconds" "$seed" "$classes" "$batch_size" >"$out/diffs" \
    || { tail -n 20 "$out/diffs"; fail "the namespace could not be run"; }

compared=0 differing=0 known=0
while read -r _ c d k; do
    compared=$((compared + c)); differing=$((differing + d)); known=$((known + k))
done < <(grep '^COUNT ' "$out/diffs")
batches=$(sed -n 's/^BATCHES //p' "$out/diffs")
# The first differences in full, then one line per kind (class and both first answer lines).
grep -v '^\(COUNT\|BATCHES\) ' "$out/diffs" | awk '/^DIFF/ { n++ } n <= 20' 
if [ "$differing" -gt 0 ]; then
    echo "fuzz-diff: differences by kind (class, glibc's answer / netshim's), count:"
    sed -n 's/^DIFF \[batch [0-9]* \([a-z]* class=[^]]*\)\] /\1 /p' "$out/diffs" | sort | uniq -c | sort -rn | head -n 40
fi
echo "fuzz-diff: $compared requests compared in ${batches:-0} batches, $differing differ, $known known (seed $seed; all in $out/diffs)"
[ "${compared}" -gt 0 ] || fail "no request was compared"
echo "fuzz-diff: $((compared - differing - known)) passed, $differing failed"
[ "$differing" = 0 ]
