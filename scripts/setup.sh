#!/usr/bin/env bash
# Idempotent set-up on a fresh Debian/Ubuntu machine with Python 3.11:
#   1. .venv/ at the repository root with exactly the packages of requirements.lock (every
#      package at an exact version, checked against its hashes; reinstalled only when the lock
#      or pyproject.toml changes), then evosynth itself (editable, no dependencies);
#   2. the raw data in data/raw (Debian's dataset-fashion-mnist, else the official download,
#      plus photographs bundled with scikit-image / scikit-learn), checked against data.dvc.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python_bin=${PYTHON:-}
if [ -z "$python_bin" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python_bin=$candidate; break; fi
  done
fi
"$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "setup: Python 3.11 or newer is needed (found $("$python_bin" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
}

stamp=.venv/.setup-stamp
want=$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing requirements.lock into .venv (a few minutes the first time)"
  [ -x .venv/bin/python ] || "$python_bin" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet --no-compile --require-hashes --no-deps -r requirements.lock
  # Byte-compile on every core (pip compiles one file at a time). Needed, not optional: where
  # PYTHONDONTWRITEBYTECODE is set, Python never writes a .pyc, and every process would compile
  # torch again. A file that does not compile (templates, test data) is skipped, as pip skips it.
  .venv/bin/python -m compileall -qq -j 0 .venv/lib/python3*/site-packages >/dev/null || true
  .venv/bin/python -m pip install --quiet --no-deps -e .
  .venv/bin/python -m pip check
  echo "$want" > "$stamp"
fi

# Fashion-MNIST from Debian when we may install packages; fetch-data falls back to the download.
if [ ! -d /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
  fi
  if [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; then
    echo "setup: installing Debian's dataset-fashion-mnist"
    $sudo apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 \
      || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1; } \
      || echo "setup: apt-get could not install dataset-fashion-mnist; trying the official download"
  fi
fi

# Debian's Chromium for tests/book/test_book_render.py (the built book in a headless browser,
# driven by Playwright: no `playwright install`). Same rules as above; not needed to build.
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  fi
  if [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; then
    echo "setup: installing Debian's chromium (for the book's rendering test)"
    apt="$sudo env DEBIAN_FRONTEND=noninteractive apt-get"
    $apt install -y -q chromium >/dev/null 2>&1 \
      || { $apt update -q >/dev/null 2>&1 && $apt install -y -q chromium >/dev/null 2>&1; } \
      || echo "setup: apt-get could not install chromium; tests/book/test_book_render.py needs it"
  fi
fi

.venv/bin/python -m evosynth fetch-data --dest data/raw
# Check data/raw against the hash pinned in data.dvc: `dvc commit` hashes the folder (and puts
# it in DVC's cache, so that `dvc status` is clean); the pin must not move.
pinned=$(mktemp)
cp data.dvc "$pinned"
.venv/bin/dvc commit --force --quiet data.dvc
if ! cmp -s data.dvc "$pinned"; then
  echo "setup: data/raw does not match the hashes pinned in data.dvc:" >&2
  diff "$pinned" data.dvc >&2 || true
  cp "$pinned" data.dvc
  rm -f "$pinned"
  echo "setup: remove data/raw and run again; if it persists, the sources changed (see data.dvc)" >&2
  exit 1
fi
rm -f "$pinned"
echo "setup: ready (.venv, data/raw matches data.dvc)"
