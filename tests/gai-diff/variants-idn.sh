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
