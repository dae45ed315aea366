# IDN, sourced by run.sh (which defines run_variant, compare and tally): AI_IDN, AI_CANONIDN
# and NI_IDN compared with glibc in the C locale, in C.UTF-8 chosen by setlocale, and with
# LANG/LC_ALL=C.UTF-8 set for a program that never calls setlocale (still the C locale).
idn_hosts="$here/fixtures/hosts.idn"
{ echo "setlocale ''"; cat "$here/cases-idn.txt"; } >"$out/cases-idn-setlocale-env.txt"
{ echo "setlocale C.UTF-8"; cat "$here/cases-idn.txt"; } >"$out/cases-idn-setlocale-named.txt"
GAI_UTS=1 HOSTS=$idn_hosts run_variant idn-c "$here/cases-idn.txt" 'hostname web' &&
    tally < <(compare idn-c)
GAI_UTS=1 HOSTS=$idn_hosts LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    run_variant idn-utf8-env-only "$here/cases-idn.txt" 'hostname web' && tally < <(compare idn-utf8-env-only)
GAI_UTS=1 HOSTS=$idn_hosts LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    run_variant idn-utf8-setlocale "$out/cases-idn-setlocale-env.txt" 'hostname web' &&
    tally < <(compare idn-utf8-setlocale)
GAI_UTS=1 HOSTS=$idn_hosts run_variant idn-utf8-named "$out/cases-idn-setlocale-named.txt" 'hostname web' &&
    tally < <(compare idn-utf8-named)
# Over DNS, in C.UTF-8 set by setlocale and in the C locale.
idn_dns='--host-record=xn--bcher-kva.dns.test,192.0.2.60 --host-record=xn--mnchen-3ya.dns.test,192.0.2.61
    --host-record=xn--schlo-pqa.other.test,192.0.2.62 --cname=xn--alias-bcher-zhb.dns.test,xn--bcher-kva.dns.test'
{ echo "setlocale C.UTF-8"; cat "$here/cases-idn-dns.txt"; } >"$out/cases-idn-dns-setlocale.txt"
GAI_UTS=1 NSSWITCH="$here/fixtures/nsswitch-dns.conf" DNS_EXTRA=$idn_dns \
    run_variant idn-dns-utf8 "$out/cases-idn-dns-setlocale.txt" "hostname web; $dns_setup" &&
    tally < <(compare idn-dns-utf8)
GAI_UTS=1 NSSWITCH="$here/fixtures/nsswitch-dns.conf" DNS_EXTRA=$idn_dns \
    run_variant idn-dns-c "$here/cases-idn-dns.txt" "hostname web; $dns_setup" && tally < <(compare idn-dns-c)
LINKED=1 GAI_UTS=1 HOSTS=$idn_hosts run_variant idn-utf8-linked "$out/cases-idn-setlocale-named.txt" 'hostname web' &&
    tally < <(compare idn-utf8-linked)
