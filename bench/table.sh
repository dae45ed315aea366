#!/usr/bin/env bash
# Prints bench/run.sh's results as Markdown: medians with ratios to glibc, instructions and
# syscalls per operation, and the issue's targets with the measured ratio next to each.
#   table.sh RESULTS-DIR MODE ROUNDS LOGGER-NOTE ROW-SPEC...
set -u
res=$1 mode=$2 rounds=$3 logger_note=$4
shift 4
variants=(glibc musl linked preload preload+log)

median() { # median ROW VARIANT -> the median sample, or nothing
    [ -s "$res/$1.$2" ] || return 0
    sort -g "$res/$1.$2" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
        else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
status() { [ -e "$res/$1.$2.status" ] && cat "$res/$1.$2.status"; }
status_text() {
    case $1 in
        n/a-dns) echo "n/a (DNS source not merged)" ;;
        n/a-sort) echo "n/a (RFC 3484 sort not merged)" ;;
        *) echo "**WRONG ANSWER**" ;;
    esac
}
human_time() { awk -v t="$1" 'BEGIN { if (t < 1000) printf "%.0f ns", t;
    else if (t < 1e6) printf "%.2f µs", t / 1000; else printf "%.2f ms", t / 1e6 }'; }
human_rate() { awk -v r="$1" 'BEGIN { if (r >= 1e6) printf "%.2f M/s", r / 1e6;
    else printf "%.0f k/s", r / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }'; }
group() { awk -v n="$1" 'BEGIN { s = sprintf("%d", n); o = "";
    while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
    print s o }'; }

echo "### Medians ($mode run, $rounds round(s), variants interleaved)"
echo
echo "Time per operation (lookups/s for the thread rows); in brackets the ratio to glibc in"
echo "the same run: time ÷ glibc's time, or for the thread rows throughput ÷ glibc's."
echo
echo "| workload | glibc | musl (static) | netshim linked | netshim preloaded | preloaded, logging on |"
echo "| --- | --- | --- | --- | --- | --- |"
for spec in "$@"; do
    IFS='|' read -r id label work _ _ threads _ <<<"$spec"
    base=$(median "$id" glibc)
    line="| $label |"
    for v in "${variants[@]}"; do
        m=$(median "$id" "$v") s=$(status "$id" "$v")
        if [ -n "$s" ]; then
            cell=$(status_text "$s")
        elif [ -z "$m" ]; then
            cell="—"
        elif [ "$work" = threads ]; then
            cell=$(human_rate "$m")
            [ "$v" != glibc ] && cell="$cell ($(ratio "$m" "$base")×)"
        else
            cell=$(human_time "$m")
            [ "$v" != glibc ] && cell="$cell ($(ratio "$m" "$base")×)"
        fi
        if [ "$v" = preload+log ] && [ -n "$logger_note" ] && [ -n "$m" ]; then
            case $work in connect | refused) cell="$cell, logger not merged" ;; esac
        fi
        line="$line $cell |"
    done
    echo "$line"
done
[ -n "$logger_note" ] && { echo; echo "Logging on: $logger_note."; }

if [ "$mode" = full ]; then
    echo
    echo "### Instructions and syscalls per operation (single-threaded rows)"
    echo
    echo "Instructions: valgrind --tool=callgrind, main thread, (count at 2N − count at N) / N."
    echo "Syscalls: strace -c (main thread), same difference. In brackets: instructions ÷ glibc's."
    echo
    echo "| workload | glibc | musl (static) | netshim linked | netshim preloaded | preloaded, logging on |"
    echo "| --- | --- | --- | --- | --- | --- |"
    for spec in "$@"; do
        IFS='|' read -r id label work _ _ threads cn <<<"$spec"
        [ "$cn" = 0 ] && continue
        base=$(cat "$res/$id.glibc.instr" 2>/dev/null)
        line="| $label |"
        for v in "${variants[@]}"; do
            s=$(status "$id" "$v")
            i=$(cat "$res/$id.$v.instr" 2>/dev/null) sc=$(cat "$res/$id.$v.sys" 2>/dev/null)
            if [ -n "$s" ]; then
                cell=$(status_text "$s")
            elif [ -z "$i" ]; then
                cell="—"
            else
                cell="$(group "$i") ins, ${sc:-?} sys"
                [ "$v" != glibc ] && [ -n "$base" ] && cell="$cell ($(ratio "$i" "$base")×)"
            fi
            line="$line $cell |"
        done
        echo "$line"
    done
fi

# --- the issue's targets -------------------------------------------------------------
# target ROW VARIANT KIND LIMIT: KIND is time-le (time ratio ≤ LIMIT), speed-ge (glibc's
# time ÷ ours ≥ LIMIT), rate-ge (our throughput ÷ glibc's ≥ LIMIT), instr-le.
verdict() { # verdict VALUE KIND LIMIT
    awk -v x="$1" -v kind="$2" -v lim="$3" 'BEGIN {
        le = kind ~ /-le$/
        ok = le ? x <= lim : x >= lim
        if (ok) { printf "met"; exit }
        if (le) printf "missed by %.0f%% (limit %s×)", (x / lim - 1) * 100, lim
        else printf "missed (needs %s×)", lim }'
}
target() { # target ROW VARIANT KIND LIMIT -> "ratio, verdict"
    local id=$1 v=$2 kind=$3 lim=$4 s x base m
    s=$(status "$id" "$v")
    [ -n "$s" ] && { status_text "$s"; return; }
    case $kind in
        instr-le) x=$(ratio "$(cat "$res/$id.$v.instr" 2>/dev/null)" "$(cat "$res/$id.glibc.instr" 2>/dev/null)") ;;
        time-le) x=$(ratio "$(median "$id" "$v")" "$(median "$id" glibc)") ;;
        speed-ge) x=$(ratio "$(median "$id" glibc)" "$(median "$id" "$v")") ;;
        rate-ge) x=$(ratio "$(median "$id" "$v")" "$(median "$id" glibc)") ;;
    esac
    [ -z "$x" ] && { echo "not measured"; return; }
    echo "$x× — $(verdict "$x" "$kind" "$lim")"
}
echo
echo "### Targets (issue 6), netshim linked / preloaded"
echo
echo "| target | linked | preloaded |"
echo "| --- | --- | --- |"
both() { echo "| $1 | $(target "$2" linked "$3" "$4") | $(target "$2" preload "$3" "$4") |"; }
both "numeric IPv4: instructions ≤ 0.5× glibc" num4 instr-le 0.5
both "numeric IPv4: time ≤ 1× glibc" num4 time-le 1
both "numeric IPv6: instructions ≤ 0.5× glibc" num6 instr-le 0.5
both "numeric IPv6: time ≤ 1× glibc" num6 time-le 1
both "hosts-file name, 20 lines: ≥ 5× faster" hosts20 speed-ge 5
both "hosts-file name, 10,000 lines: ≥ 100× faster" hosts10k speed-ge 100
both "\"localhost\" (20-line file): ≥ 5× faster" local20 speed-ge 5
both "DNS A+AAAA: time ≤ 0.85× glibc" dnsdual time-le 0.85
echo "| DNS A+AAAA: ≤ 1.2× one UDP round trip | $(
    for v in linked preload; do
        s=$(status dnsdual "$v")
        if [ -n "$s" ]; then status_text "$s"
        else x=$(ratio "$(median dnsdual "$v")" "$(median udp glibc)"); echo "$x× — $(verdict "$x" time-le 1.2)"; fi
        [ $v = linked ] && echo " | "
    done | tr -d '\n') |"
both "NXDOMAIN through the search list: time ≤ 1× glibc" nxdomain time-le 1
both "socket+close: ≤ 1.02× glibc" socket time-le 1.02
both "connect+close (loopback listener): ≤ 1.02× glibc" connect time-le 1.02
both "connect refused: ≤ 1.02× glibc" refused time-le 1.02
echo "| connect+close, preloaded, logging on: ≤ 1.15× glibc | — | $(target connect preload+log time-le 1.15)${logger_note:+ (logger not merged)} |"
if [ "$mode" = full ]; then
    g=$(cat "$res/connect.glibc.sys" 2>/dev/null) l=$(cat "$res/connect.preload+log.sys" 2>/dev/null)
    echo "| connect+close, logging on: exactly one extra syscall | — | ${l:-?} vs glibc's ${g:-?} per op — $(
        [ -n "$g" ] && [ -n "$l" ] && [ "$l" = $((g + 1)) ] && echo met || echo "not met${logger_note:+ (logger not merged)}") |"
fi
both "hosts lookups, 8 threads: ≥ 10× glibc's throughput" t8 rate-ge 10
both "hosts lookups, 32 threads: ≥ 10× glibc's throughput" t32 rate-ge 10
