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
echo "Time per operation (lookups/s for the thread rows, KiB for the memory rows); in brackets"
echo "the ratio to glibc in the same run: time ÷ glibc's time, or for the thread rows"
echo "throughput ÷ glibc's. Memory rows: smaps_rollup's Rss, exact, one round."
echo
echo "| workload | glibc | musl (static) | netshim linked | netshim preloaded | preloaded, logging on |"
echo "| --- | --- | --- | --- | --- | --- |"
for spec in "$@"; do
    IFS='|' read -r id label work _ _ threads _ _ <<<"$spec"
    base=$(median "$id" glibc)
    line="| $label |"
    for v in "${variants[@]}"; do
        m=$(median "$id" "$v") s=$(status "$id" "$v")
        if [ -n "$s" ]; then
            cell=$(status_text "$s")
        elif [ -z "$m" ]; then
            cell="—"
        elif [ "$work" = threads ] || [ "$work" = stat-threads ]; then
            cell=$(human_rate "$m")
            [ "$v" != glibc ] && cell="$cell ($(ratio "$m" "$base")×)"
        elif [[ $work == rss-* || $work == index-* ]]; then
            cell="$(group "$m") KiB" # a count, not a time: no ratio
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
    echo "Instructions: valgrind --tool=callgrind, main thread, (count at 2N − count at N) / N;"
    echo "first-lookup rows: the whole run's count less a run whose one lookup is numeric."
    echo "Syscalls: strace -c (main thread), same difference. In brackets: instructions ÷ glibc's."
    echo
    echo "| workload | glibc | musl (static) | netshim linked | netshim preloaded | preloaded, logging on |"
    echo "| --- | --- | --- | --- | --- | --- |"
    for spec in "$@"; do
        IFS='|' read -r id label work _ _ threads cn _ <<<"$spec"
        [ "$cn" = 0 ] && [ "$work" != first-hosts ] && continue
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

# --- the issue's targets (issue 13) ----------------------------------------------------
# target ROW VARIANT KIND LIMIT: KIND is time-le (time ratio ≤ LIMIT), rate-ge (throughput
# ratio ≥ LIMIT), instr-le (instruction ratio ≤ LIMIT), abs-le (this variant's own value
# ≤ LIMIT: KiB for memory rows), ins-le / sys-le (instructions / syscalls per op ≤ LIMIT).
verdict() { # verdict VALUE KIND LIMIT
    awk -v x="$1" -v kind="$2" -v lim="$3" 'BEGIN {
        le = kind ~ /-le$/
        ok = le ? x <= lim : x >= lim
        if (ok) { printf "met"; exit }
        if (le && lim > 0) printf "missed by %.0f%% (limit %s)", (x / lim - 1) * 100, lim
        else if (le) printf "missed (limit %s)", lim
        else printf "missed (needs %s)", lim }'
}
value_of() { # value_of ROW VARIANT KIND -> the number the KIND compares
    local id=$1 v=$2 kind=$3
    case $kind in
        instr-le) ratio "$(cat "$res/$id.$v.instr" 2>/dev/null)" "$(cat "$res/$id.glibc.instr" 2>/dev/null)" ;;
        time-le) ratio "$(median "$id" "$v")" "$(median "$id" glibc)" ;;
        rate-ge) ratio "$(median "$id" "$v")" "$(median "$id" glibc)" ;;
        abs-le) median "$id" "$v" ;;
        ins-le) cat "$res/$id.$v.instr" 2>/dev/null ;;
        sys-le) cat "$res/$id.$v.sys" 2>/dev/null ;;
    esac
}
target() { # target ROW VARIANT KIND LIMIT -> "value, verdict"
    local id=$1 v=$2 kind=$3 lim=$4 s x unit=×
    s=$(status "$id" "$v")
    [ -n "$s" ] && { status_text "$s"; return; }
    x=$(value_of "$id" "$v" "$kind")
    [ -z "$x" ] && { echo "not measured"; return; }
    case $kind in abs-le) unit=" KiB" ;; ins-le) unit=" ins" ;; sys-le) unit=" sys" ;; esac
    echo "$x$unit — $(verdict "$x" "$kind" "$lim")"
}
# extra ROW KIND LIMIT: logging on minus logging off (preloaded), instructions or syscalls.
extra() {
    local id=$1 kind=$2 lim=$3 on off
    on=$(cat "$res/$id.preload+log.$kind" 2>/dev/null) off=$(cat "$res/$id.preload.$kind" 2>/dev/null)
    [ -z "$on" ] || [ -z "$off" ] && { echo "not measured"; return; }
    echo "+$((on - off)) — $(verdict $((on - off)) x-le "$lim")"
}
echo
echo "### Targets (issue 13), netshim linked / preloaded"
echo
echo "| target | linked | preloaded |"
echo "| --- | --- | --- |"
both() { echo "| $1 | $(target "$2" linked "$3" "$4") | $(target "$2" preload "$3" "$4") |"; }
both "numeric IPv4: instructions ≤ 0.5× glibc" num4 instr-le 0.5
both "numeric IPv6: instructions ≤ 0.5× glibc" num6 instr-le 0.5
both "numeric IPv4: time ≤ 0.7× glibc" num4 time-le 0.7
both "numeric IPv6: time ≤ 0.7× glibc" num6 time-le 0.7
both "hosts-file name, 20 lines: ≤ 1,200 instructions per lookup" hosts20 ins-le 1200
both "hosts-file name, 20 lines: one syscall (the stat)" hosts20 sys-le 1
both "hosts-file name, 10,000 lines: ≤ 1,200 instructions per lookup" hosts10k ins-le 1200
both "hosts-file name, 10,000 lines: one syscall (the stat)" hosts10k sys-le 1
both "hosts-file name, 20 lines: time ≤ 0.15× glibc" hosts20 time-le 0.15
both "first lookup, 10,000-line file: time ≤ 1.0× glibc's" first10k time-le 1
both "first lookup, 200,000-line file: time ≤ 1.0× glibc's" first200k time-le 1
both "first lookup, 10,000-line file: instructions ≤ 1.0× glibc's" first10k instr-le 1
both "first lookup, 200,000-line file: instructions ≤ 1.0× glibc's" first200k instr-le 1
both "memory after two lookups, 10,000-line file: ≤ the file's size (453 KiB)" index10k abs-le 453
both "memory after two lookups, 200,000-line file: ≤ the file's size (9,398 KiB)" index200k abs-le 9398
both "DNS A+AAAA: ≤ 10 syscalls" dnsdual sys-le 10
both "DNS A+AAAA: instructions ≤ 1.0× glibc" dnsdual instr-le 1
both "DNS A+AAAA: time ≤ 0.8× glibc" dnsdual time-le 0.8
echo "| DNS A+AAAA: ≤ 1.5× a fresh-socket UDP round trip | $(
    for v in linked preload; do
        s=$(status dnsdual "$v")
        if [ -n "$s" ]; then status_text "$s"
        else x=$(ratio "$(median dnsdual "$v")" "$(median udpfresh glibc)"); echo "${x:-?}× — $(verdict "${x:-99}" time-le 1.5)"; fi
        [ $v = linked ] && echo " | "
    done | tr -d '\n') |"
both "NXDOMAIN through the search list: ≤ 16 syscalls" nxdomain sys-le 16
both "NXDOMAIN through the search list: time ≤ 0.8× glibc" nxdomain time-le 0.8
both "hosts lookups, 8 threads: ≥ 6.5× glibc's throughput" t8 rate-ge 6.5
both "hosts lookups, 32 threads: ≥ 6.5× glibc's throughput" t32 rate-ge 6.5
both "RSS growth, 127.0.0.1: ≤ 16 KiB" rss4 abs-le 16
both "RSS growth, ::1: ≤ 16 KiB" rss6 abs-le 16
both "RSS growth, localhost: ≤ 16 KiB" rsslocal abs-le 16
if [ "$mode" = full ]; then
    echo "| logged connect (file sink): ≤ +2 syscalls | — | $(extra connect sys 2)${logger_note:+ (logger not merged)} |"
    echo "| logged connect (file sink): ≤ +1,500 instructions | — | $(extra connect instr 1500)${logger_note:+ (logger not merged)} |"
fi
echo "| logged connect: time ≤ unlogged + those two syscalls + 10% | — | $(
    on=$(median connect preload+log) off=$(median connect preload)
    [ -n "$on" ] && [ -n "$off" ] && echo "$(ratio "$on" "$off")× unlogged (judge against the stat/UDP floors above)" || echo "not measured") |"
