#!/usr/bin/env bash
# make demo: the Beej guide's connect() example, unchanged, linked with -lnetshim,
# connects to www.example.com port 80 — which, inside a private mount+network namespace,
# is a listener on the namespace's own loopback (a fixture /etc/hosts says so). Nothing
# leaves the machine.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
lib=$(cd "${1:?usage: demo.sh LIBDIR}" && pwd)
out="$root/build/demo"
mkdir -p "$out"
fx="$root/c-tests/fixtures"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Building the Beej example against netshim"
echo "gcc -std=c11 c-tests/beej_connect.c -Iinclude -L$lib -lnetshim"
gcc -std=c11 -Wall -Wextra -Werror -pedantic -o "$out/beej" "$root/c-tests/beej_connect.c" \
    -L"$lib" -lnetshim -Wl,-rpath,"$lib"
gcc -std=c11 -Wall -Wextra -Werror -pedantic -o "$out/listener" "$root/c-tests/listener.c"
gcc -std=gnu11 -Wall -Wextra -Werror -o "$out/abi" "$root/c-tests/abi_resolve.c" -L"$lib" -lnetshim -Wl,-rpath,"$lib" -ldl
readelf -d "$out/beej" | grep NEEDED | sed 's/^ */  /'

say "Which library answers socket() and connect() in that program"
"$out/abi" libnetshim

if ! unshare -m -n true 2>/dev/null; then
    say "Skipping the connection: a private namespace needs root (unshare -m -n)"
    exit 0
fi

say "Running it in a private namespace: www.example.com -> 127.0.0.1, a listener on port 80"
grep -v '^#' "$fx/hosts" | sed 's/^/  hosts: /'
rm -f "$out/ready"
unshare -m -n bash -c '
    set -e
    fx=$1 out=$2
    ip link set lo up
    for f in hosts services nsswitch.conf; do mount --bind "$fx/$f" "/etc/$f"; done
    "$out/listener" 127.0.0.1 80 "$out/ready" & lpid=$!
    for _ in $(seq 200); do [ -e "$out/ready" ] && break; sleep 0.05; done
    strace_cmd=()
    command -v strace >/dev/null && strace_cmd=(strace -f -e trace=socket,connect -o "$out/strace.txt")
    "${strace_cmd[@]}" "$out/beej"
    wait $lpid
    if [ -s "$out/strace.txt" ]; then
        echo; echo "The kernel calls the program made (strace):"
        grep -E "socket\(AF_INET|connect\(.*htons\(80\)" "$out/strace.txt" | sed "s/^/  /"
    fi' _ "$fx" "$out"
if ! command -v curl >/dev/null || ! command -v python3 >/dev/null; then
    say "Skipping the launcher part: it needs curl and python3 (apt-get install curl python3)"
    exit 0
fi
say "Watching a program that nobody here wrote: curl through 'netshim run'"
netshim="$root/target/release/netshim"
[ -x "$netshim" ] || netshim="${CARGO_TARGET_DIR:-$root/target}/release/netshim"
printf '127.0.0.1\tweb.demo.test\n' >"$out/hosts"
python3 -m http.server 18777 --bind 127.0.0.1 >/dev/null 2>&1 & web=$!
trap 'kill $web 2>/dev/null' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/18777) 2>/dev/null && break; sleep 0.05; done
rm -f "$out/connect.log"
echo "netshim run -o connect.log --json curl http://web.demo.test:18777/   (and a refused port)"
NETSHIM_HOSTS="$out/hosts" NETSHIM_LIBRARY="$lib/libnetshim.so" "$netshim" run -o "$out/connect.log" --json \
    curl -s -o /dev/null -w '  curl: HTTP %{http_code}\n' http://web.demo.test:18777/
status=0
NETSHIM_LIBRARY="$lib/libnetshim.so" "$netshim" run -o "$out/connect.log" --json \
    curl -s -o /dev/null -w '  curl: HTTP %{http_code} ' http://127.0.0.1:18778/ || status=$?
echo "(curl's exit status $status kept: nothing listens on 18778)"
echo; echo "The log (docs/LOGGING.md):"; sed 's/^/  /' "$out/connect.log"
echo; echo "netshim report connect.log:"; "$netshim" report "$out/connect.log" | sed 's/^/  /'
say "Done: the guide's code ran unchanged on netshim's socket() and connect(), and every connect was seen"
