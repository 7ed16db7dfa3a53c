#!/usr/bin/env bash
# The main job: set-up if needed, then the whole default pipeline (dvc repro) and the book.
# Extra arguments go to `dvc repro` (e.g. a stage name, or --force).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
if [ -f dvc.yaml ]; then
  dvc repro "$@"
fi
jupyter-book build . -W --keep-going
echo "main: book built in _build/html/index.html"
