#!/usr/bin/env bash
# The soak test: 8 threads resolving and connecting with logging on, for SOAK_SECONDS
# (default 60), while the resolver's files churn and the DNS server is killed and
# restarted, inside a private mount + network + UTS namespace. tests/soak/soak.c drives,
# tests/soak/check.py judges (every answer, every error, durations, descriptors, RSS,
# the log).
#   tests/soak/run.sh path/to/libnetshim.so
# SOAK_PAUSE_US (default 200) is each thread's mean pause between lookups; SOAK_OUT the
# directory for its files (default build/soak).
# Last line: "soak: N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
so=$(realpath "${1:?usage: run.sh path/to/libnetshim.so}")
seconds=${SOAK_SECONDS:-60}
out=${SOAK_OUT:-$here/../../build/soak}
rm -rf "$out" && mkdir -p "$out" && out=$(cd "$out" && pwd)
gcc -std=gnu11 -Wall -Wextra -Werror -pedantic -O2 -pthread -o "$out/soak" "$here/soak.c" ||
    { echo "soak: 0 passed, 1 failed (compile)"; exit 1; }
dnsmasq=$(command -v dnsmasq) || { echo "FAIL dnsmasq is not installed (scripts/deps.sh test installs dnsmasq-base)"; echo "soak: 0 passed, 1 failed"; exit 1; }

echo "soak: ${seconds}s, 8 threads, files churning, dnsmasq restarted every 1.5-4 s"
unshare -m -n -u bash -c '
    set -e
    so=$1 out=$2 seconds=$3 dnsmasq=$4
    ip link set lo up
    hostname soak
    # The server of record for soak.test; nothing else resolves (--local=//).
    dns=("$dnsmasq" -k --conf-file=/dev/null --no-resolv --no-hosts --port=53
        --listen-address=127.0.0.1 --bind-interfaces --user=root --pid-file=
        --log-facility="$out/dnsmasq.log" --cache-size=0 --no-negcache
        --host-record=d.soak.test,127.0.1.1 --host-record=g.soak.test,127.0.1.2,::1
        --local=/soak.test/ --local=// --domain-needed)
    env LD_PRELOAD="$so" NETSHIM_HOSTS="$out/hosts" NETSHIM_RESOLV_CONF="$out/resolv.conf" \
        NETSHIM_NSSWITCH="$out/nsswitch.conf" NETSHIM_GAI_CONF="$out/gai.conf" \
        NETSHIM_HOST_CONF="$out/host.conf" NETSHIM_LOG="$out/connect.log" NETSHIM_LOG_FORMAT=json \
        timeout -s KILL $((seconds + 60)) "$out/soak" "$out" "$seconds" 18080 -- "${dns[@]}"
' _ "$so" "$out" "$seconds" "$dnsmasq"
rc=$?
if [ "$rc" != 0 ]; then
    echo "FAIL the soak program exited with status $rc (a crash, a hang or a failed setup)"
    echo "soak: 0 passed, 1 failed"
    exit 1
fi
# The control first: the records of two threads (with the mutator's and main's) with one
# answer made a mix of two hosts-file versions and one an address no file ever held must
# fail the check; check.py reports the control's verdict among its own.
ctl=$out/control && mkdir -p "$ctl" && cp "$out/connect.log" "$ctl/"
for n in 0 1 9 10; do cp "$out/records.$n" "$ctl/"; done
sed -i '0,/ m 0 127\.0\.0\.2\([0-9]\),127\.0\.0\.3[0-9]$/s// m 0 127.0.0.2\1,127.0.0.39/' "$ctl"/records.0
sed -i '0,/ h 0 127\.0\.0\.1[0-9]$/s// h 0 127.0.0.99/' "$ctl"/records.1
SOAK_CONTROL=$(python3 "$here/check.py" "$ctl" | grep -o '([0-9]* not)' | head -1) python3 "$here/check.py" "$out"
