#!/usr/bin/env bash
# Builds build/netshim_VERSION_ARCH.deb with dpkg-deb (no debhelper) and prints its path.
#   packaging/build-deb.sh        (the Makefile's `make deb`, after `make lib man`)
# The tree comes from `make install` itself (PREFIX=/usr, the library in the multiarch
# directory), so the package holds exactly what an install does, plus Debian's parts:
# gzipped man pages and changelog, copyright, docs, shlibs, the ldconfig trigger, md5sums
# and the lintian overrides (each with its reason, packaging/lintian-overrides).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
stage=build/deb/netshim
rm -rf build/deb && mkdir -p "$stage"
make -s install DESTDIR="$root/$stage" PREFIX=/usr LIBDIR="/usr/lib/$multiarch" >/dev/null

doc=$stage/usr/share/doc/netshim
install -d "$doc" "$stage/usr/share/lintian/overrides"
gzip -9n "$stage"/usr/share/man/man*/*
install -m 0644 packaging/copyright "$doc/copyright"
# A native package (no Debian revision): its changelog is changelog.gz.
gzip -9nc packaging/changelog >"$doc/changelog.gz"
for f in README.md docs/COMPATIBILITY.md docs/LOGGING.md docs/BENCHMARKS.md; do
    gzip -9nc "$f" >"$doc/$(basename "$f").gz"
done
install -m 0644 packaging/lintian-overrides "$stage/usr/share/lintian/overrides/netshim"
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
    "$stage/usr/lib/$multiarch/libnetshim.so.$version" "$stage/usr/bin/netshim"
chmod 0644 "$stage/usr/lib/$multiarch/libnetshim.so.$version"

# Dependencies from the binaries' own needs, as debhelper's dh_shlibdeps finds them.
mkdir -p build/deb/shlibdeps/debian
printf 'Source: netshim\n\nPackage: netshim\nArchitecture: any\n' >build/deb/shlibdeps/debian/control
depends=$(cd build/deb/shlibdeps && dpkg-shlibdeps -O -e"$root/$stage/usr/bin/netshim" \
    -e"$root/$stage/usr/lib/$multiarch/libnetshim.so.$version" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')

install -d "$stage/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
    packaging/control.in >"$stage/DEBIAN/control"
echo "libnetshim 0 netshim (>= $version)" >"$stage/DEBIAN/shlibs"
# ldconfig runs once per dpkg run after the library arrives or goes (dpkg's trigger).
echo "activate-noawait ldconfig" >"$stage/DEBIAN/triggers"
(cd "$stage" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage"/DEBIAN/*
deb=build/netshim_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$root/$deb"
