#!/usr/bin/env bash
# tests/trace, inside its private namespace: run.sh calls it under `unshare -m -n`.
#   inner.sh HERE OUT NETSHIM LIBRARY
set -u
here=$1 out=$2 netshim=$3 so=$4
export NETSHIM_LIBRARY=$so
unset LD_PRELOAD NETSHIM_LOG NETSHIM_LOG_FORMAT
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
go_dyn=$out/dial-go go_static=$out/dial-go-static c_glibc=$out/client-glibc c_musl=$out/client-musl

ip link set lo up
for f in hosts resolv.conf nsswitch.conf; do mount --bind "$here/fixtures/$f" "/etc/$f"; done
dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --port=53 --listen-address=127.0.0.1 \
    --bind-interfaces --user=root --pid-file="$out/dnsmasq.pid" --log-facility="$out/dnsmasq.log" \
    --host-record=dns.trace.test,127.0.0.1 --host-record=dns6.trace.test,::1 \
    --local=/trace.test/ --local=// &
dns_pid=$!
python3 "$here/serve.py" 300 &
serve_pid=$!
trap 'kill $dns_pid $serve_pid 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/18080) 2>/dev/null && (exec 3<>/dev/udp/127.0.0.1/53) 2>/dev/null && break
    sleep 0.05
done

# The program netshim run started: the launcher's child is the tracer, whose child it is.
program_of() {
    local tracer
    tracer=$(awk '{print $1}' /proc/$1/task/$1/children 2>/dev/null)
    [ -n "$tracer" ] && awk '{print $1}' /proc/$tracer/task/$tracer/children 2>/dev/null
}
# q LOG JQ-FILTER: how many JSON lines of LOG match.
q() { jq -c "select($2)" "$1" 2>/dev/null | wc -l; }
# run NAME ARGS...: netshim run --json -o $out/NAME.log ARGS, output in $out/NAME.out.
run() {
    local name=$1; shift
    rm -f "$out/$name.log"
    timeout 60 "$netshim" run --json -o "$out/$name.log" "$@" >"$out/$name.out" 2>"$out/$name.err"
}
tcp='(.event == "connect" and (.dest | test(":18080$")))'

# 1. Go programs, dynamic and static: a hosts-file name, a DNS name, an IPv6 literal, a
#    refused port; 20 goroutines at once; a child started with os/exec.
for kind in dyn static; do
    go=$go_dyn; [ $kind = static ] && go=$go_static
    run go-$kind -- "$go" web.trace.test:18080 dns.trace.test:18080 '[::1]:18080' 127.0.0.3:18081
    log=$out/go-$kind.log
    check "go $kind: the program's output is unchanged" diff -q <("$go" web.trace.test:18080 dns.trace.test:18080 '[::1]:18080' 127.0.0.3:18081) "$out/go-$kind.out"
    check "go $kind: 3 connects to port 18080, all via=trace" [ "$(q "$log" "$tcp and .via == \"trace\"")" = 3 ]
    check "go $kind: the DNS name is the connect's host" [ "$(q "$log" "$tcp and .host == \"dns.trace.test\" and .dest == \"127.0.0.1:18080\"")" = 1 ]
    check "go $kind: a hosts-file name has host null (never a guess)" [ "$(q "$log" "$tcp and .host == null")" = 2 ]
    check "go $kind: the IPv6 literal as [::1]:18080" [ "$(q "$log" "$tcp and .dest == \"[::1]:18080\" and .family == \"inet6\"")" = 1 ]
    # Loopback handshakes are over when the tracer's connect returns: the program gets the
    # answer at once (0, or the error), as from a connect that completes immediately.
    check "go $kind: loopback connects are answered at once: 3 connect lines ok, no connect-done" \
        [ "$(q "$log" "$tcp and .result == \"ok\"")" = 3 -a "$(q "$log" '.event == "connect-done"')" = 0 ]
    check "go $kind: the refused port is a connect line ECONNREFUSED" [ "$(q "$log" '.event == "connect" and .dest == "127.0.0.3:18081" and .result == "ECONNREFUSED" and .errno == 111')" = 1 ]
    check "go $kind: dns events for A and AAAA of dns.trace.test from 127.0.0.1:53" \
        [ "$(q "$log" '.event == "dns" and .name == "dns.trace.test" and .server == "127.0.0.1:53" and .via == "trace"')" = 2 ]
    check "go $kind: the A answer's addresses" [ "$(q "$log" '.event == "dns" and .type == "A" and .addrs == ["127.0.0.1"] and .result == "ok"')" = 1 ]
    check "go $kind: every line is schema 1 JSON" [ "$(q "$log" '.schema == 1')" = "$(wc -l <"$log")" ]
    run go-$kind-20 -- "$go" -n 20 dns.trace.test:18080
    log=$out/go-$kind-20.log
    check "go $kind: 20 goroutines dialing at once: 20 connect lines, all named, each ok at once or by its connect-done" \
        [ "$(q "$log" "$tcp and .host == \"dns.trace.test\"")" = 20 -a \
          $(( $(q "$log" "$tcp and .result == \"ok\"") + $(q "$log" '.event == "connect-done" and .result == "ok"') )) = 20 ]
    check "go $kind: 20 goroutines: the program saw 20 ok dials" [ "$(grep -c '^ok ' "$out/go-$kind-20.out")" = 20 ]
    run go-$kind-child -- "$go" -child dns6.trace.test:18080
    log=$out/go-$kind-child.log
    pids=$(jq -r "select($tcp) | .pid" "$log" | sort -u | wc -l)
    check "go $kind: a child started with os/exec is traced too (2 connects, 2 pids, both named)" \
        [ "$(q "$log" "$tcp and .host == \"dns6.trace.test\" and .dest == \"[::1]:18080\"")" = 2 -a "$pids" = 2 ]
done

# A handshake still under way when the tracer looks (a listener whose accept queue is full
# drops the SYN; the retransmission 1 s later gets in once a connection has been accepted):
# the program gets EINPROGRESS, and its getsockopt(SO_ERROR) ends it in connect-done ok.
rm -f "$out/slow.ready"
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.4", 18082)); s.listen(0)
filler = socket.create_connection(("127.0.0.4", 18082))
open(sys.argv[1], "w").close()
time.sleep(0.5)
conns = [s.accept()[0]]
s.settimeout(5)
try:
    conns.append(s.accept()[0])
except OSError:
    pass
' "$out/slow.ready" & slow=$!
for _ in $(seq 100); do [ -e "$out/slow.ready" ] && break; sleep 0.05; done
run go-slow -- "$go_static" 127.0.0.4:18082
wait $slow
check "go: a handshake under way gets EINPROGRESS, then connect-done ok from its SO_ERROR" \
    [ "$(q "$out/go-slow.log" '.event == "connect" and .dest == "127.0.0.4:18082" and .result == "EINPROGRESS"')" = 1 -a \
      "$(q "$out/go-slow.log" '.event == "connect-done" and .dest == "127.0.0.4:18082" and .result == "ok"')" = 1 ] &&
    grep -q '^ok ' "$out/go-slow.out"

# 2. Static C clients (glibc and musl): getaddrinfo through the C library's own resolver,
#    a blocking connect; bad arguments get the kernel's answer and the preload's lines.
for libc in glibc musl; do
    c=$out/client-$libc
    run c-$libc -- "$c" dns.trace.test 18080 web.trace.test 18080 127.0.0.3 18081
    log=$out/c-$libc.log
    check "static $libc: output unchanged" diff -q <("$c" dns.trace.test 18080 web.trace.test 18080 127.0.0.3 18081) "$out/c-$libc.out"
    check "static $libc: 3 connect lines to 1808x, blocking (no connect-done)" \
        [ "$(q "$log" '.event == "connect" and (.dest | test(":1808[01]$")) and .via == "trace"')" = 3 -a "$(q "$log" '.event == "connect-done"')" = 0 ]
    check "static $libc: the name resolved through DNS is the host" [ "$(q "$log" "$tcp and .host == \"dns.trace.test\" and .dest == \"127.0.0.1:18080\" and .result == \"ok\"")" = 1 ]
    check "static $libc: the refused connect is ECONNREFUSED" [ "$(q "$log" '.dest == "127.0.0.3:18081" and .result == "ECONNREFUSED"')" = 1 ]
    check "static $libc: addresses no DNS answer gave have host null" [ "$(q "$log" '(.dest == "127.0.0.2:18080" or .dest == "127.0.0.3:18081") and .host == null')" = 2 ]
    check "static $libc: a dns event for dns.trace.test" [ "$(q "$log" '.event == "dns" and .name == "dns.trace.test" and .type == "A"')" -ge 1 ]
    run c-$libc-bad -- "$c" bad x
    check "static $libc: bad arguments (NULL, unmapped, garbage length, closed fd): the kernel's errno" diff -q <("$c" bad x) "$out/c-$libc-bad.out"
    log=$out/c-$libc-bad.log
    check "static $libc: bad arguments logged as the preload logs them" \
        [ "$(q "$log" '.event == "connect" and .dest == "?" and (.result == "EFAULT" or .result == "EINVAL")')" = 4 \
          -a "$(q "$log" '.result == "EBADF" and .fd == 999 and .dest == "127.0.0.1:9"')" = 1 -a "$(q "$log" '.result == "ENOTSOCK"')" = 1 ]
done

# 3. The mixed tree: curl (preloaded), a Go binary and a static binary, one after the other
#    and then in parallel: exactly one line per connect, by the path that saw it.
cat >"$out/mixed.sh" <<SCRIPT
#!/bin/sh
curl -s -o /dev/null http://web.trace.test:18080/
$go_dyn dns.trace.test:18080 >/dev/null
$c_musl dns.trace.test 18080 >/dev/null
curl -s -o /dev/null http://web.trace.test:18080/ &
$go_static dns.trace.test:18080 >/dev/null &
$c_glibc dns.trace.test 18080 >/dev/null &
wait
SCRIPT
chmod +x "$out/mixed.sh"
run mixed -- "$out/mixed.sh"
log=$out/mixed.log
check "mixed tree: exactly 6 connects to port 18080" [ "$(q "$log" "$tcp")" = 6 ]
check "mixed tree: curl's 2 by the preload, the 4 others by the tracer" \
    [ "$(q "$log" "$tcp and .via == \"preload\" and .prog == \"curl\"")" = 2 -a "$(q "$log" "$tcp and .via == \"trace\"")" = 4 ]
check "mixed tree: no connect logged twice (pid, fd, dest unique)" \
    [ "$(jq -r "select($tcp) | \"\(.pid) \(.fd) \(.dest)\"" "$log" | sort | uniq -d | wc -l)" = 0 ]
check "mixed tree: every connect to 18080 has its name" [ "$(q "$log" "$tcp and .host != null")" = 6 ]
check "mixed tree: the preloaded curl's own DNS sockets are not logged as connects" \
    [ "$(q "$log" '.prog == "curl" and .event == "connect" and .dest == "127.0.0.1:53"')" = 0 ]

# 4. A normal user: no root, no capabilities. The program runs untraced and the library's
#    exec hooks put under the tracer only what the preload cannot see (subtree tracing), so
#    that set-uid and file-capability programs started anywhere in the tree keep their
#    privilege.
user=netshim-trace
id -u $user >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin $user
home=$(mktemp -d /tmp/netshim-trace-user.XXXXXX)
cp "$netshim" "$so" "$go_static" "$go_dyn" "$c_musl" "$c_glibc" "$out/spawn" "$out/posix_spawn" "$out/spawn_state" "$out/sig-static" "$home/" &&
    mkdir -p "$home/noexec-dir" && : >"$home/noexec-dir/spawn_state" && chmod 644 "$home/noexec-dir/spawn_state" &&
    printf '\177ELF\002\001\001junk' >"$home/bad-elf" && chmod 755 "$home/bad-elf" &&
    chmod 755 "$home" && chown -R $user "$home"
# Set-uid root programs that print their effective uid (one dynamic, one static), and a
# program with a file capability that prints its effective capability set.
printf '#include <stdio.h>\n#include <unistd.h>\nint main(void){printf("euid=%%d\\n",(int)geteuid());return 0;}\n' >"$out/euid.c"
gcc -o "$home/euid-dyn" "$out/euid.c" && gcc -static -o "$home/euid-static" "$out/euid.c"
chown root:root "$home/euid-dyn" "$home/euid-static" && chmod 4755 "$home/euid-dyn" "$home/euid-static"
cp /usr/bin/cat "$home/cat-caps" && setcap cap_net_bind_service+ep "$home/cat-caps"
as_user() { setpriv --reuid=$user --regid=$user --clear-groups env NETSHIM_LIBRARY="$home/libnetshim.so" "$home/netshim" run "$@"; }
uq() { q "$home/$1.log" "$2"; }
urun() {
    local name=$1; shift; rm -f "$home/$name.log"
    timeout 60 setpriv --reuid=$user --regid=$user --clear-groups env NETSHIM_LIBRARY="$home/libnetshim.so" \
        "$home/netshim" run --json -o "$home/$name.log" "$@" >"$out/u-$name.out" 2>"$out/u-$name.err"
}
urun user -- sh -c "$home/dial-go-static dns.trace.test:18080; $home/client-musl dns.trace.test 18080; $home/dial-go dns.trace.test:18080"
check "a normal user: the run succeeds" [ $? = 0 ]
check "a normal user: the static Go, musl and dynamic Go connects are logged with their name, via=trace" \
    [ "$(uq user "$tcp and .host == \"dns.trace.test\" and .via == \"trace\"")" = 3 -a "$(uq user "$tcp")" = 3 ]
urun privs -- sh -c "$home/euid-dyn; $home/euid-static; $home/cat-caps /proc/self/status | grep CapEff; grep -E '^(NoNewPrivs|Seccomp|TracerPid):' /proc/self/status"
check "a normal user: a dynamic set-uid program started from the traced script gains its privilege (euid=0)" \
    [ "$(grep -c '^euid=0$' "$out/u-privs.out")" = 2 ]
check "a normal user: so does a static set-uid one, with a warning that it is not traced" \
    grep -q "$home/euid-static (started by sh, process [0-9]*) gains privilege when it runs" "$out/u-privs.err"
check "a normal user: a dynamic set-uid one (not preloaded either: a secure exec) is warned of too, once" \
    [ "$(grep -c "$home/euid-dyn (started by sh, process [0-9]*) gains privilege" "$out/u-privs.err")" = 1 ]
check "a normal user: a file-capability program keeps its capability" \
    grep -Eq '^CapEff:[[:space:]]*0*400$' "$out/u-privs.out"
check "a normal user: the script itself runs untraced, without no_new_privs or a filter" \
    [ "$(grep -cE '^(NoNewPrivs|Seccomp|TracerPid):[[:space:]]*0$' "$out/u-privs.out")" = 3 ]
# The whole tree traced (--trace=always): the privilege is lost, and a warning says so.
as_user --trace=always -- sh -c "$home/euid-static" >"$out/euid.out" 2>"$out/euid.err"
check "a normal user, --trace=always: a set-uid program runs unprivileged, with a warning naming it" \
    [ "$(cat "$out/euid.out")" = "euid=$(id -u $user)" ] && grep -q "$home/euid-static is set-uid" "$out/euid.err"
check "a normal user: with --trace=never the set-uid program gains its privilege (euid=0)" \
    [ "$(as_user --trace=never -- sh -c "$home/euid-static" 2>/dev/null)" = euid=0 ]
# Every member of the exec family, and vfork: the static client started through each is
# traced (one connect, via=trace); the preloaded spawner's own connects stay the preload's.
for mode in execve execv execvp execvpe execl execle execlp fexecve execveat execveat-rel execveat-empty vfork; do
    target=$home/client-glibc
    case $mode in execvp|execvpe|execlp) target=client-glibc ;; esac
    urun spawn-$mode -- env PATH="$home:/usr/bin:/bin" "$home/spawn" $mode "$target" dns.trace.test 18080 web.trace.test 18080
    check "a normal user: $mode of a static program: 2 connects, both via=trace, output unchanged" \
        [ "$(uq spawn-$mode "$tcp and .via == \"trace\" and .prog == \"client-glibc\"")" = 2 -a "$(uq spawn-$mode "$tcp")" = 2 ] &&
        [ "$(grep -c '^ok ' "$out/u-spawn-$mode.out")" = 2 ]
done
# An exec that fails leaves the caller as it was: a static file without an x bit first in
# PATH is not asked for (execvp goes on to /usr/bin/cat, which must run untraced).
mkdir -p "$home/a" && cp "$c_glibc" "$home/a/cat" && chmod 644 "$home/a/cat" && chown -R $user "$home/a"
urun failed-exec -- env PATH="$home/a:/usr/bin:/bin" cat /proc/self/status
check "a normal user: a failed exec asks for nothing (the next candidate runs untraced, no no_new_privs)" \
    [ "$(grep -cE '^(NoNewPrivs|Seccomp|TracerPid):[[:space:]]*0$' "$out/u-failed-exec.out")" = 3 ]
# An image that may be executed but not read (mode 0711) is traced unread. The kernel makes
# such a process undumpable, and its tracer may not read its memory: the connect is logged
# with the destination it could not read ("?"), never a guess.
cp "$c_glibc" "$home/exec-only" && chown root:root "$home/exec-only" && chmod 0711 "$home/exec-only"
urun exec-only -- sh -c "$home/exec-only 127.0.0.1 18080"
check "a normal user: an execute-only static program is traced (1 connect via=trace, destination unreadable: ?)" \
    [ "$(uq exec-only '.event == "connect" and .via == "trace" and .dest == "?" and .result == "ok"')" = 1 ] &&
    grep -q '^ok ' "$out/u-exec-only.out"
# The program itself execs an image that needs the tracer (a wrapper script's `exec`): its
# signals are still delivered and it ends (it must not be taken for the untraced program).
urun top-exec -- sh -c "exec $home/sig-static 18080"
check "a normal user: a program that execs a static one in place gets its signal, connects once (traced), ends" \
    [ $? = 0 -a "$(uq top-exec "$tcp and .via == \"trace\"")" = 1 ] && grep -q '^caught 10$' "$out/u-top-exec.out"
# posix_spawn and posix_spawnp of a static program: glibc's exec inside them cannot be
# interposed, so netshim makes those spawns itself. Ten cases (file actions, attributes, the
# PATH search, a failing action): what the spawned program sees is what glibc's spawn gives
# it, and each one that ran is traced.
mkdir -p "$home/eo" && cp "$out/spawn_state" "$home/eo/spawn_state" && chown root:root "$home/eo/spawn_state" && chmod 0711 "$home/eo/spawn_state"
urun pspawn-never --trace=never -- "$home/posix_spawn" "$home" 18080 "$home/eo/spawn_state"
urun pspawn -- "$home/posix_spawn" "$home" 18080 "$home/eo/spawn_state"
for f in "$out/u-pspawn-never.out" "$out/u-pspawn.out"; do sed -i "s#$out/u-pspawn[a-z-]*.err#ERR#" "$f"; done
check "a normal user: posix_spawn(p) of a static program, 15 cases: the program sees what glibc's spawn gives it" \
    [ "$(grep -c '^== ' "$out/u-pspawn.out")" = 15 ] && diff -q "$out/u-pspawn-never.out" "$out/u-pspawn.out" >/dev/null
check "a normal user: each of the 12 spawned programs that can be read is traced (one connect each, via=trace)" \
    [ "$(uq pspawn "$tcp and .via == \"trace\" and .prog == \"spawn_state\" and .result == \"ok\"")" = 12 ]
check "a normal user: the execute-only one is traced too (its destination unreadable: ?)" \
    [ "$(uq pspawn '.event == "connect" and .via == "trace" and .dest == "?"')" = 1 ]
# A dynamic child with a cleared environment, a 32-bit program, and the mixed tree in parallel.
urun mixed -- sh -c "curl -s -o /dev/null http://web.trace.test:18080/ & $home/dial-go-static dns.trace.test:18080 >/dev/null & env -i /usr/bin/curl -s -o /dev/null http://web.trace.test:18080/ & $home/client-musl dns.trace.test 18080 >/dev/null & wait"
check "a normal user, mixed tree in parallel: 4 connects, once each (curl by the preload; static Go, cleared-environment curl and musl traced)" \
    [ "$(uq mixed "$tcp")" = 4 -a "$(uq mixed "$tcp and .via == \"preload\" and .prog == \"curl\"")" = 1 -a "$(uq mixed "$tcp and .via == \"trace\"")" = 3 ] &&
    [ "$(jq -r "select($tcp) | \"\(.pid) \(.fd)\"" "$home/mixed.log" | sort | uniq -d | wc -l)" = 0 ]
urun i386 -- sh -c '/lib32/libc.so.6 | head -n 1'
check "a normal user: a 32-bit program runs as without netshim (no loader message, same output)" \
    [ ! -s "$out/u-i386.err" ] && diff -q <(/lib32/libc.so.6 | head -n 1) "$out/u-i386.out" >/dev/null
check "a normal user: exit status 7 passes through" [ "$(as_user -- sh -c 'exit 7' >/dev/null 2>&1; echo $?)" = 7 ]
check "a normal user: death by SIGTERM is reported as 143" [ "$(as_user -- sh -c 'kill -TERM $$' >/dev/null 2>&1; echo $?)" = 143 ]
# A tracer that does not answer never hangs an exec: the hook gives up after its 2 s bound and
# the program runs untraced; with no tracer at all the exec goes on at once.
python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
open(sys.argv[2], "w").close()
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' "$home/silent.sock" "$home/silent.ready" & silent=$!
for _ in $(seq 100); do [ -e "$home/silent.ready" ] && break; sleep 0.05; done
chown $user "$home/silent.sock"
t0=$(date +%s%N)
out_silent=$(setpriv --reuid=$user --regid=$user --clear-groups env LD_PRELOAD="$home/libnetshim.so" NETSHIM_TRACER="$home/silent.sock" sh -c "$home/client-glibc dns.trace.test 18080")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill $silent; wait $silent 2>/dev/null
check "a silent tracer: the exec goes on untraced after the hook's bound (${ms} ms, 1900-3500)" \
    [ "$out_silent" = "ok dns.trace.test 18080" -a $ms -ge 1900 -a $ms -lt 3500 ]
t0=$(date +%s%N)
out_none=$(setpriv --reuid=$user --regid=$user --clear-groups env LD_PRELOAD="$home/libnetshim.so" NETSHIM_TRACER="$home/none.sock" sh -c "$home/client-glibc dns.trace.test 18080")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "no tracer behind NETSHIM_TRACER: the exec goes on at once (${ms} ms)" [ "$out_none" = "ok dns.trace.test 18080" -a $ms -lt 500 ]
rm -rf "$home"

# 5. Exit statuses and signals, as the shell reports them.
status() { timeout 30 "$netshim" run "$@" >/dev/null 2>&1; echo $?; }
check "exit status 7 passes through (sh)" [ "$(status -- sh -c 'exit 7')" = 7 ]
check "exit status 3 passes through (static Go)" [ "$(status -- "$go_static" -exit 3)" = 3 ]
check "death by SIGTERM is reported as 143" [ "$(status -- sh -c 'kill -TERM $$')" = 143 ]
check "death by SIGKILL is reported as 137" [ "$(status -- sh -c 'kill -KILL $$')" = 137 ]
check "death by SIGSEGV is reported as 139" [ "$(status -- sh -c 'kill -SEGV $$')" = 139 ]
check "a missing command is 127" [ "$(status -- /nonexistent/cmd)" = 127 ]
for sig in TERM INT HUP; do
    # (a script's background job starts with SIGINT ignored, and the program would inherit
    # that, as it should: give the launcher default dispositions)
    env --default-signal "$netshim" run -- "$go_static" -sleep 20s >/dev/null 2>&1 &
    lp=$!
    sleep 0.5
    t0=$(date +%s%N)
    kill -$sig $lp
    { wait $lp; } 2>/dev/null; st=$?
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    want=$((128 + $(kill -l $sig)))
    check "SIG$sig to the launcher reaches the program ($st, want $want, ${ms} ms)" [ $st = $want -a $ms -lt 5000 ]
done
"$netshim" run -- "$go_static" -sleep 1s dns.trace.test:18080 >"$out/stopcont.out" 2>&1 &
lp=$!
sleep 0.3
child=$(program_of $lp)
kill -STOP "$child"; sleep 0.3
state=$(awk '{print $3}' /proc/$child/stat 2>/dev/null)
kill -CONT "$child"
wait $lp; st=$?
# A stopped tracee shows as "t" (tracing stop) rather than "T" in /proc: the one visible trace.
check "SIGSTOP and SIGCONT: the program stops (state $state), goes on and exits 0" [ "${state^^}" = T -a $st = 0 ]
"$netshim" run -- sh -c 'kill -STOP $$; echo resumed' >"$out/selfstop.out" 2>&1 &
lp=$!
for _ in $(seq 50); do
    child=$(program_of $lp)
    [ -n "$child" ] && [ "$(awk '{print $3}' /proc/$child/stat 2>/dev/null)" = T ] && break
    sleep 0.1
done
kill -CONT "$child"
wait $lp; st=$?
check "a program that stops itself stays stopped until SIGCONT (group-stop), then goes on" [ $st = 0 ] && grep -q resumed "$out/selfstop.out"

# 6. --trace=never is the preload alone; the already-traced fallback.
run never --trace=never -- "$go_static" dns.trace.test:18080
check "--trace=never: a static Go program is not logged, and a warning says so" \
    [ "$(q "$out/never.log" 'true')" = 0 ] && grep -q 'statically linked' "$out/never.err"
rm -f "$out/straced.log"
timeout 60 strace -f -o /dev/null "$netshim" run --json -o "$out/straced.log" -- "$go_dyn" dns.trace.test:18080 >"$out/straced.out" 2>"$out/straced.err"
st=$?
check "under strace: one clear message, the preload alone, exit 0 (no hang)" \
    [ $st = 0 -a "$(grep -c 'itself traced' "$out/straced.err")" = 1 ] && grep -q '^ok ' "$out/straced.out"

# 7. A dynamic program started with a cleared environment (no preload): traced instead.
run cleared -- sh -c 'env -i /usr/bin/curl -s -o /dev/null http://web.trace.test:18080/'
check "a child with a cleared environment is traced: one connect, via=trace, prog curl" \
    [ "$(q "$out/cleared.log" "$tcp and .via == \"trace\" and .prog == \"curl\"")" = 1 -a "$(q "$out/cleared.log" "$tcp")" = 1 ]
# io_uring: connects through a ring are out of seccomp's sight; the ring's setup is warned of.
run uring -- python3 -c 'import ctypes; ctypes.CDLL(None).syscall(425, 4, ctypes.create_string_buffer(120))'
check "io_uring_setup gets one warning" [ "$(grep -c 'io_uring' "$out/uring.err")" = 1 ]
# The launcher killed: its tracees die with it (PTRACE_O_EXITKILL), never left stopped.
"$netshim" run -- "$go_static" -sleep 30s >/dev/null 2>&1 &
lp=$!
sleep 0.5
child=$(program_of $lp)
kill -KILL $lp; { wait $lp; } 2>/dev/null
sleep 0.3
check "SIGKILL to the launcher: the traced program dies with it" [ -n "$child" ] && ! kill -0 "$child" 2>/dev/null
# A 32-bit program in the tree (glibc's i386 libc.so.6 runs as a program): no "wrong ELF
# class" from its loader, output unchanged; the preload alone shows the message this avoids.
run i386 -- sh -c '/lib32/libc.so.6 | head -n 1'
check "a 32-bit program runs as without netshim (no loader message, same output)" \
    [ ! -s "$out/i386.err" ] && diff -q <(/lib32/libc.so.6 | head -n 1) "$out/i386.out" >/dev/null
run i386-never --trace=never -- sh -c '/lib32/libc.so.6 | head -n 1'
check "(control) with the preload alone the loader complains about the 32-bit program" grep -q 'wrong ELF class' "$out/i386-never.err"
# --trace=always: no preload; a dynamic program's connects are traced too.
run always --trace=always -- curl -s -o /dev/null http://web.trace.test:18080/
check "--trace=always: curl is traced, not preloaded (1 connect via=trace, no getaddrinfo line)" \
    [ "$(q "$out/always.log" "$tcp and .via == \"trace\"")" = 1 -a "$(q "$out/always.log" '.via == "preload"')" = 0 ]
# The launcher exits with the program, even when the program leaves a child running (the
# tracer goes on tracing it in the background, and its connects are still logged).
rm -f "$out/bg.log"
t0=$(date +%s%N)
timeout 30 "$netshim" run --json -o "$out/bg.log" -- sh -c "(sleep 1; $go_static dns.trace.test:18080 >/dev/null) & exit 5"
st=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "the launcher returns with the program's status (5) at once (${ms} ms), not after its background child" [ $st = 5 -a $ms -lt 900 ]
for _ in $(seq 50); do [ "$(q "$out/bg.log" "$tcp")" = 1 ] && break; sleep 0.1; done
check "the background child's connect is still traced after the launcher returned" [ "$(q "$out/bg.log" "$tcp and .via == \"trace\"")" = 1 ]
# Signal dispositions reach the program as the launcher found them (nohup's ignored SIGHUP).
check "an ignored SIGHUP stays ignored in the program; SIGPIPE is the default" \
    [ "$(nohup "$netshim" run -- sh -c 'grep -E "^Sig(Ign|Blk)" /proc/self/status' 2>/dev/null | awk '/SigIgn/ {print $2}')" = "$(nohup sh -c 'grep -E "^SigIgn" /proc/self/status' 2>/dev/null | awk '{print $2}')" ]
# Job control through a terminal: Ctrl-Z and fg on a traced job (an interactive bash in a pty).
python3 "$here/jobs.py" "$netshim" "$go_static"
# NETSHIM_LOG_FAMILIES limits the tracer's lines as it limits the library's.
rm -f "$out/families.log"
NETSHIM_LOG_FAMILIES=inet6 timeout 60 "$netshim" run --json -o "$out/families.log" -- "$go_static" 127.0.0.1:18080 '[::1]:18080' >/dev/null 2>&1
check "NETSHIM_LOG_FAMILIES=inet6: only the IPv6 connect of a traced program" \
    [ "$(q "$out/families.log" '.event == "connect" or .event == "connect-done"')" = 1 -a "$(q "$out/families.log" '.family == "inet6"')" = 1 ]

