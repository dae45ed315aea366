#!/usr/bin/env bash
# The misbehaving-server tests: each case starts server.py (or two) in a private network
# namespace, points netshim at it through NETSHIM_RESOLV_CONF, runs one getaddrinfo and
# asserts the exact answer and a bound on the time taken.
#   tests/dns-misbehave/run.sh LIBNETSHIM_SO
set -u
here=$(cd "$(dirname "$0")" && pwd)
so=$(realpath "${1:?usage: run.sh path/to/libnetshim.so}")
out=$here/../../build/dns-misbehave
rm -rf "$out" && mkdir -p "$out"
gcc -std=gnu11 -Wall -Wextra -Werror -pedantic -o "$out/probe" "$here/../gai-diff/probe.c" || exit 1
printf 'hosts: dns\n' >"$out/nsswitch.conf"
: >"$out/hosts"
passed=0 failed=0

# check NAME "MODE1[,MODE2]" "RESOLV OPTIONS" "CASE" "EXPECTED rc or address" MAX_MS [MIN_MS]
check() {
    local name=$1 modes=$2 options=$3 case=$4 want=$5 max_ms=$6 min_ms=${7:-0}
    {
        local port=5301
        for mode in ${modes//,/ }; do echo "nameserver 127.0.0.1#$port"; port=$((port + 1)); done
        echo "options $options"
    } >"$out/resolv.conf"
    local result
    result=$(unshare -n bash -c '
        here=$1 out=$2 so=$3 modes=$4 case=$5
        ip link set lo up
        port=5301 pids=()
        for mode in ${modes//,/ }; do
            if [ "$mode" = absent ]; then port=$((port + 1)); continue; fi
            rm -f "$out/ready.$port"
            python3 "$here/server.py" "$mode" "$port" "$out/ready.$port" 2>>"$out/server.log" & pids+=($!)
            for _ in $(seq 100); do [ -e "$out/ready.$port" ] && break; sleep 0.05; done
            port=$((port + 1))
        done
        start=$(date +%s%N)
        answer=$(echo "$case" | NETSHIM_RESOLV_CONF="$out/resolv.conf" NETSHIM_NSSWITCH="$out/nsswitch.conf" \
            NETSHIM_HOSTS="$out/hosts" LD_PRELOAD="$so" "$out/probe" | grep -v "^Q " | tr -s " " | tr "\n" " ")
        end=$(date +%s%N)
        kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null
        echo "$(( (end - start) / 1000000 )) $answer"
    ' _ "$here" "$out" "$so" "$modes" "$case")
    local ms=${result%% *} answer=${result#* }
    if [[ $answer == *"$want"* ]] && [ "$ms" -le "$max_ms" ] && [ "$ms" -ge "$min_ms" ]; then
        echo "ok   $name: $want in ${ms} ms (bound ${min_ms}–${max_ms} ms)"; passed=$((passed + 1))
    else
        echo "FAIL $name: want '$want' in ${min_ms}–${max_ms} ms, got '$answer' in ${ms} ms"; failed=$((failed + 1))
    fi
}

a='gai inet 0 1 0 x.test 80'
both='gai unspec 0 1 0 x.test 80'
fast='timeout:1 attempts:1'
check "a good server" good "$fast" "$a" "192.0.2.7 port=80" 900
check "A and AAAA in parallel" good "$fast" "$both" "2001:db8::7 port=80" 900
check "late answer (0.3 s)" late "$fast" "$a" "192.0.2.7" 1500 250
check "silence: EAI_AGAIN after timeout × attempts" silent "timeout:1 attempts:2" "$a" "rc=EAI_AGAIN" 3000 1900
check "silent first server, good second" silent,good "$fast" "$a" "192.0.2.7" 2500 900
check "wrong ID only: ignored, then timeout" wrong-id "$fast" "$a" "rc=EAI_AGAIN" 2000 900
check "wrong ID, then the right one" wrong-id-then-good "$fast" "$a" "192.0.2.7" 900
check "reply from another port only: ignored" wrong-port "$fast" "$a" "rc=EAI_AGAIN" 2000 900
check "reply from another port, then the server's" wrong-port-then-good "$fast" "$a" "192.0.2.7" 900
check "mismatched question: ignored" wrong-question "$fast" "$a" "rc=EAI_AGAIN" 2000 900
check "SERVFAIL: next server" servfail,good "$fast" "$a" "192.0.2.7" 900
check "SERVFAIL only: EAI_AGAIN" servfail "$fast" "$a" "rc=EAI_AGAIN" 900
check "REFUSED: next server" refused,good "$fast" "$a" "192.0.2.7" 900
check "TC=1: the answer over TCP (>512 bytes, split writes)" truncated "$fast" "$a" "192.0.2.46" 900
check "garbage and a cut reply, then the real one" garbage-then-good "$fast" "$a" "192.0.2.7" 900
check "200 junk datagrams, then the real one" junk-flood-then-good "$fast" "$a" "192.0.2.7" 900
check "compression loop in the answer: clear error, no hang" loop "$fast" "$a" "rc=EAI_NONAME" 900
check "NOERROR with no answer: EAI_NODATA" nodata "$fast" "$a" "rc=EAI_NODATA" 900
check "NOERROR with no answer, AF_UNSPEC: EAI_NONAME" nodata "$fast" "$both" "rc=EAI_NONAME" 900
check "no server listening: EAI_AGAIN at once" absent "$fast" "$a" "rc=EAI_AGAIN" 900
check "nobody on the first server's port, good second" absent,good "$fast" "$a" "192.0.2.7" 900
check "use-vc: TCP from the start" good "$fast use-vc" "$a" "192.0.2.46" 900
check "single-request: one query at a time" good "$fast single-request" "$both" "2001:db8::7" 900
check "single-request-reopen" good "$fast single-request-reopen" "$both" "2001:db8::7" 900
echo "dns-misbehave: $passed passed, $failed failed"
[ "$failed" = 0 ]
