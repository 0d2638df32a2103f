#!/usr/bin/env bash
# Build the one-folder bundle: dist/ksef-desktop/ksef-desktop (packaging/README.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-.venv/bin/python}
OUT=${1:-dist}
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$OUT" --workpath "${WORKPATH:-build/pyinstaller}" packaging/ksef-desktop.spec
echo "$OUT/ksef-desktop/ksef-desktop"
