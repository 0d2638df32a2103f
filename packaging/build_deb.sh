#!/usr/bin/env bash
# Build the Debian package of KSeF Desktop from the one-folder bundle (packaging/build.sh),
# with Debian's own tools only: dpkg-deb, dpkg-query, objdump and strip (binutils), chrpath, gzip.
#
#   packaging/build_deb.sh [DIST_DIR [OUT_DIR]]    # defaults: dist/ksef-desktop  dist
#
# Prints the path of OUT_DIR/ksef-desktop_VERSION_ARCH.deb. The version is read from
# ksef_desktop/__init__.py (and must be what the bundle's --version says). The package:
#   /usr/lib/ksef-desktop/          the bundle (Debian policy keeps /opt for local use)
#   /usr/bin/ksef-desktop           a relative symlink to it
#   /usr/share/applications/, /usr/share/icons/hicolor/<size>/apps/   menu entry, icons
#   /usr/share/doc/ksef-desktop/    copyright, changelog.Debian.gz, changelog.gz (CHANGELOG.md)
# and no maintainer scripts at all: installing, removing and purging only add and delete
# the package's own files, so nothing can ever touch a user's data folder. The icon and
# menu caches are refreshed by the triggers of hicolor-icon-theme and desktop-file-utils.
#
# DEB_COMPRESSION and DEB_COMPRESSION_LEVEL: dpkg-deb's -Z and -z (default xz at its default
# level: the smallest download; the tests use gzip at level 1, ten times faster here).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIST=$(realpath "${1:-$ROOT/dist/ksef-desktop}")
OUT=${2:-$ROOT/dist}
PKG=ksef-desktop
PREFIX=usr/lib/$PKG
# The address bug reports and the Debian changelog name; change it here only.
MAINTAINER="KSeF Desktop maintainers <maintainers@ksef-desktop.invalid>"

die() { printf 'build_deb.sh: %s\n' "$*" >&2; exit 1; }

[ -x "$DIST/ksef-desktop" ] || die "$DIST/ksef-desktop not found: run packaging/build.sh first"
for tool in dpkg-deb dpkg-query objdump strip chrpath gzip; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt install dpkg binutils chrpath gzip)"
done

UPSTREAM=$(sed -n 's/^__version__ = "\([^"]*\)"$/\1/p' "$ROOT/ksef_desktop/__init__.py")
[ -n "$UPSTREAM" ] || die "no __version__ in ksef_desktop/__init__.py"
BUILT=$("$DIST/ksef-desktop" --version)
[ "$BUILT" = "ksef-desktop $UPSTREAM" ] || die "the bundle says '$BUILT', the source $UPSTREAM: rebuild it"
# PEP 440 pre-releases sort before the release in Debian only with a tilde (1.0~rc1 < 1.0).
VERSION="$(printf '%s' "$UPSTREAM" | sed -E 's/[.]?(a|b|rc|dev)([0-9]*)$/~\1\2/')-1"
ARCH=$(dpkg --print-architecture)

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
umask 022

# The bundle, with the permissions Debian expects: 0755 folders and launchers, 0644 for
# everything else (shared objects are not executables). Symlinks stay as they are.
mkdir -p "$STAGE/$PREFIX" "$STAGE/usr/bin"
cp -a "$DIST/." "$STAGE/$PREFIX/"
find "$STAGE/$PREFIX" -type d -exec chmod 0755 {} +
find "$STAGE/$PREFIX" -type f -exec chmod 0644 {} +
chmod 0755 "$STAGE/$PREFIX/ksef-desktop" "$STAGE/$PREFIX/ksef-desktop-gui"
ln -s "../lib/$PKG/ksef-desktop" "$STAGE/usr/bin/ksef-desktop"

# The bundle's ELF files. The two launchers carry the program's Python archive appended
# to PyInstaller's bootloader: strip would cut it off, so only the shared objects are
# stripped of their symbol tables (as dh_strip does; the package gets ~20% smaller), and
# a RUNPATH naming the build machine's Python (a pyenv or self-built interpreter) is
# removed: at the user's it would make the loader search a path of the build machine.
# Qt's $ORIGIN paths stay: they are how the bundle's libraries find each other.
mapfile -t ELFS < <(find "$STAGE/$PREFIX" -type f -exec sh -c \
    'for f; do [ "$(head -c4 "$f" | tr -d "\177")" = ELF ] && printf "%s\n" "$f"; done' sh {} +)
for f in "${ELFS[@]}"; do
    case $f in */$PREFIX/ksef-desktop | */$PREFIX/ksef-desktop-gui) continue ;; esac
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$f"
    runpath=$(objdump -p "$f" | awk '$1 == "RUNPATH" || $1 == "RPATH" {r = $2} END {print r}')
    [ -n "$runpath" ] || continue
    kept=$(printf '%s' "$runpath" | tr ':' '\n' | grep '^\$ORIGIN' | paste -sd: || true)
    [ "$kept" = "$runpath" ] && continue
    if [ -n "$kept" ]; then chrpath -r "$kept" "$f" >/dev/null; else chrpath -d "$f"; fi
done

install -Dm644 "$ROOT/packaging/ksef-desktop.desktop" "$STAGE/usr/share/applications/$PKG.desktop"
for png in "$ROOT"/resources/icons/ksef-desktop-*.png; do
    size=${png##*-}; size=${size%.png}
    install -Dm644 "$png" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/$PKG.png"
done
install -Dm644 "$ROOT/packaging/debian/ksef-desktop.1" "$STAGE/usr/share/man/man1/$PKG.1"
gzip -9n "$STAGE/usr/share/man/man1/$PKG.1"
install -Dm644 "$ROOT/packaging/debian/lintian-overrides" "$STAGE/usr/share/lintian/overrides/$PKG"

DOC=$STAGE/usr/share/doc/$PKG
install -Dm644 "$ROOT/packaging/debian/copyright" "$DOC/copyright"
install -m644 "$ROOT/CHANGELOG.md" "$DOC/changelog"
gzip -9n "$DOC/changelog"
# The Debian changelog of a package made from the upstream bundle: one entry per version,
# dated by the version's commit when there is one (reproducible), else now.
DATE=$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}")
cat >"$DOC/changelog.Debian" <<EOF
$PKG ($VERSION) unstable; urgency=medium

  * Package of KSeF Desktop $UPSTREAM, built from its PyInstaller bundle.
    What changed for users: /usr/share/doc/$PKG/changelog.gz.

 -- $MAINTAINER  $DATE
EOF
gzip -9n "$DOC/changelog.Debian"

# Depends, part 1: the shared libraries the bundle's ELF files need and do not carry,
# found with objdump and mapped to the Debian packages that ship them (as dpkg-shlibdeps
# would, which cannot be used here: it maps the libraries the bundle carries too).
declare -A INSIDE=()
while IFS= read -r name; do INSIDE[$name]=1; done < <(find "$STAGE/$PREFIX" -name '*.so*' -printf '%f\n')
declare -A PACKAGES=()
LDCONFIG=${LDCONFIG:-/sbin/ldconfig}
ABI=$("$LDCONFIG" -p | awk '$1 == "libc.so.6" && !a {a = $2} END {print a}')   # (libc6,x86-64)
owner_of() {  # the package that ships library $1 (dpkg knows /lib and /usr/lib apart)
    local path real candidate owner
    path=$("$LDCONFIG" -p | awk -v s="$1" -v abi="$ABI" '$1 == s && $2 == abi && !p {p = $NF} END {print p}')
    [ -n "$path" ] || return 0
    real=$(realpath "$path")
    for candidate in "$path" "$real" "${path#/usr}" "${real#/usr}" "/usr${path}" "/usr${real}"; do
        owner=$(dpkg-query -S "$candidate" 2>/dev/null) || continue
        printf '%s\n' "${owner%%:*}"
        return 0
    done
    return 0
}
missing=()
while IFS= read -r soname; do
    [ -n "${INSIDE[$soname]:-}" ] && continue
    owner=$(owner_of "$soname")
    [ -n "$owner" ] || { missing+=("$soname"); continue; }
    PACKAGES[$owner]=1
done < <(for f in "${ELFS[@]}"; do objdump -p "$f" | awk '$1 == "NEEDED" {print $2}'; done | sort -u)
[ "${#missing[@]}" -eq 0 ] || die "no installed package ships ${missing[*]}: install it and rebuild"
# The newest glibc symbol version any ELF file asks for is the least libc6 it runs on.
glibc=$(for f in "${ELFS[@]}"; do objdump -T "$f" 2>/dev/null; done \
    | grep -o 'GLIBC_[0-9.]*[0-9]' | sed 's/GLIBC_//' | sort -uV | tail -1)
[ -n "$glibc" ] || die "no glibc symbol version found in the bundle"
LIBS=$(printf '%s\n' "${!PACKAGES[@]}" | sort | sed "s/^libc6\$/libc6 (>= $glibc)/" | paste -sd, | sed 's/,/, /g')

# Depends, part 2: what a desktop program needs of the desktop. The KSeF token lives in
# the Secret Service (GNOME Keyring; KWallet's kwalletd5 and KeePassXC also serve it),
# reached over the session bus; the bundled fontconfig reads the system's configuration
# and needs a font with Polish letters.
DESKTOP="fontconfig-config, fonts-dejavu-core | fonts-noto-core | fonts-liberation2"
DESKTOP+=", gnome-keyring | libkf5wallet-bin | keepassxc"
DESKTOP+=", default-dbus-session-bus | dbus-session-bus"

mkdir -p "$STAGE/DEBIAN"
(cd "$STAGE" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"
SIZE=$(du -sk --apparent-size "$STAGE/usr" | cut -f1)
cat >"$STAGE/DEBIAN/control" <<EOF
Package: $PKG
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $SIZE
Depends: $LIBS, $DESKTOP
Recommends: xdg-utils
Section: misc
Priority: optional
Description: issue FA(3) invoices through KSeF, online and offline
 KSeF Desktop is a desktop program with which a Polish sole trader issues
 structured invoices (FA(3)) through KSeF, the national e-invoicing system.
 Issuing an invoice freezes its XML, its hash and a PDF with the QR codes
 the law requires, even without internet access; the program delivers it to
 KSeF within the deadline of the offline mode it was issued in, and shows
 what KSeF accepted with the official receipts (UPO).
 .
 A built-in Sandbox, a local server speaking KSeF's format, lets anyone try
 everything without credentials. The KSeF token is kept in the desktop's
 keyring only. Polish first, English second.
EOF
chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/md5sums"

mkdir -p "$OUT"
DEB=$(realpath "$OUT")/${PKG}_${VERSION}_${ARCH}.deb
level=()
[ -n "${DEB_COMPRESSION_LEVEL:-}" ] && level=(-z"$DEB_COMPRESSION_LEVEL")
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" "${level[@]}" --build "$STAGE" "$DEB" >/dev/null
echo "$DEB"
