# getnameinfo's corners, sourced by run.sh (which defines run_variant, compare, tally and
# $dns_setup): NI_NOFQDN with the local domain learned as glibc learns it (the official name
# of "localhost", the node name, the official name of the node name, the name of 127.0.0.1),
# and v4-mapped / v4-compatible addresses in the hosts file and over DNS (PTR).
gni_hosts="$here/fixtures/hosts.gni"
# The node name has no dot; its hosts line gives the domain (corp.test).
GAI_UTS=1 HOSTS=$gni_hosts run_variant gni-node-line "$here/cases-gni.txt" 'hostname web' &&
    tally < <(compare gni-node-line)
# The node name has a dot: the domain is what follows it.
GAI_UTS=1 HOSTS=$gni_hosts run_variant gni-node-fqdn "$here/cases-gni.txt" 'hostname db.corp.test' &&
    tally < <(compare gni-node-fqdn)
# "localhost" has a full official name: its domain wins over the node name's.
GAI_UTS=1 run_variant gni-localhost "$here/cases-gni.txt" '
    hostname web.other.example
    { printf "127.0.0.1\tlocalhost.corp.test localhost\n"; cat "$fx/hosts.gni"; } >"$o.hosts"
    HOSTS=$o.hosts' && tally < <(compare gni-localhost)
# No domain anywhere (the node name has no line, 127.0.0.1 is plain "localhost").
GAI_UTS=1 HOSTS=$gni_hosts run_variant gni-no-domain "$here/cases-gni.txt" 'hostname lonely' &&
    tally < <(compare gni-no-domain)
# Only 127.0.0.1's name has a domain ("localhost" is in no line).
GAI_UTS=1 run_variant gni-loopback-name "$here/cases-gni.txt" '
    hostname lonely
    { grep -v localhost "$fx/hosts.gni"; printf "127.0.0.1\tlo.corp.test\n"; } >"$o.hosts"
    HOSTS=$o.hosts' && tally < <(compare gni-loopback-name)
# 127.0.0.1's line has a domain, but a "::1" line comes first: for IPv4, nss_files reads
# ::1 as 127.0.0.1, so that line names it.
GAI_UTS=1 run_variant gni-loopback-v6-line "$here/cases-gni.txt" '
    hostname lonely
    { grep -v "^127.0.0.1" "$fx/hosts.gni"; printf "127.0.0.2\tlocalhost\n127.0.0.1\tlo.corp.test\n"; } >"$o.hosts"
    HOSTS=$o.hosts' && tally < <(compare gni-loopback-v6-line)
# Over DNS: the node name "web" is found through resolv.conf's search list (web.dns.test),
# and PTR records answer mapped and compatible addresses.
GAI_UTS=1 NSSWITCH="$here/fixtures/nsswitch-dns.conf" DNS_EXTRA='--host-record=web.dns.test,192.0.2.50' \
    run_variant gni-dns "$here/cases-gni-dns.txt" "hostname web
        grep -vw web \"\$fx/hosts.gni\" >\"\$o.hosts\"; HOSTS=\$o.hosts
        $dns_setup" && tally < <(compare gni-dns)
# Over DNS, the node name unknown everywhere: no domain.
GAI_UTS=1 HOSTS=$gni_hosts NSSWITCH="$here/fixtures/nsswitch-dns.conf" \
    run_variant gni-dns-no-domain "$here/cases-gni-dns.txt" "hostname lonely; $dns_setup" &&
    tally < <(compare gni-dns-no-domain)
# host.conf `trim`: gethostbyaddr cuts these domains from the names it finds (hosts and
# PTR), before NI_NOFQDN; RESOLV_OVERRIDE_TRIM_DOMAINS replaces the list.
GAI_UTS=1 HOSTS=$gni_hosts HOST_CONF="$here/fixtures/host.conf.trim" \
    run_variant gni-trim "$here/cases-gni.txt" 'hostname web' && tally < <(compare gni-trim)
GAI_UTS=1 HOSTS=$gni_hosts RESOLV_OVERRIDE_TRIM_DOMAINS='.example,.gni.test' \
    run_variant gni-trim-env "$here/cases-gni.txt" 'hostname web' && tally < <(compare gni-trim-env)
GAI_UTS=1 HOST_CONF="$here/fixtures/host.conf.trim" NSSWITCH="$here/fixtures/nsswitch-dns.conf" \
    DNS_EXTRA='--host-record=web.dns.test,192.0.2.50' \
    run_variant gni-dns-trim "$here/cases-gni-dns.txt" "hostname web
        grep -vw web \"\$fx/hosts.gni\" >\"\$o.hosts\"; HOSTS=\$o.hosts
        $dns_setup" && tally < <(compare gni-dns-trim)
# The same, with the probe linked against netshim instead of preloading it.
LINKED=1 GAI_UTS=1 HOSTS=$gni_hosts run_variant gni-node-line-linked "$here/cases-gni.txt" 'hostname web' &&
    tally < <(compare gni-node-line-linked)
# The linked probe must really be netshim's: its one known difference (AF_UNIX read within
# addrlen) shows there.
if cmp -s "$out/gni-node-line-linked.glibc" "$out/gni-node-line-linked.netshim"; then
    echo "FAIL gni-node-line-linked: the linked probe answered exactly as glibc (netshim not linked?)"
    failed=$((failed + 1))
fi
# "localhost" in no hosts line, but in DNS through the search list (localhost.dns.test):
# its official name gives the domain.
GAI_UTS=1 NSSWITCH="$here/fixtures/nsswitch-dns.conf" DNS_EXTRA='--host-record=localhost.dns.test,127.0.0.1' \
    run_variant gni-dns-localhost "$here/cases-gni-dns.txt" "hostname lonely
        grep -v localhost \"\$fx/hosts.gni\" >\"\$o.hosts\"; HOSTS=\$o.hosts
        $dns_setup" && tally < <(compare gni-dns-localhost)
