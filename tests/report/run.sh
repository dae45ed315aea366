#!/usr/bin/env bash
# netshim report: a real log (python3 under `netshim run --json`, two processes connecting
# to a listener over IPv4 and IPv6, to a closed port, a missing unix socket, with a timeout
# so that connect-done lines appear), then its table, --json, --by, --family, and --html
# rendered in headless Chromium (in a namespace without network): the screenshot is not
# blank and the DOM holds every destination of the log.
#   tests/report/run.sh NETSHIM-BINARY LIBDIR
# Last line: "report: N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
netshim=$(realpath "${1:?usage: run.sh NETSHIM-BINARY LIBDIR}")
lib=$(cd "${2:?usage: run.sh NETSHIM-BINARY LIBDIR}" && pwd)
out=$root/build/report-test
rm -rf "$out" && mkdir -p "$out"
passed=0 failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

# 1. The log, in a private network namespace. The interpreter itself, not a wrapper script
# that finds it (pyenv's python3 is a bash script, and bash started without SHELL or HOME
# looks its user up, which tries nscd's socket: a real connect, which the tracer logs), and
# HOME set, for python's site module looks the user up too when it is not.
py=$(python3 -c 'import sys; print(sys.executable)')
unshare -m -n env HOME="$out" bash -c '
    set -e
    ip link set lo up
    NETSHIM_LIBRARY="$3/libnetshim.so" "$1" run --json -o "$2/conn.log" -- "$4" -c "
import os, socket
srv = socket.socket(socket.AF_INET6); srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
srv.bind((\"::\", 18090)); srv.listen(64)
def work(n):
    for i in range(n):
        for addr in ((\"127.0.0.1\", 18090), (\"::1\", 18090), (\"127.0.0.1\", 1)):
            s = socket.socket(socket.AF_INET6 if \":\" in addr[0] else socket.AF_INET)
            s.settimeout(2)  # a non-blocking connect: EINPROGRESS, then connect-done
            s.connect_ex(addr); s.close()
    u = socket.socket(socket.AF_UNIX); u.connect_ex(\"/nonexistent/netshim-report.sock\"); u.close()
pid = os.fork()
work(3 if pid == 0 else 5)
if pid == 0: os._exit(0)
os.waitpid(pid, 0)
"' _ "$netshim" "$out" "$lib" "$py" || fail "the logged program failed"
dests=$(jq -r 'select(.event == "connect") | .dest' "$out/conn.log" | sort -u)
[ "$(echo "$dests" | grep -c .)" = 4 ] && ok "the log has 4 destinations: $(echo $dests)" ||
    fail "the log's destinations: $dests"

# 2. The table and the JSON document.
"$netshim" report "$out/conn.log" >"$out/table" 2>&1
for d in $dests; do grep -qF -- "$d" "$out/table" || fail "the table lacks $d"; done
grep -q 'ECONNREFUSED×8' "$out/table" && ok "the table counts 8 refused connects to port 1" ||
    fail "table: $(cat "$out/table")"
"$netshim" report --json "$out/conn.log" >"$out/report.json"
if jq -e '.schema == 1 and (.rows | length) == 4 and ([.rows[].connects] | add) == 26' "$out/report.json" >/dev/null; then
    ok "--json: 4 rows, 26 connects (3 × 8 + 2 unix), schema 1"
else
    fail "--json: $(head -c 400 "$out/report.json")"
fi
"$netshim" report --json --by program "$out/conn.log" >"$out/by-program.json"
jq -e '(.rows | length) == 1 and .rows[0].program == "python3"' "$out/by-program.json" >/dev/null &&
    ok "--by program: one row, python3" || fail "--by program: $(head -c 300 "$out/by-program.json")"
"$netshim" report --json --by host "$out/conn.log" >"$out/by-host.json"
jq -e '(.rows | length) == 4' "$out/by-host.json" >/dev/null && ok "--by host: unnamed destinations by address" ||
    fail "--by host: $(head -c 300 "$out/by-host.json")"
"$netshim" report --json --family inet6,unix "$out/conn.log" >"$out/family.json"
jq -e '[.rows[].destination] | sort == ["/nonexistent/netshim-report.sock", "[::1]:18090"]' "$out/family.json" >/dev/null &&
    ok "--family inet6,unix keeps only those" || fail "--family: $(head -c 300 "$out/family.json")"
"$netshim" report --family ipx "$out/conn.log" >/dev/null 2>&1
[ $? = 2 ] && ok "--family with an unknown family is a usage error" || fail "--family ipx accepted"

# 3. The page, in headless Chromium.
"$netshim" report --html "$out/report.html" "$out/conn.log" >/dev/null 2>"$out/html.err" ||
    fail "--html: $(cat "$out/html.err")"
if grep -Eiq '<script|https?:|url\(|@import|src=' "$out/report.html"; then
    fail "the page refers to something outside itself"
else
    ok "the page is self-contained (no script, URL, import or src)"
fi
if ! command -v chromium >/dev/null; then
    fail "chromium is not installed (scripts/deps.sh test installs it)"
else
    flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
        --disable-background-networking --disable-component-update --disable-sync
        --user-data-dir="$out/chromium-profile" --window-size=1200,900)
    page="file://$out/report.html"
    timeout 90 unshare -n chromium "${flags[@]}" --screenshot="$out/report.png" "$page" >"$out/chromium.log" 2>&1
    timeout 90 unshare -n chromium "${flags[@]}" --dump-dom "$page" >"$out/dom.html" 2>>"$out/chromium.log"
    if [ -s "$out/report.png" ]; then
        read -r colours inked < <(python3 "$here/pixels.py" "$out/report.png")
        if [ "$colours" -ge 8 ] && awk -v p="$inked" 'BEGIN { exit !(p >= 2) }'; then
            ok "the screenshot is not blank: $colours colours, $inked% not white"
        else
            fail "the screenshot looks blank: $colours colours, $inked% not white"
        fi
    else
        fail "no screenshot: $(tail -5 "$out/chromium.log")"
    fi
    missing=""
    for d in $dests; do grep -qF -- "$d" "$out/dom.html" || missing="$missing $d"; done
    bars=$(grep -o 'class="bar[^"]*"' "$out/dom.html" | wc -l)
    lanes=$(grep -c 'class="lane"' "$out/dom.html")
    if [ -z "$missing" ] && [ "$bars" -ge 26 ] && [ "$lanes" = 2 ]; then
        ok "the rendered DOM holds every destination, $bars bars in $lanes process lanes"
    else
        fail "DOM: missing [$missing], $bars bars, $lanes lanes"
    fi
    # (titles span lines: one field a line)
    tr '\n' ' ' <"$out/dom.html" | grep -q 'class="bar failed"[^>]*title="[^"]*result: ECONNREFUSED' &&
        ok "failures are marked and their fields are in the hover text" || fail "no marked failure with its fields"
fi
echo "report: $passed passed, $failed failed"
[ "$failed" = 0 ]
