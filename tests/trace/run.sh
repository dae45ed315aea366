#!/usr/bin/env bash
# The tracer's tests (`netshim run` on programs the preload cannot reach): Go programs
# (dynamic and CGO_ENABLED=0), static glibc and musl C clients, a mixed process tree with
# exact line counts, a normal user, signals and exit statuses, --trace=never and the
# already-traced fallback; --syslog and --journal against rsyslogd and journald (sinks.sh).
# Everything that listens or resolves runs in a private mount and network namespace with
# fixture /etc files and dnsmasq on its loopback (inner.sh).
#   tests/trace/run.sh LIBDIR      (LIBDIR holds libnetshim.so; build/lib)
# Last line: "trace-tests: N passed, M failed". Go builds are cached under build/.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
lib=$(cd "${1:?usage: run.sh LIBDIR}" && pwd)
out="$root/build/trace-tests"
mkdir -p "$out"
fail_early() { echo "FAIL $*"; echo "trace-tests: 0 passed, 1 failed"; exit 1; }
for tool in go musl-gcc dnsmasq strace unshare setcap; do
    command -v "$tool" >/dev/null || fail_early "$tool is not installed (scripts/deps.sh test installs it)"
done
# Go: no network, caches under build/ (the first build of the standard library takes a while).
export GOCACHE="$root/build/go-cache" GOPATH="$root/build/go-path" GOPROXY=off GOFLAGS= GO111MODULE=off
(cd "$here" && go build -o "$out/dial-go" dial.go) || fail_early "go build dial.go"
(cd "$here" && CGO_ENABLED=0 go build -o "$out/dial-go-static" dial.go) || fail_early "CGO_ENABLED=0 go build dial.go"
gcc -static -O2 -Wall -Wextra -Werror -o "$out/client-glibc" "$here/client.c" 2>"$out/gcc.err" ||
    { cat "$out/gcc.err"; fail_early "gcc -static client.c"; }
musl-gcc -static -O2 -Wall -Wextra -Werror -o "$out/client-musl" "$here/client.c" || fail_early "musl-gcc -static client.c"
gcc -O2 -Wall -Wextra -Werror -o "$out/spawn" "$here/spawn.c" || fail_early "gcc spawn.c"
gcc -O2 -Wall -Wextra -Werror -o "$out/posix_spawn" "$here/posix_spawn.c" || fail_early "gcc posix_spawn.c"
gcc -static -O2 -Wall -Wextra -Werror -o "$out/spawn_state" "$here/spawn_state.c" || fail_early "gcc -static spawn_state.c"
gcc -static -O2 -Wall -Wextra -Werror -o "$out/sig-static" "$here/sig.c" || fail_early "gcc -static sig.c"
netshim="$root/${CARGO_TARGET_DIR:-target}/release/netshim"
[ -x "$netshim" ] || fail_early "no launcher at $netshim (make lib)"
start=$(date +%s)
unshare -m -n bash "$here/inner.sh" "$here" "$out" "$netshim" "$lib/libnetshim.so" | tee "$out/results.txt"
# --syslog and --journal with traced programs: a namespace of their own (its /dev and /run too).
sinks_start=$(date +%s)
unshare -m -n bash "$here/sinks.sh" "$here" "$out" "$netshim" "$lib/libnetshim.so" 2>"$out/sinks.err" | tee -a "$out/results.txt"
echo "(sinks: $(( $(date +%s) - sinks_start )) s)"
passed=$(grep -c '^ok ' "$out/results.txt")
failed=$(grep -c '^FAIL ' "$out/results.txt")
[ "$passed" -gt 0 ] || failed=$((failed + 1))
echo "trace-tests: $passed passed, $failed failed ($(( $(date +%s) - start )) s in the namespace)"
[ "$failed" = 0 ]
