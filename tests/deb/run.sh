#!/usr/bin/env bash
# The Debian package, as an operator uses it: lintian, `apt-get install ./netshim_….deb`
# on this (CI's own) machine, ldconfig's cache, pkg-config and the Beej example built
# against the installed files, `netshim run` finding the installed library, the man pages,
# then `apt-get purge netshim` leaving no file behind. The system is left as it was.
#   tests/deb/run.sh path/to/netshim_VERSION_ARCH.deb
# Last line: "deb: N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
deb=$(realpath "${1:?usage: run.sh path/to/netshim_VERSION_ARCH.deb}")
out=$root/build/deb-test
rm -rf "$out" && mkdir -p "$out"
passed=0 failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
finish() { echo "deb: $passed passed, $failed failed"; [ "$failed" = 0 ]; exit $?; }
export DEBIAN_FRONTEND=noninteractive
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)

if [ "$(id -u)" != 0 ]; then fail "installing a package needs root"; finish; fi
if dpkg-query -W -f='${Status}' netshim 2>/dev/null | grep -q 'install ok installed'; then
    # Someone's own netshim: never replace or purge it.
    fail "a netshim package is already installed here; remove it first (apt-get purge netshim)"
    finish
fi

# 1. lintian: no error, and no warning without an override that says why.
lintian --fail-on error,warning --display-info "$deb" >"$out/lintian" 2>&1
status=$?
if [ "$status" = 0 ] && ! grep -q '^[EW]:' "$out/lintian"; then
    ok "lintian: no errors or warnings ($(grep -c '^[IN]:' "$out/lintian") infos; overrides in packaging/lintian-overrides)"
else
    fail "lintian:"; grep '^[EW]:' "$out/lintian" | head -20
fi

# 2. The contents, before installing.
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$out/contents"
for f in /usr/lib/$multiarch/libnetshim.so.0 /usr/lib/$multiarch/libnetshim.so /usr/include/netshim.h \
    /usr/lib/$multiarch/pkgconfig/netshim.pc /usr/bin/netshim /usr/share/man/man1/netshim.1.gz \
    /usr/share/man/man7/libnetshim.7.gz /usr/share/doc/netshim/copyright /usr/share/doc/netshim/changelog.gz; do
    grep -qx "$f" "$out/contents" && ok "package holds $f" || fail "package lacks $f"
done

# 3. Install, use.
if ! apt-get install -y -qq "$deb" >"$out/install.log" 2>&1; then
    fail "apt-get install $deb"; tail -20 "$out/install.log"; finish
fi
ok "apt-get install ./$(basename "$deb")"
trap 'apt-get purge -y -qq netshim >/dev/null 2>&1' EXIT # whatever happens below
dpkg -L netshim | sort >"$out/files"
# (/lib is /usr/lib on a merged-/usr system: ldconfig may name either)
ldconfig -p | grep -Eq "libnetshim.so.0 \(.*\) => (/usr)?/lib/$multiarch/libnetshim.so.0\$" &&
    ok "ldconfig's cache has libnetshim.so.0 (the trigger ran)" || fail "libnetshim.so.0 not in ldconfig's cache"
flags=$(pkg-config --cflags --libs netshim 2>&1 | xargs)
[ "$flags" = "-lnetshim" ] && ok "pkg-config --cflags --libs netshim: $flags (system directories)" ||
    fail "pkg-config: '$flags'"
if gcc -std=c11 -Wall -Wextra -Werror -pedantic -o "$out/beej" "$root/c-tests/beej_connect.c" $flags; then
    ok "the Beej example builds against the installed package"
    readelf -d "$out/beej" | grep -q 'NEEDED.*libnetshim.so.0' && ok "…and needs libnetshim.so.0" ||
        fail "the Beej build does not need libnetshim.so.0"
    gcc -std=c11 -Wall -Wextra -Werror -o "$out/listener" "$root/c-tests/listener.c" || fail "compile listener"
    # www.example.com is 127.0.0.1 by the C tests' fixture hosts file, in a namespace.
    unshare -m -n bash -c '
        set -e
        fx=$1 out=$2
        ip link set lo up
        for f in hosts services nsswitch.conf; do mount --bind "$fx/$f" "/etc/$f"; done
        "$out/listener" 127.0.0.1 80 "$out/ready" >"$out/listener.out" & l=$!
        for _ in $(seq 200); do [ -e "$out/ready" ] && break; sleep 0.05; done
        "$out/beej"; wait $l' _ "$root/c-tests/fixtures" "$out" >"$out/beej.out" 2>&1
    grep -q '^beej: connected to 127.0.0.1 port 80$' "$out/beej.out" &&
        ok "the Beej example runs against the installed library and connects" ||
        { fail "the Beej example against the package:"; sed 's/^/     | /' "$out/beej.out"; }
    ldd "$out/beej" | grep -Eq "libnetshim.so.0 => (/usr)?/lib/$multiarch/libnetshim.so.0 " &&
        ok "…loading /usr/lib/$multiarch/libnetshim.so.0" || fail "the Beej build loads another libnetshim"
else
    fail "the Beej example does not build with pkg-config's flags"
fi
preload=$(env -u NETSHIM_LIBRARY /usr/bin/netshim run -- sh -c 'echo "$LD_PRELOAD"' 2>&1)
[ "$preload" = "/usr/lib/$multiarch/libnetshim.so.$(dpkg-query -W -f='${Version}' netshim)" ] ||
    [ "$preload" = "/usr/lib/$multiarch/libnetshim.so.0" ] &&
    ok "netshim run preloads the installed library ($preload)" || fail "netshim run preloads '$preload'"
env -u NETSHIM_LIBRARY /usr/bin/netshim run -o "$out/run.log" -- \
    python3 -c 'import socket; s=socket.socket(); s.connect_ex(("127.0.0.1", 9))' 2>/dev/null
grep -q 'connect fd=[0-9]* 127.0.0.1:9 ' "$out/run.log" && ok "…and the program's connect is logged" ||
    fail "netshim run from the package logged nothing"
for page in "1 netshim" "7 libnetshim"; do
    set -- $page
    [ "$(MANWIDTH=80 man "$1" "$2" 2>/dev/null | grep -c .)" -gt 20 ] && ok "man $1 $2" || fail "man $1 $2 does not render"
done

# 4. Purge: every file the package brought is gone, and the cache forgets the library.
trap - EXIT
if apt-get purge -y -qq netshim >"$out/purge.log" 2>&1; then
    ok "apt-get purge netshim"
else
    fail "apt-get purge netshim"; tail "$out/purge.log"
fi
left=$(while read -r f; do [ -f "$f" ] || [ -L "$f" ] && echo "$f"; done <"$out/files")
[ -z "$left" ] && ok "purge removed every file ($(wc -l <"$out/files") paths)" || fail "left behind: $left"
ldconfig -p | grep -q libnetshim && fail "ldconfig's cache still has libnetshim" ||
    ok "ldconfig's cache no longer has libnetshim"
finish
