#!/usr/bin/env bash
# The connect logger's tests: identical behaviour with logging on, one well-formed line per
# connect under threads and processes, dead destinations, fork/exec, signal handlers,
# secure-execution mode, and real programs (curl, python3, nc) against loopback servers.
#   tests/log/run.sh LIBDIR      (LIBDIR holds libnetshim.so; build/lib)
# Last line: "log-tests: N passed, M failed". Skips are loud, and failures under
# NETSHIM_REQUIRE_ALL=1 (CI).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
lib=$(cd "${1:?usage: run.sh LIBDIR}" && pwd)
so="$lib/libnetshim.so"
out="$root/build/log-tests"
rm -rf "$out" && mkdir -p "$out"
passed=0 failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
skip() {
    echo "SKIP $* <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"
    [ "${NETSHIM_REQUIRE_ALL:-0}" = 1 ] && fail "(skips are failures under NETSHIM_REQUIRE_ALL) $*"
}
unset NETSHIM_LOG NETSHIM_LOG_FORMAT LD_PRELOAD
cc() { gcc -std=gnu11 -Wall -Wextra -Werror -o "$out/$1" "$here/$2" "${@:3}" || fail "compile $1"; }
cc stress stress.c -pthread
cc dead dead.c
cc signal signal.c
cc mapped mapped.c
cc tids tids.c -pthread
gcc -std=gnu11 -Wall -Wextra -Werror -pedantic -o "$out/errno_glibc" "$root/c-tests/errno_table.c" -ldl || fail "compile errno_table"
gcc -std=gnu11 -Wall -Wextra -Werror -pedantic -o "$out/errno_linked" "$root/c-tests/errno_table.c" \
    -L"$lib" -lnetshim -Wl,-rpath,"$lib" -ldl || fail "compile errno_linked"
text_line='^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} [^ ]+\[[0-9]+/[0-9]+\] (connect|connect-done|getaddrinfo) '

# 0. The stderr sink is the program's own stderr: lines go there, between the program's own,
# and fd 2 stays the program's (a library that moved it off 2 would leave the program
# writing into a closed descriptor, or into its next socket).
NETSHIM_LOG=stderr LD_PRELOAD="$so" bash -c '
    echo program-before >&2
    exec 5<>/dev/tcp/127.0.0.1/9 || true
    echo program-after >&2
    echo "fd2=$(readlink /proc/$$/fd/2)"' >"$out/stderr-sink.out" 2>"$out/stderr-sink.err"
if grep -q '^program-before$' "$out/stderr-sink.err" && grep -q '^program-after$' "$out/stderr-sink.err" &&
    grep -Eq 'connect fd=[0-9]+ 127\.0\.0\.1:9 -> ECONNREFUSED' "$out/stderr-sink.err" &&
    grep -qx "fd2=$out/stderr-sink.err" "$out/stderr-sink.out"; then
    ok "NETSHIM_LOG=stderr: the program's stderr keeps fd 2 and its own lines, the connect line among them"
else
    fail "NETSHIM_LOG=stderr: $(cat "$out/stderr-sink.out" "$out/stderr-sink.err" | head -8)"
fi

# 1. Return values and errno are exactly glibc's with logging on (text and JSON).
"$out/errno_glibc" >"$out/errno.glibc" 2>/dev/null
for fmt in text json; do
    NETSHIM_LOG="$out/errno.$fmt.log" NETSHIM_LOG_FORMAT=$fmt LD_PRELOAD="$so" "$out/errno_glibc" >"$out/errno.$fmt" 2>/dev/null
    if diff -q "$out/errno.glibc" "$out/errno.$fmt" >/dev/null; then
        ok "errno table with logging on ($fmt): every case identical to glibc"
    else
        fail "errno table with logging on ($fmt)"; diff "$out/errno.glibc" "$out/errno.$fmt" | head
    fi
    want=$(grep -c '^connect ' "$out/errno.glibc")
    got=$(grep -c '"event":"connect"\| connect fd=' "$out/errno.$fmt.log")
    [ "$got" = "$want" ] && ok "errno table ($fmt): one log line per connect ($got)" ||
        fail "errno table ($fmt): $got log lines for $want connects"
done
if jq -e . "$out/errno.json.log" >/dev/null 2>&1; then ok "JSON lines parse with jq"; else fail "JSON lines do not parse with jq"; fi
bad=$(jq -c 'select(.schema != 1 or .via != "preload")' "$out/errno.json.log" 2>/dev/null | wc -l)
total=$(wc -l < "$out/errno.json.log")
[ "$total" -gt 0 ] && [ "$bad" = 0 ] && ok "every JSON line has schema 1 and via=preload ($total lines)" ||
    fail "$bad of $total JSON lines lack schema 1 / via=preload"
total=$(wc -l < "$out/errno.text.log")
[ "$total" -gt 0 ] && [ "$(grep -c ' via=preload$' "$out/errno.text.log")" = "$total" ] &&
    ok "every text line ends with via=preload" || fail "text lines without via=preload"
bad=$(grep -Evc "$text_line" "$out/errno.text.log")
[ "$bad" = 0 ] && ok "text lines match the documented shape" || fail "$bad text lines do not match the shape"
grep -q ' fd=-1 127.0.0.1:[0-9]* -> EBADF ' "$out/errno.text.log" && ok "text line names the errno (EBADF)" || fail "no EBADF line"
grep -q '@netshim-nobody-[0-9]* -> ECONNREFUSED' "$out/errno.text.log" && ok "abstract unix names as @name" || fail "no @abstract line"
grep -q '/nonexistent/netshim-[0-9]*.sock -> ENOENT' "$out/errno.text.log" && ok "unix paths" || fail "no unix path line"
grep -q ' netlink -> ok' "$out/errno.text.log" && ok "netlink destinations" || fail "no netlink line"
grep -q '\[::1\]:[0-9]* -> EAFNOSUPPORT' "$out/errno.text.log" && ok "IPv6 destinations as [addr]:port" || fail "no [::1] line"
# NETSHIM_LOG_FAMILIES limits which connects are logged (getaddrinfo lines stay); a value
# naming an unknown family is not used at all.
for fams in inet unix inet,inet6 netlink,other bogus,inet; do
    NETSHIM_LOG="$out/fam.log" NETSHIM_LOG_FORMAT=json NETSHIM_LOG_FAMILIES=$fams LD_PRELOAD="$so" "$out/errno_glibc" >/dev/null 2>&1
    case $fams in bogus*) keep='inet|inet6|unix|netlink|unspec|other' ;; netlink,other) keep='netlink|unspec|other' ;;
        *) keep=${fams//,/|} ;; esac
    want=$(jq -r 'select(.event != "getaddrinfo") | .family' "$out/errno.json.log" | grep -Ecx "$keep")
    got=$(jq -r 'select(.event != "getaddrinfo") | .family' "$out/fam.log" | grep -Ecx "$keep")
    all=$(jq -r 'select(.event != "getaddrinfo") | .family' "$out/fam.log" | grep -c .)
    [ "$want" -gt 0 ] && [ "$got" = "$want" ] && [ "$all" = "$want" ] &&
        ok "NETSHIM_LOG_FAMILIES=$fams: the $want connects of those families, nothing else" ||
        fail "NETSHIM_LOG_FAMILIES=$fams: $got of $want wanted lines, $all in all"
    rm -f "$out/fam.log"
done

# The linked build logs the same way.
NETSHIM_LOG="$out/linked.log" "$out/errno_linked" >/dev/null 2>&1
[ "$(grep -c ' connect fd=' "$out/linked.log")" = "$want" ] && ok "linked program logs too" || fail "linked program did not log"

# 2. Threads and processes writing to one file: one whole line per connect.
made=$(NETSHIM_LOG="$out/stress.log" NETSHIM_LOG_FORMAT=json LD_PRELOAD="$so" timeout 120 "$out/stress" 8 4 1000)
lines=$(wc -l <"$out/stress.log")
if [ "$made" = 12000 ] && [ "$lines" = 12000 ]; then
    ok "8 threads × 1000 + 4 processes × 1000 connects: 12000 lines"
else
    fail "stress: $made connects made, $lines lines"
fi
parsed=$(jq -c 'select(.event == "connect" and .result == "ok")' "$out/stress.log" 2>/dev/null | wc -l)
[ "$parsed" = 12000 ] && ok "every stress line is whole, parseable JSON with result ok" || fail "only $parsed of $lines stress lines parse"
pids=$(jq -r .pid "$out/stress.log" 2>/dev/null | sort -u | wc -l)
[ "$pids" = 5 ] && ok "forked children log with their own pid (5 pids)" || fail "stress: $pids distinct pids, want 5"
tids=$(jq -r .tid "$out/stress.log" 2>/dev/null | sort -u | wc -l)
[ "$tids" -ge 9 ] && ok "threads log with their own tid ($tids tids)" || fail "stress: only $tids tids"

# 2b. Thread ids come from a per-thread cache: they must be the kernel's through thread
# reuse (same thread pointer, new thread), fork from a thread, and a vfork child.
NETSHIM_LOG="$out/tids.log" LD_PRELOAD="$so" timeout 60 "$out/tids" >"$out/tids.out"
bad=0 checked=0
while read -r name pid tid _; do
    got=$(grep -m1 " /nonexistent/$name -> " "$out/tids.log" | sed -n 's/^[^[]*\[\([0-9]*\/[0-9]*\)\].*/\1/p')
    checked=$((checked + 1))
    [ "$got" = "$pid/$tid" ] || { bad=$((bad + 1)); echo "  $name: logged ${got:-nothing}, kernel says $pid/$tid"; }
done <"$out/tids.out"
threads=$(grep -c '^thread-' "$out/tids.out")
descriptors=$(grep '^thread-' "$out/tids.out" | cut -d' ' -f4 | sort -u | wc -l)
if [ "$checked" = 46 ] && [ "$bad" = 0 ] && [ "$(cut -d' ' -f3 "$out/tids.out" | sort -u | wc -l)" -ge 43 ] &&
    [ "$descriptors" -lt "$threads" ]; then
    ok "cached thread ids are the kernel's: $threads threads on $descriptors reused descriptors, fork from a thread, vfork ($checked lines)"
else
    fail "thread ids: $bad of $checked lines wrong"
fi
grep -q ' /nonexistent/vfork-child -> ' "$out/tids.log" && ok "a vfork child's connect is logged" || fail "no vfork child line"
# dlopen()ed (ctypes): the thread-id word lives in the loader's static TLS surplus, in the
# threads that existed before the load as in new ones.
rm -f "$out/dlopen.log"
ids=$(NETSHIM_LOG="$out/dlopen.log" python3 -c '
import ctypes, socket, sys, threading
lib = ctypes.CDLL(sys.argv[1])
def go():
    s = socket.socket()
    lib.connect(s.fileno(), bytes([2, 0, 0, 9, 127, 0, 0, 1]) + bytes(8), 16)
    print(threading.get_native_id())
go()
t = threading.Thread(target=go); t.start(); t.join()' "$so" 2>&1 | paste -sd' ')
logged=$(sed -n 's/^[^[]*\[[0-9]*\/\([0-9]*\)\] connect .*/\1/p' "$out/dlopen.log" | paste -sd' ')
[ -n "$ids" ] && [ "$ids" = "$logged" ] && ok "dlopen()ed library: lines carry each thread's id ($ids)" ||
    fail "dlopen()ed: threads $ids, logged ${logged:-nothing}"

# 3. Dead destinations: nothing reaches the program.
r=$(LD_PRELOAD="$so" timeout 20 "$out/dead" pipe 2>&1)
[ "$r" = ok ] && ok "log to a pipe whose reader is gone: no SIGPIPE, errno kept" || fail "dead pipe: $r"
r=$(LD_PRELOAD="$so" timeout 20 "$out/dead" pipe-blocked 2>&1)
[ "$r" = ok ] && ok "dead pipe, SIGPIPE blocked by the program: its own pending SIGPIPE kept, none added, mask kept" ||
    fail "dead pipe with SIGPIPE blocked: $r"
r=$(NETSHIM_LOG=/dev/full LD_PRELOAD="$so" timeout 20 "$out/dead" check 2>&1)
[ "$r" = ok ] && ok "log to /dev/full (ENOSPC): errno kept" || fail "/dev/full: $r"
r=$(NETSHIM_LOG=fd:77 LD_PRELOAD="$so" timeout 20 "$out/dead" check 2>&1)
[ "$r" = ok ] && ok "log to a closed fd: errno kept" || fail "closed fd:N: $r"
rm -f "$out/reuse.log"
r=$(NETSHIM_LOG="$out/reuse.log" LD_PRELOAD="$so" timeout 20 "$out/dead" reuse "$out/mine.txt" "$out/reuse.log" 2>&1)
if [ "$r" = ok ] && [ "$(cat "$out/mine.txt")" = "program data" ]; then
    ok "dup2 over the log fd: the program's file gets no log line"
else
    fail "dup2 over the log fd: $r; file holds: $(head -c 200 "$out/mine.txt")"
fi
grep -q ' -> ECONNREFUSED' "$out/reuse.log" && ok "…and the log is re-opened from its path" || fail "log not re-opened after dup2"
rm -f "$out/closed.log"
r=$(NETSHIM_LOG="$out/closed.log" LD_PRELOAD="$so" timeout 20 "$out/dead" closed 2>&1)
[ "$r" = ok ] && grep -q ECONNREFUSED "$out/closed.log" && ok "close_range over the log fd: re-opened, errno kept" ||
    fail "close_range: $r"
rm -f "$out/daemon.log"
NETSHIM_LOG="$out/daemon.log" LD_PRELOAD="$so" timeout 20 "$out/dead" daemon; r=$?
[ "$r" = 0 ] && grep -q ECONNREFUSED "$out/daemon.log" &&
    ok "a daemon that closed fds 0-2: the log re-opened above them, its opens get 0, 1, 2" ||
    fail "closed stdio: exit $r (10+N: open got the wrong number for fd N)"

# 4. fork + exec: children re-open from the variable, with their own pid and name.
NETSHIM_LOG="$out/exec.log" LD_PRELOAD="$so" bash -c '"$1" >/dev/null 2>&1 & "$1" >/dev/null 2>&1; wait' _ "$out/errno_glibc"
pids=$(grep ' connect fd=' "$out/exec.log" | grep -o 'errno_glibc\[[0-9]*' | sort -u | wc -l)
[ "$pids" = 2 ] && ok "exec'd children log under their own name and pid" || fail "exec: $pids distinct errno_glibc pids"

# 5. connect in a signal handler that interrupts connects and getaddrinfo.
made=$(NETSHIM_LOG="$out/signal.log" LD_PRELOAD="$so" timeout 60 "$out/signal")
lines=$(grep -c ' connect fd=' "$out/signal.log")
[ -n "$made" ] && [ "$made" = "$lines" ] && ok "connects from a signal handler: $made connects, $lines lines, no deadlock" ||
    fail "signal handler: '$made' connects, $lines lines"

# 5b. netshim's own sockets are not the program's connects: a DNS lookup (to a server
# that is not there) and an address sort (source probes) log only the getaddrinfo line.
printf 'nameserver 127.0.0.1#1\noptions timeout:1 attempts:1\n' >"$out/resolv.conf"
printf 'hosts: dns files\n' >"$out/nsswitch.conf"
printf '192.0.2.1\tsorted.test\n192.0.2.2\tsorted.test\n2001:db8::9\tsorted.test\n' >"$out/sort-hosts"
NETSHIM_LOG="$out/internal.log" NETSHIM_RESOLV_CONF="$out/resolv.conf" NETSHIM_NSSWITCH="$out/nsswitch.conf" \
    NETSHIM_HOSTS="$out/sort-hosts" RESOLV_MULTI=on LD_PRELOAD="$so" \
    python3 -c 'import socket; socket.getaddrinfo("sorted.test", 80); socket.getaddrinfo("nothere.test", 80)' 2>/dev/null
lines=$(wc -l <"$out/internal.log")
if [ "$lines" = 2 ] && [ "$(grep -c ' getaddrinfo ' "$out/internal.log")" = 2 ]; then
    ok "DNS queries and sort probes made by netshim are not logged as the program's connects"
else
    fail "internal sockets: $(cat "$out/internal.log")"
fi

# 6. Secure execution (set-uid): NETSHIM_* ignored.
cp "$out/errno_linked" /tmp/netshim-setuid-test && chmod 4755 /tmp/netshim-setuid-test
rm -f /tmp/netshim-setuid.log
if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    NETSHIM_LOG=/tmp/netshim-setuid.log setpriv --reuid=65534 --regid=65534 --clear-groups \
        /tmp/netshim-setuid-test >/dev/null 2>&1
    # The control: the same program without the set-uid bit does log.
    NETSHIM_LOG=/tmp/netshim-setuid-control.log setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$out/errno_linked" >/dev/null 2>&1
    if [ ! -e /tmp/netshim-setuid.log ] && [ -s /tmp/netshim-setuid-control.log ]; then
        ok "set-uid program ignores NETSHIM_LOG (control without set-uid logs)"
    else
        fail "set-uid: log exists=$([ -e /tmp/netshim-setuid.log ] && echo yes || echo no), control logged=$([ -s /tmp/netshim-setuid-control.log ] && echo yes || echo no)"
    fi
    rm -f /tmp/netshim-setuid-control.log /tmp/netshim-setuid.log
else
    skip "set-uid test: cannot switch to uid 65534 here"
fi
rm -f /tmp/netshim-setuid-test

# 6b. The syslog and journal sinks (tests/log/sinks.sh), in a mount and network namespace
# of their own: a stand-in socket, rsyslogd, systemd-journald, dead sockets, set-uid.
if unshare -m -n true 2>/dev/null; then
    unshare -m -n bash "$here/sinks.sh" "$lib" "$out" >"$out/sinks.out" 2>"$out/sinks.err"
    cat "$out/sinks.out"
    passed=$((passed + $(grep -c '^ok ' "$out/sinks.out")))
    failed=$((failed + $(grep -c '^FAIL ' "$out/sinks.out")))
    grep -q '^ok ' "$out/sinks.out" || fail "sinks.sh ran no check ($(tail -c 300 "$out/sinks.err"))"
else
    skip "syslog and journal sinks: unshare -m -n is not permitted here (needs root)"
fi

# 7. Real programs nobody here wrote, against loopback servers, same output with netshim.
printf '127.0.0.1\tweb.test\n::1\tweb6.test\n' >"$out/hosts"
python3 -m http.server 18631 --bind :: >"$out/http.log" 2>&1 & http=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:18631/" 2>/dev/null && break; sleep 0.05; done
real() { # real NAME EXPECT-IN-LOG COMMAND...: same stdout and status with and without netshim
    local name=$1 expect=$2; shift 2
    local plain status1 with status2
    plain=$("$@" 2>/dev/null); status1=$?
    rm -f "$out/real.log"
    with=$(NETSHIM_LOG="$out/real.log" LD_PRELOAD="$so" "$@" 2>/dev/null); status2=$?
    if [ "$plain" = "$with" ] && [ "$status1" = "$status2" ] && grep -Eq "$expect" "$out/real.log"; then
        ok "$name: same output and status ($status1), log has /$expect/"
    else
        fail "$name: status $status1 vs $status2, log: $(head -c 300 "$out/real.log" 2>/dev/null)"
    fi
}
if command -v curl >/dev/null; then
    real "curl IPv4" 'connect(-done)? fd=[0-9]+ 127\.0\.0\.1:18631 .*-> ok' curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18631/
    real "curl IPv6" 'connect(-done)? fd=[0-9]+ \[::1\]:18631 .*-> ok' curl -s -o /dev/null -w '%{http_code}' 'http://[::1]:18631/'
    real "curl refused port" 'ECONNREFUSED' curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18632/
    # The name comes from netshim's getaddrinfo (NETSHIM_HOSTS) and appears on the connect.
    NETSHIM_HOSTS="$out/hosts" NETSHIM_LOG="$out/curl-name.log" LD_PRELOAD="$so" curl -s -o /dev/null http://web.test:18631/
    grep -q '127.0.0.1:18631 (web.test)' "$out/curl-name.log" && ok "curl: the connect line names the host looked up" ||
        fail "curl: no (web.test) on the connect line"
else
    skip "curl tests: curl is not installed"
fi
real "python3 socket.create_connection" 'connect fd=[0-9]+ .*:18631 \(localhost\) -> ok' \
    python3 -c 'import socket; s=socket.create_connection(("localhost", 18631)); print("connected")'
real "python3 urllib" 'connect fd=[0-9]+ .*:18631 \(localhost\) -> ok' \
    python3 -c 'import urllib.request; print(urllib.request.urlopen("http://localhost:18631/").status)'
NETSHIM_HOSTS="$out/hosts" NETSHIM_LOG="$out/py-name.log" LD_PRELOAD="$so" \
    python3 -c 'import socket; socket.create_connection(("web6.test", 18631))' 2>/dev/null
grep -q '\[::1\]:18631 (web6.test) -> ok' "$out/py-name.log" && ok "python3: connect names the host from netshim's getaddrinfo" ||
    fail "python3: no (web6.test) on the connect line"
if command -v nc >/dev/null; then
    real "nc" '127\.0\.0\.1:18631 .*-> ok' sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2 127.0.0.1 18631 | head -n1'
else
    skip "nc test: nc is not installed"
fi
kill "$http"; wait "$http" 2>/dev/null

# 8. Dual-stack sockets connecting to ::ffff:a.b.c.d (Java does this for every IPv4
# destination) name the host getaddrinfo found for a.b.c.d: a C client and a real JVM, in a
# private network namespace with a dual-stack listener.
printf '127.0.0.1\tmapped4.test\n' >"$out/mapped-hosts"
mapped_run() { # mapped_run NAME COMMAND...: runs COMMAND preloaded in a namespace with a listener
    local name=$1; shift
    rm -f "$out/$name.log"
    unshare -n bash -c '
        ip link set lo up
        python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\"::\", 18700)); s.listen(8)
print(\"up\", flush=True)
s.settimeout(60)
while True: s.accept()[0].close()" >"$1.listener" 2>&1 & l=$!
        for _ in $(seq 100); do grep -q up "$1.listener" 2>/dev/null && break; sleep 0.05; done
        shift
        timeout 60 "$@"; rc=$?
        kill $l; wait $l 2>/dev/null
        exit $rc' _ "$out/$name" env NETSHIM_HOSTS="$out/mapped-hosts" NETSHIM_LOG="$out/$name.log" \
        LD_PRELOAD="$so" "$@" >"$out/$name.out" 2>&1
    local rc=$? named
    if [ "${NETSHIM_LOG_FORMAT:-text}" = json ]; then
        named=$(jq -r 'select(.event == "connect" and .dest == "[::ffff:127.0.0.1]:18700") | .host' \
            "$out/$name.log" 2>/dev/null)
        [ "$named" = mapped4.test ] && named=yes
    else
        grep -q '\[::ffff:127\.0\.0\.1\]:18700 (mapped4\.test) -> ok' "$out/$name.log" && named=yes
    fi
    if [ "$rc" = 0 ] && grep -q connected "$out/$name.out" && [ "$named" = yes ]; then
        ok "$name: the connect to ::ffff:127.0.0.1 names mapped4.test"
    else
        fail "$name: rc $rc, output: $(head -c 300 "$out/$name.out"), log: $(head -c 400 "$out/$name.log" 2>/dev/null)"
    fi
}
mapped_run "C dual-stack client" "$out/mapped" mapped4.test 18700
NETSHIM_LOG_FORMAT=json mapped_run "C dual-stack client (JSON)" "$out/mapped" mapped4.test 18700
if command -v java >/dev/null; then
    mapped_run "java Socket" java "$here/Mapped.java" mapped4.test 18700
else
    skip "java test: java is not installed (scripts/deps.sh installs default-jre-headless)"
fi

echo "log-tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
