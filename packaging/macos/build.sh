#!/usr/bin/env bash
# macOS: build KSeF Desktop.app and its disk image. Run on a Mac (12 or later; PyInstaller
# does not cross-compile), after `pip install -e '.[dev]'` in a Python 3.11 environment:
#
#   packaging/macos/build.sh [OUT_DIR]     # -> OUT_DIR/KSeF-Desktop-VERSION.dmg
#
# The version is read from ksef_desktop/__init__.py: the spec stamps it into Info.plist
# (CFBundleShortVersionString) and this script names the .dmg after it. The keyring is the
# login Keychain (keyring's macOS backend, in the bundle): nothing to install. The user
# opens the .dmg and drags the app onto Applications; removing the app (to the Bin) leaves
# the data folder, ~/Library/Application Support/ksef-desktop, and the Keychain items.
#
# Signing: PyInstaller signs the app ad hoc (enough to run on Apple silicon). Set
# CODESIGN_IDENTITY to a "Developer ID Application" identity to sign it for distribution;
# notarisation (xcrun notarytool) needs the project's Apple account and is not done here.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=${PYTHON:-python3}
[ -x "$ROOT/.venv/bin/python" ] && [ -z "${PYTHON:-}" ] && PY=$ROOT/.venv/bin/python
OUT=${1:-$ROOT/dist}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

VERSION=$(sed -n 's/^__version__ = "\([^"]*\)"$/\1/p' "$ROOT/ksef_desktop/__init__.py")
[ -n "$VERSION" ] || { echo "no __version__ in ksef_desktop/__init__.py" >&2; exit 1; }

"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath "$OUT" \
    --workpath "${WORKPATH:-$ROOT/build/pyinstaller}" "$ROOT/packaging/ksef-desktop.spec"

APP="$OUT/KSeF Desktop.app"
said=$("$APP/Contents/MacOS/ksef-desktop" --version)
[ "$said" = "ksef-desktop $VERSION" ] || { echo "the app says '$said', the source $VERSION" >&2; exit 1; }
plist_version=$(plutil -extract CFBundleShortVersionString raw "$APP/Contents/Info.plist")
case $VERSION in "$plist_version"*) ;; *) echo "Info.plist says $plist_version" >&2; exit 1 ;; esac

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --deep --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$APP"
fi
codesign --verify --deep "$APP"

# The disk image: the app and a link to /Applications to drag it onto.
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
ditto "$APP" "$STAGE/KSeF Desktop.app"
ln -s /Applications "$STAGE/Applications"
DMG="$OUT/KSeF-Desktop-$VERSION.dmg"
hdiutil create -volname "KSeF Desktop $VERSION" -srcfolder "$STAGE" -fs HFS+ \
    -format UDZO -ov "$DMG" >/dev/null
hdiutil verify "$DMG" >/dev/null
echo "$DMG"
