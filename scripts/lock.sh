#!/usr/bin/env bash
# Refresh requirements.lock, the complete environment of the pipeline, from pyproject.toml's
# ranges: every package at an exact version with its hashes (uv pip compile), for CPython 3.11.7
# on x86_64 Linux (the project's machines). Versions already in the lock are kept unless a
# range excludes them; pass --upgrade (or --upgrade-package NAME) to move them.
#   bash scripts/lock.sh                 # after editing pyproject.toml's dependencies
#   bash scripts/lock.sh --upgrade       # newest versions the ranges allow
# uv runs from a throwaway virtual environment (.venv-tools/, ignored by git).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python_bin=${PYTHON:-python3}
if [ ! -x .venv-tools/bin/uv ]; then
  "$python_bin" -m venv .venv-tools
  .venv-tools/bin/python -m pip install --quiet "uv>=0.5,<1"
fi
.venv-tools/bin/uv pip compile pyproject.toml --extra all --generate-hashes \
  --python-version 3.11.7 --python-platform x86_64-manylinux_2_28 \
  --custom-compile-command "bash scripts/lock.sh" \
  --output-file requirements.lock "$@"
