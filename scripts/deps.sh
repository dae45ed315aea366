#!/usr/bin/env bash
# Installs what a make target needs, so that `make test`, `make demo` and `make bench` pass
# on a fresh Debian machine with nothing installed by hand.
#   scripts/deps.sh test|demo|bench|fuzz|miri
# As root, missing Debian packages are installed with apt-get (one `apt-get update` first);
# as another user, one line names the single command that installs them, and it exits 1.
# Rust pieces (the aarch64 target, rustfmt, cargo-fuzz) are added with rustup and cargo.
# Set NETSHIM_NO_INSTALL=1 to only check.
set -euo pipefail
what=${1:?usage: deps.sh test|demo|bench|fuzz|miri}

# Each package with the reason it is here.
base=(
    gcc make binutils     # the C tests (nm, readelf)
    iproute2 util-linux   # `ip` and `unshare` for the private test namespaces
    pkg-config            # the install test
    man-db                # the install test renders the installed man pages
)
test_pkgs=(
    clang                 # the header must compile under clang too
    dnsmasq-base          # the real DNS server on the namespaces' loopback
    python3               # the misbehaving DNS server (stdlib only)
    curl netcat-openbsd   # real programs nobody here wrote, preloaded
    jq                    # JSON log lines must parse
    musl-tools            # bench --quick builds the musl variant
    valgrind strace       # memory checks; bench's instruction and syscall counts; strace is also the tracer's already-traced test
    default-jre-headless  # a real JVM: its dual-stack connects to ::ffff:a.b.c.d are logged
    libidn2-0             # AI_IDN/NI_IDN load it as glibc does (compared with glibc's answers)
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross  # check-aarch64: build.rs compiles src/sys/cancel.c for arm64
    golang-go             # the tracer's tests build Go programs (Go makes its own syscalls)
    libc6-i386            # a 32-bit program in the tracer's tests (/lib32/libc.so.6 runs as one)
    libcap2-bin           # setcap: a file-capability program keeps its capability in a traced tree
    rsyslog               # the syslog sink against the real rsyslogd (a private namespace's /dev/log)
    systemd               # systemd-journald and journalctl: the journal sink against the real journald
    qemu-user             # check-aarch64: runs them, and the arm64 glibc as the reference
    dpkg-dev lintian      # make deb: dpkg-shlibdeps for Depends; the package's lint
    chromium              # report-tests: the HTML report rendered headless
)
bench_pkgs=(musl-tools dnsmasq-base valgrind strace golang-go) # golang-go: bench/trace.sh's Go client
demo_pkgs=(curl)

case $what in
    test) pkgs=("${base[@]}" "${test_pkgs[@]}") ;;
    demo) pkgs=("${base[@]}" "${demo_pkgs[@]}") ;;
    bench) pkgs=("${base[@]}" "${bench_pkgs[@]}") ;;
    fuzz) pkgs=("${base[@]}") ;;
    miri) pkgs=() ;;
    *) echo "deps.sh: unknown target $what" >&2; exit 2 ;;
esac

missing=()
for p in ${pkgs[@]+"${pkgs[@]}"}; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ] || [ "${NETSHIM_NO_INSTALL:-0}" = 1 ]; then
        echo "make $what needs: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "deps: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # With the recommended packages, as the tests were run here (valgrind wants libc6-dbg,
    # chromium its fonts).
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Rust pieces, only where the target uses them.
have_target() { rustup target list --installed 2>/dev/null | grep -qx "$1"; }
if [ "$what" = test ]; then
    have_target aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
    rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
fi
if [ "$what" = fuzz ] || [ "$what" = test ]; then
    command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet
fi
# Miri runs on the nightly toolchain only; scripts/miri.sh fails in CI when it is missing.
if [ "$what" = miri ] || [ "$what" = test ]; then
    if ! cargo +nightly miri --version >/dev/null 2>&1; then
        rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal \
            || echo "deps: no nightly toolchain could be installed (make miri will say so)"
        rustup component add miri rust-src --toolchain nightly \
            || echo "deps: miri could not be added to the nightly toolchain (make miri will say so)"
    fi
fi
exit 0
