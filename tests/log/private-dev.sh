# Sourced inside `unshare -m -n` (tests/log/sinks.sh, tests/trace/sinks.sh): gives this
# namespace a /dev of its own (the device nodes programs need, bind-mounted, and room for
# /dev/log), a /run and a /var/log/journal of its own, so the machine's syslog and journal
# are never touched. Needs $out and fail(); returns 1 when /dev cannot be replaced.
# Also the stand-in socket (listen, datagrams) and the cleanup of what they started.
sink_tests=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
private_dev() {
    ip link set lo up || fail "ip link set lo up"
    # A unix datagram socket queues at most max_dgram_qlen datagrams (10 on some kernels)
    # before senders get EAGAIN (and netshim drops): room for slow readers (this netns only).
    sysctl -qw net.unix.max_dgram_qlen=512 2>/dev/null
    rm -rf "$out/run" "$out/journal-var"
    mkdir -p "$out/olddev" "$out/run" "$out/journal-var"
    mount --rbind /dev "$out/olddev" || { fail "cannot bind /dev"; return 1; }
    mount -t tmpfs -o mode=755 tmpfs /dev
    for n in null zero full random urandom tty; do
        [ -e "$out/olddev/$n" ] && touch "/dev/$n" && mount --bind "$out/olddev/$n" "/dev/$n"
    done
    ln -s /proc/self/fd /dev/fd
    for i in 0 1 2; do ln -s "/proc/self/fd/$i" "/dev/$(echo stdin stdout stderr | cut -d' ' -f$((i + 1)))"; done
    mount --bind "$out/run" /run
    [ -d /var/log/journal ] && mount --bind "$out/journal-var" /var/log/journal
    return 0
}

pids=()
cleanup() { for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap cleanup EXIT
listen() { # listen PATH OUT SECONDS [RCVBUF]: the stand-in socket, ready when this returns
    rm -f "$2"
    python3 "$sink_tests/dgram.py" "$@" &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$2" ] && return 0; sleep 0.05; done
    fail "stand-in socket at $1 did not start"
}
datagrams() { # datagrams HEXFILE: each datagram received, one a line
    python3 -c 'import sys
for l in open(sys.argv[1]).read().split()[1:]: sys.stdout.buffer.write(bytes.fromhex(l) + b"\n")' "$1"
}
start_rsyslogd() { # the real rsyslogd on /dev/log, writing "facility.severity program pid msg" lines to $out/rsyslog.log
    command -v rsyslogd >/dev/null || return 1
    rm -f /dev/log "$out/rsyslog.log"
    mkdir -p "$out/rsyslog-work"
    cat >"$out/rsyslog.conf" <<CONF
global(workDirectory="$out/rsyslog-work")
module(load="imuxsock" SysSock.Name="/dev/log")
template(name="netshim" type="string" string="%syslogfacility-text%.%syslogseverity-text% %programname% %procid% %msg%\n")
*.* action(type="omfile" file="$out/rsyslog.log" template="netshim")
CONF
    rsyslogd -n -f "$out/rsyslog.conf" -i "$out/rsyslogd.pid" >"$out/rsyslogd.out" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done
}
start_journald() { # the real systemd-journald on /run's socket; its journal directory in $journal_dir
    local journald=/lib/systemd/systemd-journald
    [ -x "$journald" ] && command -v journalctl >/dev/null || return 1
    mkdir -p /run/systemd/journal
    "$journald" >"$out/journald.out" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
    for _ in $(seq 100); do journal_dir=$(ls -d /run/log/journal/* 2>/dev/null | head -n1); [ -n "$journal_dir" ] && break; sleep 0.05; done
}
