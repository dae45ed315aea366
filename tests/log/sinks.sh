#!/usr/bin/env bash
# The syslog and journal sinks, run by tests/log/run.sh inside `unshare -m -n` so that the
# machine's /dev/log, /run and journal are never touched: this namespace gets a /dev of
# its own (the device nodes programs need, bind-mounted, and room for /dev/log), a /run
# and a /var/log/journal of its own. Against a stand-in socket (dgram.py: exact bytes),
# the real rsyslogd and the real systemd-journald, plus the dead-socket cases.
#   sinks.sh LIBDIR OUT      prints ok/FAIL/SKIP lines like run.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
lib=$1 out=$2
so="$lib/libnetshim.so"
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; }
skip() { echo "SKIP $* <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"; }
unset TZ
. "$here/private-dev.sh"
private_dev || exit 0

refused_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
one_connect='import socket, sys; s=socket.socket(); print(s.connect_ex(("127.0.0.1", int(sys.argv[1]))))'

# --- the syslog format, byte for byte, against the stand-in ---------------------------
listen /dev/log "$out/sl.hex" 5
port=$(refused_port)
before=$(TZ=Asia/Kolkata date '+%b %e %H:%M')
r=$(TZ=Asia/Kolkata NETSHIM_LOG=syslog LD_PRELOAD="$so" python3 -c "$one_connect" "$port")
after=$(TZ=Asia/Kolkata date '+%b %e %H:%M')
sleep 0.2
msg=$(datagrams "$out/sl.hex" | grep -a " connect fd=" | head -n1)
re="^<14>(${before}|${after}):[0-9]{2} netshim\[[0-9]+\]: [0-9:.]{15} python3\[[0-9]+/[0-9]+\] connect fd=[0-9]+ 127\.0\.0\.1:$port -> ECONNREFUSED [0-9.]+ms via=preload$"
[ "$r" = 111 ] && [[ $msg =~ $re ]] && ok "syslog: <14>, local time (TZ=Asia/Kolkata), netshim[PID]: and the text line" ||
    fail "syslog datagram: '$msg' (want /$re/, connect_ex $r)"
pid=$(sed -n 's/.*netshim\[\([0-9]*\)\]: [^ ]* python3\[\([0-9]*\)\/.*/\1 \2/p' <<<"$msg")
[ -n "$pid" ] && [ "${pid% *}" = "${pid#* }" ] && ok "syslog: PID is the logging program's" || fail "syslog PID: $pid"
[ "$(datagrams "$out/sl.hex" | grep -c .)" = 1 ] && ok "syslog: one datagram per event, no newline in it" ||
    fail "syslog: $(datagrams "$out/sl.hex" | grep -c .) datagrams for one connect"

for f in local7:190 daemon:30 user:14 local0:134 kern:14 '':14; do
    listen /dev/log "$out/fac.hex" 5
    NETSHIM_LOG=syslog NETSHIM_SYSLOG_FACILITY=${f%:*} LD_PRELOAD="$so" python3 -c "$one_connect" "$port" >/dev/null
    sleep 0.1
    got=$(datagrams "$out/fac.hex" | head -n1 | sed -n 's/^<\([0-9]*\)>.*/\1/p')
    [ "$got" = "${f#*:}" ] || { fail "NETSHIM_SYSLOG_FACILITY=${f%:*}: PRI $got, want ${f#*:}"; continue; }
    ok "NETSHIM_SYSLOG_FACILITY=${f%:*}: PRI ${f#*:}"
done

# The zone from /etc/localtime when TZ is unset (as syslog(3) reads it).
if [ -e /usr/share/zoneinfo/Pacific/Chatham ]; then
    mount --bind /usr/share/zoneinfo/Pacific/Chatham /etc/localtime || fail "cannot bind /etc/localtime"
    listen /dev/log "$out/lt.hex" 5
    before=$(date '+%b %e %H:%M')
    NETSHIM_LOG=syslog LD_PRELOAD="$so" python3 -c "$one_connect" "$port" >/dev/null
    after=$(date '+%b %e %H:%M')
    sleep 0.1
    head=$(datagrams "$out/lt.hex" | head -n1 | cut -c5-16)
    [ "$head" = "$before" ] || [ "$head" = "$after" ] && ok "syslog: local time from /etc/localtime (Pacific/Chatham, +12:45)" ||
        fail "syslog /etc/localtime: '$head', date says '$before'"
    umount /etc/localtime 2>/dev/null
else
    fail "tzdata has no Pacific/Chatham"
fi

listen /dev/log "$out/js.hex" 5
NETSHIM_LOG=syslog NETSHIM_LOG_FORMAT=json LD_PRELOAD="$so" python3 -c "$one_connect" "$port" >/dev/null
sleep 0.1
body=$(datagrams "$out/js.hex" | head -n1 | sed 's/^[^]]*\]: //')
[ "$(jq -r '.event + " " + .dest + " " + .result + " " + .via' <<<"$body" 2>/dev/null)" = "connect 127.0.0.1:$port ECONNREFUSED preload" ] &&
    ok "syslog with NETSHIM_LOG_FORMAT=json: the message is the JSON line" || fail "syslog JSON message: $body"

# Behaviour unchanged: the errno table under the syslog sink, with and without a reader.
"$out/errno_glibc" >"$out/sink-errno.glibc" 2>/dev/null
want=$(grep -c '^connect ' "$out/sink-errno.glibc")
listen /dev/log "$out/et.hex" 5
NETSHIM_LOG=syslog LD_PRELOAD="$so" "$out/errno_glibc" >"$out/sink-errno.syslog" 2>/dev/null
sleep 0.2
got=$(datagrams "$out/et.hex" | grep -ac ' connect fd=')
diff -q "$out/sink-errno.glibc" "$out/sink-errno.syslog" >/dev/null && [ "$got" = "$want" ] &&
    ok "errno table under NETSHIM_LOG=syslog: identical to glibc, $got datagrams for $want connects" ||
    fail "errno table under syslog: $(diff "$out/sink-errno.glibc" "$out/sink-errno.syslog" | head -3) ($got of $want datagrams)"
cleanup; pids=()

# --- dead sockets: missing, reader gone, reader stopped (full buffer) -----------------
rm -f /dev/log /run/systemd/journal/socket
for sink in syslog journal; do
    NETSHIM_LOG=$sink LD_PRELOAD="$so" timeout 20 "$out/errno_glibc" >"$out/sink-errno.missing" 2>/dev/null
    diff -q "$out/sink-errno.glibc" "$out/sink-errno.missing" >/dev/null &&
        ok "$sink socket missing: errno table identical to glibc" || fail "$sink socket missing: results differ"
done
listen /dev/log "$out/gone.hex" 5
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null
[ -S /dev/log ] || fail "the dead socket file is gone"
r=$(NETSHIM_LOG=syslog LD_PRELOAD="$so" timeout 20 "$out/dead" check 2>&1)
[ "$r" = ok ] && NETSHIM_LOG=syslog LD_PRELOAD="$so" timeout 20 "$out/errno_glibc" 2>/dev/null | diff -q - "$out/sink-errno.glibc" >/dev/null &&
    ok "syslog socket without a reader (ECONNREFUSED): errno kept, results identical" || fail "dead syslog socket: $r"

# A reader that stops: its buffer fills, sends would block; none may. Every event is then
# either received or counted, and the count arrives on the first event that gets through.
listen /dev/log "$out/full.hex" 20 4096
kill -STOP "${pids[-1]}"
rm -f "$out/go" "$out/phase1"
NETSHIM_LOG=syslog LD_PRELOAD="$so" timeout 60 python3 - "$port" "$out" <<'EOF' >"$out/full.out" &
import os, socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
start = time.monotonic()
for i in range(2000):
    s = socket.socket(); r = s.connect_ex(("127.0.0.1", port)); s.close()
    assert r == 111, r
print("phase1 %.3f" % (time.monotonic() - start), flush=True)
open(out + "/phase1", "w").close()
while not os.path.exists(out + "/go"):
    time.sleep(0.02)
s = socket.socket(); print("last", s.connect_ex(("127.0.0.1", port)), flush=True)
EOF
prog=$!
for _ in $(seq 600); do [ -e "$out/phase1" ] && break; sleep 0.05; done
kill -CONT "${pids[-1]}"
sleep 0.5
touch "$out/go"
wait "$prog"; status=$?
sleep 0.3
received=$(datagrams "$out/full.hex" | grep -ac ' connect fd=')
dropped=$(datagrams "$out/full.hex" | grep -ao 'dropped=[0-9]*' | cut -d= -f2 | awk '{ s += $1 } END { if (NR) print s }')
secs=$(sed -n 's/^phase1 //p' "$out/full.out")
if [ "$status" = 0 ] && [ -n "$secs" ] && [ -n "$dropped" ] && [ $((received + dropped)) = 2001 ] &&
    awk -v s="$secs" 'BEGIN { exit !(s < 20) }'; then
    ok "syslog reader stopped: 2000 connects in ${secs}s, none blocked; $received received + dropped=$dropped reported = 2001"
else
    fail "stopped reader: status $status, phase1 '${secs}', received $received, dropped '${dropped}'"
fi
cleanup; pids=()

# --- the real rsyslogd ------------------------------------------------------------------
if start_rsyslogd; then
    p=$(NETSHIM_LOG=syslog NETSHIM_SYSLOG_FACILITY=local3 LD_PRELOAD="$so" python3 -c 'import os, socket, sys; s=socket.socket(); s.connect_ex(("127.0.0.1", int(sys.argv[1]))); print(os.getpid())' "$port")
    NETSHIM_LOG=syslog NETSHIM_LOG_FORMAT=json LD_PRELOAD="$so" python3 -c "$one_connect" "$port" >/dev/null
    for _ in $(seq 100); do [ "$(grep -c netshim "$out/rsyslog.log" 2>/dev/null)" -ge 2 ] && break; sleep 0.05; done
    line=$(grep -m1 "^local3.info netshim $p " "$out/rsyslog.log")
    [[ $line == *" python3[$p/$p] connect fd="*" 127.0.0.1:$port -> ECONNREFUSED "*"ms via=preload" ]] &&
        ok "rsyslogd: local3.info, program netshim, pid $p, the text line" || fail "rsyslogd: '$line' ($(tail -c 300 "$out/rsyslog.log"))"
    json=$(grep '^user.info netshim ' "$out/rsyslog.log" | grep -m1 '"schema"' | cut -d' ' -f4-)
    jq -e '.schema == 1 and .event == "connect"' <<<"$json" >/dev/null 2>&1 && ok "rsyslogd: a JSON message parses with jq" ||
        fail "rsyslogd JSON: '$json'"
    cleanup; pids=()
else
    fail "rsyslogd is not installed (scripts/deps.sh test installs rsyslog)"
fi

# --- the real systemd-journald ----------------------------------------------------------
if start_journald; then
    dir=$journal_dir
    printf '127.0.0.1\tweb.test\n' >"$out/j-hosts"
    python3 -m http.server 18641 --bind 127.0.0.1 >/dev/null 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do python3 -c 'import socket; socket.create_connection(("127.0.0.1", 18641)).close()' 2>/dev/null && break; sleep 0.05; done
    p=$(NETSHIM_LOG=journal NETSHIM_HOSTS="$out/j-hosts" LD_PRELOAD="$so" python3 -c '
import os, socket
socket.create_connection(("web.test", 18641)).close()
s = socket.socket(socket.AF_UNIX); s.connect_ex("/nonexistent/a\nb")
print(os.getpid())')
    entry=
    for _ in $(seq 100); do
        entry=$(journalctl --directory="$dir" -o json NETSHIM_DEST=127.0.0.1:18641 _PID="$p" 2>/dev/null | head -n1)
        [ -n "$entry" ] && break; sleep 0.05
    done
    check=$(jq -r --arg p "$p" '[.PRIORITY == "6", .SYSLOG_IDENTIFIER == "netshim", .SYSLOG_PID == $p, ._PID == $p,
        .NETSHIM_EVENT == "connect", .NETSHIM_HOST == "web.test", .NETSHIM_RESULT == "ok", .NETSHIM_ERRNO == "0",
        .NETSHIM_SCHEMA == "1", .NETSHIM_VIA == "preload", .NETSHIM_PID == $p, .NETSHIM_TID == $p,
        .NETSHIM_PROG == "python3", .NETSHIM_FAMILY == "inet", (.NETSHIM_FD | test("^[0-9]+$")),
        (.NETSHIM_DURATION_US | test("^[0-9]+$")),
        (.MESSAGE | test(" connect fd=[0-9]+ 127.0.0.1:18641 \\(web.test\\) -> ok "))] | all' <<<"$entry" 2>/dev/null)
    [ "$check" = true ] && ok "journald: journalctl NETSHIM_DEST=127.0.0.1:18641 finds the connect, every field as documented" ||
        fail "journald entry (pid $p): ${entry:-none} ($(head -c 300 "$out/journald.out"))"
    n=$(journalctl --directory="$dir" -o json NETSHIM_HOST=web.test 2>/dev/null | grep -c .)
    [ "$n" -ge 1 ] && ok "journald: journalctl NETSHIM_HOST=web.test works" || fail "journald: NETSHIM_HOST=web.test finds $n"
    gai=$(journalctl --directory="$dir" -o json NETSHIM_EVENT=getaddrinfo NETSHIM_NODE=web.test 2>/dev/null | head -n1)
    [ "$(jq -r '[.NETSHIM_SERVICE, .NETSHIM_ADDR, .NETSHIM_RESULT] | join(" ")' <<<"$gai" 2>/dev/null)" = "18641 127.0.0.1 ok" ] &&
        ok "journald: the getaddrinfo entry has node, service and addresses" || fail "journald getaddrinfo: ${gai:-none}"
    bin=$(journalctl --directory="$dir" -o json NETSHIM_FAMILY=unix _PID="$p" 2>/dev/null | head -n1 |
        jq -r '.NETSHIM_DEST | if type == "array" then implode else . end' 2>/dev/null)
    [ "$bin" = $'/nonexistent/a\nb' ] && ok "journald: a value with a newline goes in the length-prefixed form, intact" ||
        fail "journald binary field: '$bin'"
    "$out/errno_glibc" >/dev/null 2>&1
    NETSHIM_LOG=journal LD_PRELOAD="$so" "$out/errno_glibc" 2>/dev/null | diff -q - "$out/sink-errno.glibc" >/dev/null &&
        ok "errno table under NETSHIM_LOG=journal: identical to glibc" || fail "errno table under journal differs"
    cleanup; pids=()
else
    fail "systemd-journald or journalctl missing (package systemd)"
fi

# --- secure execution: the new values are ignored like every NETSHIM_* variable --------
cp "$out/errno_linked" /tmp/netshim-sink-setuid && chmod 4755 /tmp/netshim-sink-setuid
mkdir -p /run/systemd/journal
for sink in syslog journal; do
    path=/dev/log; [ $sink = journal ] && path=/run/systemd/journal/socket
    listen "$path" "$out/secure.hex" 5
    NETSHIM_LOG=$sink NETSHIM_SYSLOG_FACILITY=local1 NETSHIM_LOG_FAMILIES=inet setpriv --reuid=65534 --regid=65534 --clear-groups \
        /tmp/netshim-sink-setuid >/dev/null 2>&1
    secure=$(tail -n +2 "$out/secure.hex" | grep -c .)
    NETSHIM_LOG=$sink setpriv --reuid=65534 --regid=65534 --clear-groups "$out/errno_linked" >/dev/null 2>&1
    sleep 0.1
    control=$(tail -n +2 "$out/secure.hex" | grep -c .)
    [ "$secure" = 0 ] && [ "$control" -gt 0 ] && ok "set-uid program ignores NETSHIM_LOG=$sink (control without set-uid: $control datagrams)" ||
        fail "set-uid with NETSHIM_LOG=$sink: $secure datagrams (control $control)"
    cleanup; pids=()
done
rm -f /tmp/netshim-sink-setuid
