#!/usr/bin/env bash
# Miri over the unit tests of netshim's pure modules: undefined behaviour, out-of-bounds
# reads and arithmetic overflow in the DNS wire reader and writer, the file parsers and the
# sort's rules. Miri interprets each test (~10^3-10^4 times slower than native), and cannot
# make the raw syscalls of src/sys: the tests that reach the kernel, and the few whose inputs
# are large, are skipped here by name (SKIP below, each with its reason) and run natively in
# `make unit`. Needs the nightly toolchain with its miri and rust-src components
# (scripts/deps.sh miri adds them); without them it fails under NETSHIM_REQUIRE_ALL=1 (CI)
# and says SKIP loudly elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
# The pure modules (test-name prefixes).
modules=(
    resolve::dns::header resolve::dns::name resolve::dns::parse resolve::dns::encode
    resolve::dns::answer resolve::dns::exercise
    resolve::hosts resolve::services resolve::nsswitch resolve::hostconf resolve::gaiconf
    resolve::resolvconf resolve::lines resolve::numeric resolve::sort resolve::triples
    resolve::request resolve::sockaddr
    log::image::tests::synthetic_images
    log::subtree::tests::ld_preload_is_split_as_the_loader_splits_it
    log::subtree::tests::only_this_machines_elf_is_native
)
# Tests of hostile input whose inputs are large: hours under Miri. The same parsers meet
# hostile bytes in the fuzz targets (fuzz/, under AddressSanitizer) and these tests run
# natively in `make unit`; their small cases (and every table test) run here.
SKIP=(
    resolve::hosts::tests::long_names_and_hostile_input    # 30,000 junk bytes
    resolve::lines::tests::hostile_input_never_panics      # a 100,000-byte line
    resolve::numeric::tests::hostile_input_never_panics    # 10,000-digit forms
    resolve::services::tests::hostile_input_never_panics   # 20,000 lines, a 50,000-digit port
    # Reaches the kernel: if_nametoindex for "nameserver fe80::1%lo" (a raw syscall).
    resolve::resolvconf::tests::nameservers
)
skip_args=()
for s in "${SKIP[@]}"; do skip_args+=(--skip "$s"); done
if ! cargo +nightly miri --version >/dev/null 2>&1; then
    how="rustup component add miri rust-src --toolchain nightly"
    if [ "${NETSHIM_REQUIRE_ALL:-0}" = 1 ]; then
        echo "FAIL miri: no nightly toolchain with miri ($how)"
        echo "miri: 0 passed, 1 failed"
        exit 1
    fi
    echo "SKIP miri: no nightly toolchain with miri ($how) <<<<<<<<<<"
    exit 0
fi
start=$SECONDS
# (cargo miri builds under target/miri: the release build is left alone.)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo +nightly miri test -p netshim --lib -- \
    "${modules[@]}" "${skip_args[@]}" >"$log" 2>&1 || status=$?
grep -E '^test .*(FAILED|ignored)|^error|Undefined Behavior|panicked' "$log" | head -n 40 || true
result=$(grep -E '^test result:' "$log" | tail -n 1)
echo "miri: ${result:-no result} in $((SECONDS - start)) s"
if [ "$status" != 0 ] || [ -z "$result" ]; then
    tail -n 30 "$log"
    echo "FAIL miri"
    exit 1
fi
passed=$(sed -n 's/.* \([0-9]*\) passed.*/\1/p' <<<"$result")
[ "${passed:-0}" -gt 0 ] || { echo "FAIL miri: no test ran"; exit 1; }
echo "ok   miri: $passed tests of the pure modules without undefined behaviour"
