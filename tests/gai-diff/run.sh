#!/usr/bin/env bash
# Differential test: the same getaddrinfo/getnameinfo/gai_strerror cases answered by glibc
# and by netshim (preloaded), in a private mount+network namespace with fixture files
# bind-mounted over /etc, compared case by case.
#   tests/gai-diff/run.sh LIBNETSHIM_SO
# Prints each differing case with both answers, then "gai-diff: N passed, M failed".
# Deliberate differences are listed, with their reasons, in known-differences.txt.
# NETSHIM_TARGET=aarch64: an aarch64 library, the probe built with the cross compiler and
# both runs under qemu-user, the arm64 glibc the reference (tests/aarch64/target.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
so=$(realpath "${1:?usage: run.sh path/to/libnetshim.so}")
out=${GAI_DIFF_OUT:-$here/../../build/gai-diff}
. "$here/../aarch64/target.sh"
[ "$target_arch" = "$(uname -m)" ] || out=$out-$target_arch
mkdir -p "$out"
"$target_cc" -std=gnu11 -Wall -Wextra -Werror -pedantic -o "$out/probe" "$here/probe.c" || exit 1
target_wrap "$out/probe"
"$target_cc" -std=gnu11 -Wall -Wextra -Werror -pedantic -o "$out/probe-linked" "$here/probe.c" \
    -L"$(dirname "$so")" -lnetshim -Wl,-rpath,"$(dirname "$so")" || exit 1
target_wrap "$out/probe-linked"

passed=0 failed=0 known=0

# run_variant NAME CASES SETUP: runs CASES under glibc and under netshim in a fresh
# namespace prepared by SETUP (shell code run inside it first). GAI_UTS=1 adds a UTS
# namespace (SETUP may set the host name); SETUP may set HOSTS to another hosts file.
# LINKED=1 runs netshim's side with the probe linked against the library, not preloaded.
run_variant() {
    local name=$1 cases=$2 setup=$3
    unshare -m -n ${GAI_UTS:+-u} bash -c '
        set -e
        fx=$1 setup=$2 probe=$3 so=$4 cases=$5 o=$6
        ip link set lo up
        eval "$setup"
        for f in services gai.conf; do mount --bind "$fx/$f" "/etc/$f"; done
        mount --bind "${HOSTS:-$fx/hosts}" /etc/hosts
        mount --bind "${RESOLV:-$fx/resolv.conf}" /etc/resolv.conf
        mount --bind "${NSSWITCH:-$fx/nsswitch.conf}" /etc/nsswitch.conf
        mount --bind "${HOST_CONF:-$fx/host.conf}" /etc/host.conf
        # Both at once, against the same servers.
        "$probe" <"$cases" >"$o.glibc" & glibc_pid=$!
        if [ -n "${LINKED:-}" ]; then "$probe-linked" <"$cases" >"$o.netshim"
        else LD_PRELOAD="$so" "$probe" <"$cases" >"$o.netshim"; fi
        wait "$glibc_pid"
        # Stop what the setup started (the DNS server).
        for job in $(jobs -p); do kill "$job"; wait "$job" 2>/dev/null || true; done
    ' _ "$here/fixtures" "$setup" "$out/probe" "$so" "$cases" "$out/$name" || {
        echo "FAIL $name: could not run the namespace"; failed=$((failed + 1)); return 1; }
}

# compare NAME: per-case comparison of the two outputs; prints differences, counts.
compare() {
    awk -v name="$1" -v known="$here/known-differences.txt" '
        BEGIN { while ((getline line < known) > 0) if (line ~ /^Q /) skip[line] = 1 }
        FNR == 1 { file++ }
        /^Q / { q = $0; if (file == 1) order[++n] = q; next }
        /^#/ { next }
        { ans[file, q] = ans[file, q] $0 "\n" }
        END {
            for (i = 1; i <= n; i++) {
                q = order[i]
                if (ans[1, q] == ans[2, q]) pass++
                else if (q in skip) known_diff++
                else {
                    fail++
                    printf "DIFF [%s] %s\n  glibc:\n%s  netshim:\n%s", name, q, ans[1, q], ans[2, q]
                }
            }
            printf "%s %d %d %d\n", "COUNT", pass + 0, fail + 0, known_diff + 0
        }' "$out/$1.glibc" "$out/$1.netshim"
}

tally() { # reads compare's output, prints the differences, adds up the counts
    local line
    while IFS= read -r line; do
        case $line in
            "COUNT "*) set -- $line; passed=$((passed + $2)); failed=$((failed + $3)); known=$((known + $4)) ;;
            *) printf '%s\n' "$line" ;;
        esac
    done
}

lo_only='true'
# Extra addresses go on lo: dummy and veth devices are not available in every sandbox
# (gVisor has neither), and glibc counts any address but 127.0.0.1 and ::1.
with_v4='ip addr add 192.0.2.10/24 dev lo'
with_v6='ip addr add 2001:db8:1::10/64 dev lo nodad'
with_both="$with_v4; $with_v6"

run_variant main "$here/cases.txt" "$with_both" && tally < <(compare main)
HOST_CONF="$here/fixtures/host.conf.single" run_variant single "$here/cases.txt" "$with_both" && tally < <(compare single)
for v in lo_only with_v4 with_v6 with_both; do
    run_variant "addrconfig-$v" "$here/cases-addrconfig.txt" "${!v}" && tally < <(compare "addrconfig-$v")
done
# DNS: a real server (dnsmasq) on the namespace's 127.0.0.1:53, authoritative for
# dns.test; glibc and netshim read the same resolv.conf.
if command -v dnsmasq >/dev/null; then
    dns_setup='
        dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --port=53 --listen-address=127.0.0.1 \
            --bind-interfaces --user=root --pid-file="$o.dnsmasq.pid" --log-facility="$o.dnsmasq.log" --cache-size=0 --no-negcache \
            --host-record=dual.dns.test,192.0.2.1,2001:db8::1 --host-record=v4.dns.test,192.0.2.2 \
            --host-record=v6.dns.test,2001:db8::2 --host-record=dual.other.test,192.0.2.3 \
            $(for i in $(seq 1 8); do printf -- "--host-record=many.dns.test,198.51.100.%d " $i; done) \
            $(for i in $(seq 1 4); do printf -- "--host-record=many.dns.test,2001:db8:1::%d " $i; done) \
            $(for i in $(seq 1 40); do printf -- "--host-record=big.dns.test,203.0.113.%d " $i; done) \
            $(for i in $(seq 1 30); do printf -- "--host-record=big6.dns.test,2001:db8:2::%d " $i; done) \
            --cname=alias.dns.test,dual.dns.test --cname=alias2.dns.test,alias.dns.test \
            --cname=cname-nxdomain.dns.test,gone.dns.test \
            --local=/dns.test/ --local=/other.test/ --local=// --domain-needed ${DNS_EXTRA:-} &
        for _ in $(seq 100); do (exec 3<>/dev/udp/127.0.0.1/53) 2>/dev/null && break; sleep 0.05; done
        sleep 0.2'
    NSSWITCH="$here/fixtures/nsswitch-dns.conf" run_variant dns "$here/cases-dns.txt" "$dns_setup" && tally < <(compare dns)
    # ndots, no-tld-query, rotate over two servers, edns0 and a nameserver line glibc ignores.
    NSSWITCH="$here/fixtures/nsswitch-dns.conf" RESOLV="$here/fixtures/resolv.conf.options" \
        run_variant dns-options "$here/cases-dns-options.txt" "$dns_setup" && tally < <(compare dns-options)
    . "$here/variants-gni.sh"
    . "$here/variants-idn.sh"
else
    echo "FAIL dns: dnsmasq is not installed (.ci/run installs dnsmasq-base)"; failed=$((failed + 1))
fi
# The search walk against a scripted server (tests/dns-misbehave/server.py) that answers
# NODATA (MX/TXT only), REFUSED, SERVFAIL or nothing for chosen names at chosen positions
# of the walk (fixtures/rules.walk); everything else NXDOMAIN, or REFUSED as dnsmasq
# without an upstream answers. A second server that refuses everything comes first or
# second. Then names that are no host names, the root, numeric-looking strings.
if command -v python3 >/dev/null; then
    server=$here/../dns-misbehave/server.py
    { cat "$here/fixtures/rules.walk"; echo '* * NXDOMAIN'; } >"$out/rules.nx"
    { cat "$here/fixtures/rules.walk"; echo '* * REFUSED'; } >"$out/rules.refused"
    echo '* * REFUSED' >"$out/rules.refuse-all"
    walk_setup() { # walk_setup RULES [SECOND_RULES]: the shell code that starts the server(s)
        local s="python3 $server rules 127.0.0.1 \$o.ready1 $1 & "
        s+='for _ in $(seq 100); do [ -e $o.ready1 ] && break; sleep 0.05; done; '
        if [ -n "${2:-}" ]; then
            s+="python3 $server rules 127.0.0.2 \$o.ready2 $2 & "
            s+='for _ in $(seq 100); do [ -e $o.ready2 ] && break; sleep 0.05; done; '
        fi
        echo "rm -f \$o.ready1 \$o.ready2; $s"
    }
    walk() { # walk NAME RESOLV CASES SETUP
        NSSWITCH="$here/fixtures/nsswitch-dns.conf" RESOLV="$here/fixtures/$2" \
            run_variant "$1" "$here/$3" "$4" && tally < <(compare "$1")
    }
    walk walk-nx resolv.conf.walk cases-walk.txt "$(walk_setup "$out/rules.nx")"
    walk walk-refused resolv.conf.walk cases-walk.txt "$(walk_setup "$out/rules.refused")"
    walk walk-ndots2 resolv.conf.walk-ndots2 cases-walk.txt "$(walk_setup "$out/rules.nx")"
    walk walk-ndots2-refused resolv.conf.walk-ndots2 cases-walk.txt "$(walk_setup "$out/rules.refused")"
    walk walk-refusing-first resolv.conf.walk-refusing-first cases-walk.txt \
        "$(walk_setup "$out/rules.nx" "$out/rules.refuse-all")"
    walk walk-refusing-second resolv.conf.walk-refusing-second cases-walk.txt \
        "$(walk_setup "$out/rules.refused" "$out/rules.refuse-all")"
    HOSTALIASES="$here/fixtures/host.aliases" walk walk-aliases resolv.conf.walk cases-aliases.txt \
        "$(walk_setup "$out/rules.nx")"
    walk walk-slow resolv.conf.walk cases-walk-slow.txt "$(walk_setup "$out/rules.nx")"
    walk walk-slow-refused resolv.conf.walk cases-walk-slow.txt "$(walk_setup "$out/rules.refused")"
else
    echo "FAIL walk: python3 is not installed"; failed=$((failed + 1))
fi
# The control: a deliberately wrong getaddrinfo must produce differences.
"$target_cc" -shared -fPIC -o "$out/wrong.so" "$here/wrong.c" || { echo "FAIL compile wrong.so"; failed=$((failed + 1)); }
head -n 200 "$here/cases.txt" >"$out/cases-control.txt"
so="$out/wrong.so" run_variant control "$out/cases-control.txt" true
control_diffs=$(compare control | grep -c '^DIFF')
if [ "$control_diffs" -gt 50 ]; then
    echo "ok   control: a wrong getaddrinfo shows $control_diffs differences"; passed=$((passed + 1))
else
    echo "FAIL control: a wrong getaddrinfo showed only $control_diffs differences"; failed=$((failed + 1))
fi
total=$((passed + failed + known))
[ "$total" -ge 1000 ] || { echo "FAIL: only $total cases ran"; failed=$((failed + 1)); }
echo "gai-diff: $known known differences (known-differences.txt)"
echo "gai-diff: $passed passed, $failed failed"
[ "$failed" = 0 ]
