#!/usr/bin/env bash
# `netshim run --syslog` / `--journal` with traced programs (static glibc C, static Go), run
# by tests/trace/run.sh inside `unshare -m -n` with a /dev, /run and journal of this
# namespace's own (tests/log/private-dev.sh): the tracer's datagrams against a stand-in
# socket (exact bytes), the real rsyslogd and systemd-journald; dead, missing and full
# sockets change nothing for the program, and lost events are counted.
#   sinks.sh HERE OUT NETSHIM LIBRARY     prints ok/FAIL lines
set -u
here=$1 out=$2 netshim=$3 so=$4
export NETSHIM_LIBRARY=$so
unset LD_PRELOAD NETSHIM_LOG NETSHIM_LOG_FORMAT NETSHIM_SYSLOG_FACILITY TZ
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; }
out=$out/sinks
mkdir -p "$out"
. "$here/../log/private-dev.sh"
private_dev || exit 0
c_glibc=$2/client-glibc go_static=$2/dial-go-static
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# --- the tracer's syslog datagram, byte for byte (the library's format, via=trace) -----
plain=$(timeout 30 "$c_glibc" 127.0.0.1 "$port"; echo "status $?")
listen /dev/log "$out/sl.hex" 5
before=$(TZ=Asia/Kolkata date '+%b %e %H:%M')
r=$(TZ=Asia/Kolkata timeout 30 "$netshim" run --syslog -- "$c_glibc" 127.0.0.1 "$port"; echo "status $?")
after=$(TZ=Asia/Kolkata date '+%b %e %H:%M')
sleep 0.2
msg=$(datagrams "$out/sl.hex" | grep -a " connect fd=" | head -n1)
re="^<14>(${before}|${after}):[0-9]{2} netshim\[([0-9]+)\]: [0-9:.]{15} client-glibc\[([0-9]+)/[0-9]+\] connect fd=[0-9]+ 127\.0\.0\.1:$port -> ECONNREFUSED [0-9]+\.[0-9]{3}ms via=trace$"
if [[ $msg =~ $re ]] && [ "${BASH_REMATCH[2]}" = "${BASH_REMATCH[3]}" ] && [ "$r" = "$plain" ]; then
    ok "--syslog, traced static glibc: <14>, local time (TZ=Asia/Kolkata), netshim[the program's pid]: the text line via=trace"
else
    fail "--syslog traced datagram: '$msg' (want /$re/), program: $r"
fi
[ "$(datagrams "$out/sl.hex" | grep -c .)" = 1 ] && ok "--syslog: one datagram for one traced connect" ||
    fail "--syslog: $(datagrams "$out/sl.hex" | grep -c .) datagrams for one connect"
listen /dev/log "$out/fac.hex" 5
NETSHIM_SYSLOG_FACILITY=local7 timeout 30 "$netshim" run --syslog --json -- "$c_glibc" 127.0.0.1 "$port" >/dev/null
sleep 0.2
d=$(datagrams "$out/fac.hex" | head -n1)
[ "${d:0:5}" = "<190>" ] && jq -e --arg p "$port" '.via == "trace" and .dest == "127.0.0.1:" + $p and .result == "ECONNREFUSED"' \
    <<<"${d#*]: }" >/dev/null 2>&1 && ok "--syslog --json, NETSHIM_SYSLOG_FACILITY=local7: PRI 190, the JSON line" ||
    fail "--syslog facility/json: '$d'"
cleanup; pids=()

# --- the real rsyslogd: a traced Go program's connect in rsyslog's file -----------------
if start_rsyslogd; then
    r=$(NETSHIM_SYSLOG_FACILITY=local3 timeout 30 "$netshim" run --syslog -- "$go_static" "127.0.0.1:$port")
    for _ in $(seq 100); do grep -q "dial-go-static.* connect fd" "$out/rsyslog.log" 2>/dev/null && break; sleep 0.05; done
    line=$(grep -m1 "^local3.info netshim [0-9]* .* dial-go-static\[[0-9/]*\] connect fd=[0-9]* 127.0.0.1:$port -> ECONNREFUSED .*via=trace$" "$out/rsyslog.log")
    pid=$(cut -d' ' -f3 <<<"$line")
    [ -n "$line" ] && [[ $line == *" dial-go-static[$pid/"* ]] && [ "$r" = "error 127.0.0.1:$port" ] &&
        ok "rsyslogd: a traced static Go program's refused connect, local3.info, program netshim, pid $pid (the Go program's)" ||
        fail "rsyslogd: '$line' ($(tail -c 300 "$out/rsyslog.log")), program: $r"
    cleanup; pids=()
else
    fail "rsyslogd is not installed (scripts/deps.sh test installs rsyslog)"
fi

# --- the real systemd-journald ------------------------------------------------------------
if start_journald; then
    dir=$journal_dir
    r=$(timeout 30 "$netshim" run --journal -- "$go_static" "127.0.0.1:$port")
    entry=
    for _ in $(seq 100); do
        entry=$(journalctl --directory="$dir" -o json NETSHIM_DEST="127.0.0.1:$port" NETSHIM_VIA=trace NETSHIM_EVENT=connect 2>/dev/null | head -n1)
        [ -n "$entry" ] && break; sleep 0.05
    done
    check=$(jq -r '[.PRIORITY == "6", .SYSLOG_IDENTIFIER == "netshim", .SYSLOG_PID == .NETSHIM_PID, ._PID != .NETSHIM_PID,
        .NETSHIM_PROG == "dial-go-static", .NETSHIM_RESULT == "ECONNREFUSED", .NETSHIM_ERRNO == "111", .NETSHIM_SCHEMA == "1",
        .NETSHIM_FAMILY == "inet", .SYSLOG_FACILITY == "1", (.NETSHIM_FD | test("^[0-9]+$")), (.NETSHIM_DURATION_US | test("^[0-9]+$")),
        (.MESSAGE | test(" connect fd=[0-9]+ 127.0.0.1:[0-9]+ -> ECONNREFUSED .* via=trace$"))] | all' <<<"$entry" 2>/dev/null)
    [ "$check" = true ] && [ "$r" = "error 127.0.0.1:$port" ] &&
        ok "journald: journalctl NETSHIM_DEST=127.0.0.1:$port NETSHIM_VIA=trace finds the traced Go connect; SYSLOG_PID the program's, _PID the tracer's" ||
        fail "journald traced entry: ${entry:-none}, program: $r"
    timeout 30 "$netshim" run --journal -- "$c_glibc" 127.0.0.1 "$port" >/dev/null
    n=0
    for _ in $(seq 100); do
        n=$(journalctl --directory="$dir" -o json NETSHIM_PROG=client-glibc NETSHIM_VIA=trace NETSHIM_EVENT=connect 2>/dev/null | grep -c .)
        [ "$n" -ge 1 ] && break; sleep 0.05
    done
    [ "$n" = 1 ] && ok "journald: the traced static glibc client's connect (NETSHIM_PROG=client-glibc)" || fail "journald: client-glibc entries: $n"
    # One tree, both paths: a preloaded python3 and a traced static client, one journal.
    port2=$((port + 1))
    timeout 30 "$netshim" run --journal -- sh -c "python3 -c 'import socket; socket.socket().connect_ex((\"127.0.0.1\", $port2))'; $c_glibc 127.0.0.1 $port2" >/dev/null
    vias=
    for _ in $(seq 100); do
        vias=$(journalctl --directory="$dir" -o json NETSHIM_DEST="127.0.0.1:$port2" NETSHIM_EVENT=connect 2>/dev/null | jq -r '.NETSHIM_VIA + ":" + .NETSHIM_PROG' | sort | tr '\n' ' ')
        [ "$vias" = "preload:python3 trace:client-glibc " ] && break; sleep 0.05
    done
    [ "$vias" = "preload:python3 trace:client-glibc " ] && ok "journald: one --journal tree, a preloaded and a traced program, both in the journal" ||
        fail "journald, mixed tree: '$vias'"
    cleanup; pids=()
else
    fail "systemd-journald or journalctl missing (package systemd)"
fi

# --- dead sockets change nothing for the program --------------------------------------------
want=$(timeout 30 "$c_glibc" bad; timeout 30 "$c_glibc" 127.0.0.1 "$port"; echo "status $?")
rm -f /dev/log /run/systemd/journal/socket
for flag in syslog journal; do
    got=$(timeout 30 "$netshim" run --$flag -- sh -c "$c_glibc bad; $c_glibc 127.0.0.1 $port; echo status \$?")
    [ "$got" = "$want" ] && ok "--$flag, socket missing: the traced program's output and status unchanged" ||
        fail "--$flag, socket missing: '$got' (want '$want')"
done
listen /dev/log "$out/gone.hex" 5
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null
[ -S /dev/log ] || fail "the dead socket file is gone"
got=$(timeout 30 "$netshim" run --syslog -- sh -c "$c_glibc bad; $c_glibc 127.0.0.1 $port; echo status \$?")
[ "$got" = "$want" ] && ok "--syslog, socket without a reader (ECONNREFUSED): output and status unchanged" ||
    fail "--syslog, dead socket: '$got'"

# A reader that stops: the tracer never waits for it, and every lost event is counted on
# the next one that gets through (40 connects while it is stopped, one after; a queue of
# 10 datagrams, this namespace's own setting, so that it fills).
sysctl -qw net.unix.max_dgram_qlen=10 || fail "cannot set net.unix.max_dgram_qlen"
listen /dev/log "$out/full.hex" 20 4096
kill -STOP "${pids[-1]}"
rm -f "$out/go" "$out/phase1"
args=$(for _ in $(seq 40); do printf '127.0.0.1 %s ' "$port"; done)
t0=$(date +%s%N)
timeout 60 "$netshim" run --syslog -- sh -c "$c_glibc $args >/dev/null; touch $out/phase1
    while [ ! -e $out/go ]; do sleep 0.02; done; $c_glibc 127.0.0.1 $port" >/dev/null &
prog=$!
for _ in $(seq 600); do [ -e "$out/phase1" ] && break; sleep 0.05; done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill -CONT "${pids[-1]}"
sleep 0.3
touch "$out/go"
wait "$prog"; status=$?
sleep 0.3
received=$(datagrams "$out/full.hex" | grep -ac ' connect fd=')
dropped=$(datagrams "$out/full.hex" | grep -ao 'dropped=[0-9]*' | cut -d= -f2 | awk '{ s += $1 } END { if (NR) print s }')
if [ "$status" = 0 ] && [ -e "$out/phase1" ] && [ -n "$dropped" ] && [ $((received + dropped)) = 41 ]; then
    ok "--syslog, reader stopped: 40 traced connects in ${ms} ms, none blocked; $received received + dropped=$dropped reported = 41"
else
    fail "--syslog, stopped reader: status $status, received $received, dropped '${dropped}' (${ms} ms)"
fi
cleanup; pids=()
