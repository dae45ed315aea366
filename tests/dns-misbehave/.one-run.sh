#!/usr/bin/env bash
# The misbehaving-server tests, glibc against netshim. Each check starts server.py (one
# per nameserver, on 127.0.0.1, 127.0.0.2, ... port 53) in a private mount + network
# namespace whose /etc/resolv.conf names them, then runs each case under glibc and under
# netshim (LD_PRELOAD) side by side, against the same servers, and asserts:
#   - the same answer as glibc (or, for a deliberate difference, the answer given);
#   - netshim's time is within glibc's, measured in the same run, plus a margin
#     (MARGIN_MS + 15 % of glibc's time: the machine is shared), and under the check's
#     absolute bound.
#   tests/dns-misbehave/run.sh LIBNETSHIM_SO
set -u
here=$(cd "$(dirname "$0")" && pwd)
so=$(realpath "${1:?usage: run.sh path/to/libnetshim.so}")
out=$here/../../build/dns-misbehave
rm -rf "$out" && mkdir -p "$out"
gcc -std=gnu11 -Wall -Wextra -Werror -pedantic -o "$out/probe" "$here/../gai-diff/probe.c" || exit 1
printf 'hosts: dns\n' >"$out/nsswitch.conf"
: >"$out/hosts"
MARGIN_MS=${MARGIN_MS:-400}
passed=0 failed=0

# Every fault is asked for each family, with and without AI_CANONNAME (AF_INET without it
# goes through glibc's gethostbyname2_r, with it through gethostbyname3_r).
all_families='gai unspec 0 1 0 x.test 80
gai unspec 0x2 1 0 x.test 80
gai inet 0 1 0 x.test 80
gai inet 0x2 1 0 x.test 80
gai inet6 0 1 0 x.test 80
gai inet6 0x2 1 0 x.test 80'

# check NAME "MODE1[,MODE2]" "RESOLV OPTIONS" MAX_MS [EXPECT [REASON]]
#   MODE "absent" leaves that nameserver's address without a server ("absent6": ::1
#   without a server). EXPECT, when given,
#   is the answer netshim must give instead of glibc's (a deliberate difference).
#   CASES (default: all_families) are the probe lines.
check() {
    local name=$1 modes=$2 options=$3 max_ms=$4 expect=${5:-} cases=${CASES:-$all_families}
    {
        local i=1
        for mode in ${modes//,/ }; do
            # absent6: a dead IPv6 server (::1, nothing listening)
            if [ "$mode" = absent6 ]; then echo "nameserver ::1"; else echo "nameserver 127.0.0.$i"; fi
            i=$((i + 1))
        done
        echo "options $options"
    } >"$out/resolv.conf"
    local report
    report=$(unshare -m -n bash -c '
        here=$1 out=$2 so=$3 modes=$4 cases=$5
        ip link set lo up
        mount --bind "$out/resolv.conf" /etc/resolv.conf
        mount --bind "$out/nsswitch.conf" /etc/nsswitch.conf
        mount --bind "$out/hosts" /etc/hosts
        i=1 pids=()
        for mode in ${modes//,/ }; do
            if [ "$mode" != absent ] && [ "$mode" != absent6 ]; then
                rm -f "$out/ready.$i"
                python3 "$here/server.py" "$mode" "127.0.0.$i" "$out/ready.$i" 2>>"$out/server.log" & pids+=($!)
                for _ in $(seq 100); do [ -e "$out/ready.$i" ] && break; sleep 0.05; done
            fi
            i=$((i + 1))
        done
        # run ID LIB CASE: one probe, its answer and its time in ms into $out/run.ID.
        run() {
            local start end answer
            start=$(date +%s%N)
            answer=$(echo "$3" | LD_PRELOAD="$2" "$out/probe" | grep -v "^Q " | tr -s " " | tr "\n" " ")
            end=$(date +%s%N)
            echo "$(( (end - start) / 1000000 )) $answer" >"$out/run.$1"
        }
        n=0 jobs_=()
        while IFS= read -r case; do
            [ -n "$case" ] || continue
            run "$n.glibc" "" "$case" & jobs_+=($!)
            run "$n.netshim" "$so" "$case" & jobs_+=($!)
            echo "$case" >"$out/run.$n.case"
            n=$((n + 1))
        done <<<"$cases"
        wait "${jobs_[@]}"
        kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null
        for ((k = 0; k < n; k++)); do
            echo "$(cat "$out/run.$k.case")|$(cat "$out/run.$k.glibc")|$(cat "$out/run.$k.netshim")"
        done
    ' _ "$here" "$out" "$so" "$modes" "$cases")
    local line case g n g_ms n_ms g_ans n_ans bound
    while IFS= read -r line; do
        IFS='|' read -r case g n <<<"$line"
        g_ms=${g%% *} g_ans=${g#* } n_ms=${n%% *} n_ans=${n#* }
        bound=$((g_ms + g_ms * 15 / 100 + MARGIN_MS))
        [ "$bound" -le "$max_ms" ] || bound=$max_ms
        local want=$g_ans how="glibc's answer"
        if [ -n "$expect" ]; then want=$expect how="deliberate difference"; fi
        if [[ $n_ans == *"$want"* ]] && [ "$n_ms" -le "$bound" ]; then
            echo "ok   $name [$case]: $how ${n_ans:0:60} in ${n_ms} ms (glibc ${g_ms} ms)"
            passed=$((passed + 1))
        else
            echo "FAIL $name [$case]: want '$want' within ${bound} ms"
            echo "       glibc:   ${g_ms} ms ${g_ans:0:200}"
            echo "       netshim: ${n_ms} ms ${n_ans:0:200}"
            failed=$((failed + 1))
        fi
    done <<<"$report"
}

fast='timeout:1 attempts:1'
two='timeout:1 attempts:2'
check "dead IPv4 and IPv6 servers (127.0.0.1 and ::1), default timeouts" absent,absent6 "timeout:5 attempts:2" 900
echo "dns-misbehave: $passed passed, $failed failed"
