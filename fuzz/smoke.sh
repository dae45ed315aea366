#!/usr/bin/env bash
# The fuzz smoke: builds every cargo-fuzz target of fuzz/Cargo.toml and runs each for
# FUZZ_SECONDS (15) from its committed seeds (fuzz/seeds/TARGET) in a private network
# namespace (nothing a target does reaches a network). A crash, a failed check, a leak or an
# input slower than 10 s fails it; the input is kept under build/fuzz/artifacts/.
#   fuzz/smoke.sh [TARGET...]      (FUZZ_CARGO: how cargo is called, see the Makefile)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${FUZZ_SECONDS:-15}
cargo_cmd=${FUZZ_CARGO:-cargo +nightly}
out=$here/../build/fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(sed -n 's/^name = "\([a-z_0-9]*\)"$/\1/p' "$here/Cargo.toml" | grep -v '^netshim-fuzz$')
so=${NETSHIM_FUZZ_SO:-$here/../target/release/libnetshim.so}
[ -f "$so" ] || { echo "FAIL fuzz: $so is missing (make lib)"; exit 1; }
cd "$here"
mkdir -p "$out"
# FUZZ_CARGO may start with a variable (RUSTC_BOOTSTRAP=1 cargo): env runs either form.
# shellcheck disable=SC2086
if ! env $cargo_cmd fuzz build --target-dir "$here/target" >"$out/build.log" 2>&1; then
    grep -E '^error' -A8 "$out/build.log" | head -n 40
    echo "FAIL fuzz: the targets do not build ($cargo_cmd fuzz build; log: $out/build.log)"
    exit 1
fi
bin=$here/target/x86_64-unknown-linux-gnu/release
mkdir -p "$out/artifacts"
passed=0 failed=0
for t in "${targets[@]}"; do
    corpus=$out/corpus/$t
    mkdir -p "$corpus"
    log=$out/$t.log
    # The first directory is written to (build/), the seeds are only read.
    if NETSHIM_FUZZ_SO=$so unshare -n "$bin/$t" "$corpus" "$here/seeds/$t" -max_total_time="$seconds" \
        -timeout=10 -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "ok   fuzz $t: ${runs:-?} inputs in ${seconds} s, no crash"
        passed=$((passed + 1))
    else
        grep -E 'ERROR|panicked|Test unit written|SUMMARY' "$log" | head -n 8
        echo "FAIL fuzz $t (log: $log)"
        failed=$((failed + 1))
    fi
done
echo "fuzz-smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
