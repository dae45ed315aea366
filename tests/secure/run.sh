#!/usr/bin/env bash
# Secure-execution mode (AT_SECURE: set-uid, set-gid, file capabilities): every NETSHIM_*
# variable is ignored, as glibc ignores LD_* ones. For each variable, a probe linked with
# netshim runs as user nobody (65534), once set-uid root and once not, inside a private
# namespace with fixture /etc files: the set-uid run must answer exactly as it does without
# the variable, and the plain run must answer differently (so the variable does work).
#   tests/secure/run.sh LIBDIR
# Last line: "secure: N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
lib=$(cd "${1:?usage: run.sh LIBDIR}" && pwd)
passed=0 failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
unset NETSHIM_LOG NETSHIM_LOG_FORMAT LD_PRELOAD
if ! setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null || ! unshare -m -n true 2>/dev/null; then
    # Needs root: both a set-uid binary and the namespace do.
    fail "secure: cannot switch to uid 65534 or make a namespace here (run as root)"
    echo "secure: $passed passed, $failed failed"
    exit 1
fi
# Outside the work tree: user nobody must be able to reach every file.
t=$(mktemp -d /tmp/netshim-secure.XXXXXX)
trap 'rm -rf "$t"' EXIT
chmod 0755 "$t"
gcc -std=gnu11 -Wall -Wextra -Werror -o "$t/probe" "$here/probe.c" -L"$lib" -lnetshim -Wl,-rpath,"$lib" ||
    { fail "compile probe"; echo "secure: $passed passed, $failed failed"; exit 1; }
cp "$t/probe" "$t/probe-suid" && chmod 4755 "$t/probe-suid"
mkdir -p "$t/etc" "$t/var" "$t/log" && chmod 1777 "$t/log"

# The system's files (bind-mounted over /etc in the namespace).
printf '127.0.0.1\tlocalhost\n::1\tdual.test\n127.0.0.1\tdual.test\n192.0.2.1\ttwo.test\n192.0.2.2\ttwo.test\n' >"$t/etc/hosts"
printf 'multi on\n' >"$t/etc/host.conf"
printf 'hosts: files dns\n' >"$t/etc/nsswitch.conf"
# The DNS server answers every name with 192.0.2.7 and 2001:db8::7 (dns-misbehave's "good").
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$t/etc/resolv.conf"
: >"$t/etc/gai.conf"
# What each variable names instead: each changes one answer of the probe.
printf '192.0.2.77\tsecure.test\n' >"$t/var/hosts"
printf 'securesvc\t4242/tcp\n' >"$t/var/services"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1 no-aaaa\n' >"$t/var/resolv.conf"
printf 'precedence ::ffff:0:0/96 100\n' >"$t/var/gai.conf"
printf 'hosts: dns\n' >"$t/var/nsswitch.conf"
printf 'multi off\n' >"$t/var/host.conf"
chmod -R a+rX "$t/etc" "$t/var"
queries=(secure.test 80 127.0.0.1 securesvc dns.secure.test 80 dual.test 80 two.test 80)

# Each case: the variable, its value, and what must appear in the plain run's output
# (stdout and stderr) that the baseline does not have.
cases=(
    "NETSHIM_HOSTS|$t/var/hosts|secure.test 80: 192.0.2.77/80"
    "NETSHIM_SERVICES|$t/var/services|127.0.0.1 securesvc: 127.0.0.1/4242"
    "NETSHIM_RESOLV_CONF|$t/var/resolv.conf|dns.secure.test 80: 192.0.2.7/80$"
    "NETSHIM_GAI_CONF|$t/var/gai.conf|dual.test 80: 127.0.0.1/80 ::1/80"
    "NETSHIM_NSSWITCH|$t/var/nsswitch.conf|two.test 80: .*192.0.2.7/80"
    "NETSHIM_HOST_CONF|$t/var/host.conf|two.test 80: 192.0.2.1/80\$"
    "NETSHIM_LOG|$t/log/secure.log|LOGFILE"
    "NETSHIM_LOG_FORMAT|json|\"schema\":1"
    "NETSHIM_LOG_FAMILIES|unix|!connect fd=[0-9]+ 127.0.0.1:9 "
)
# NETSHIM_SYSLOG_FACILITY: ignored with NETSHIM_LOG=syslog, which the set-uid probe ignores
# as tests/log/sinks.sh shows against a real socket (and its facility numbers there).
for c in "${cases[@]}"; do printf '%s\n' "${c%|*}"; done >"$t/vars"
unshare -m -n bash -s "$t" "$here" "${queries[@]}" >"$t/results" 2>&1 <<'NS' || fail "the namespace could not be set up: $(cat "$t/results")"
set -e
t=$1 here=$2; shift 2
ip link set lo up
for f in hosts host.conf nsswitch.conf resolv.conf gai.conf; do mount --bind "$t/etc/$f" "/etc/$f"; done
python3 "$here/../dns-misbehave/server.py" good 127.0.0.1 "$t/ready" & server=$!
for _ in $(seq 100); do [ -e "$t/ready" ] && break; sleep 0.05; done
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@" 2>&1; }
as_nobody "$t/probe" "$@" >"$t/base.plain"
as_nobody "$t/probe-suid" "$@" >"$t/base.suid"
while IFS='|' read -r var value; do
    [ -n "$var" ] || continue
    # NETSHIM_LOG_FORMAT and _FAMILIES show only in a log: both runs also get
    # NETSHIM_LOG=stderr, and so does a baseline without the variable ($var.base).
    extra=()
    case $var in NETSHIM_LOG_FORMAT | NETSHIM_LOG_FAMILIES) extra=(NETSHIM_LOG=stderr) ;; esac
    [ ${#extra[@]} = 0 ] ||
        env "${extra[@]}" setpriv --reuid=65534 --regid=65534 --clear-groups "$t/probe" "$@" >"$t/$var.base" 2>&1
    rm -f "$t/log/secure.log"
    env "${extra[@]}" "$var=$value" setpriv --reuid=65534 --regid=65534 --clear-groups "$t/probe-suid" "$@" \
        >"$t/$var.suid" 2>&1
    [ -e "$t/log/secure.log" ] && echo "LOGFILE" >>"$t/$var.suid"
    env "${extra[@]}" "$var=$value" setpriv --reuid=65534 --regid=65534 --clear-groups "$t/probe" "$@" \
        >"$t/$var.plain" 2>&1
    [ -e "$t/log/secure.log" ] && echo "LOGFILE" >>"$t/$var.plain"
    rm -f "$t/log/secure.log"
done <"$t/vars"
kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
NS

if cmp -s "$t/base.plain" "$t/base.suid" && grep -q '^connect: -1$' "$t/base.plain"; then
    ok "without variables, the set-uid and the plain probe answer alike ($(grep -c : "$t/base.plain") lines)"
else
    fail "baseline: set-uid and plain runs differ"; diff "$t/base.plain" "$t/base.suid" | head
fi
for c in "${cases[@]}"; do
    var=${c%%|*} want=${c##*|}
    if [ ! -e "$t/$var.suid" ]; then fail "$var: not run"; continue; fi
    if cmp -s "$t/$var.suid" "$t/base.suid"; then
        suid=ignored
    else
        suid="NOT ignored: $(diff "$t/base.suid" "$t/$var.suid" | grep '^>' | head -3 | tr '\n' ' ')"
    fi
    if [ "${want#!}" != "$want" ]; then
        # "!PATTERN": the variable takes away what the log has without it.
        if grep -Eq -- "${want#!}" "$t/$var.base" && ! grep -Eq -- "${want#!}" "$t/$var.plain"; then
            plain=works
        else
            plain="has no effect (want /${want#!}/ gone): $(head -c 300 "$t/$var.plain")"
        fi
    elif grep -Eq -- "$want" "$t/$var.plain" && ! grep -Eq -- "$want" "$t/base.plain"; then
        plain=works
    else
        plain="has no effect (want /$want/): $(head -c 300 "$t/$var.plain")"
    fi
    if [ "$suid" = ignored ] && [ "$plain" = works ]; then
        ok "$var: ignored by the set-uid probe; the plain probe uses it"
    else
        fail "$var: set-uid $suid; plain $plain"
    fi
done
echo "secure: $passed passed, $failed failed"
[ "$failed" = 0 ]
