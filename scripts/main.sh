#!/usr/bin/env bash
# The main job: set-up if needed, then the whole default pipeline (dvc repro) and the book.
# Extra arguments go to `dvc repro` (e.g. a stage name, or --force).
#
# Before it trains, it says what it will run and about how long that takes on this machine
# (python -m evosynth estimate: a few training steps timed here). Stopped (Ctrl-C) and run
# again, it continues from the last finished stage. After `dvc repro` it checks the rerun
# against the committed run (python -m evosynth verify, into results/local/verify.md, which
# the book's Reproducibility page shows). On a machine whose arithmetic differs from the
# committed run's, the book then shows two runs and every page says which one it shows.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
if [ -f dvc.yaml ]; then
  everything=()
  for arg in "$@"; do [ "$arg" = "--force" ] || [ "$arg" = "-f" ] && everything=(--all); done
  python -m evosynth estimate "${everything[@]}" || echo "main: (no estimate: see above)"
  dvc repro "$@"
  mkdir -p results/local
  status=0
  python -m evosynth verify --markdown > results/local/verify.md.tmp || status=$?
  mv results/local/verify.md.tmp results/local/verify.md
  case $status in
    0) echo "main: the rerun reproduces the committed run (results/local/verify.md)" ;;
    1) echo "main: some generation is not reproduced: see results/local/verify.md" ;;
    *) echo "main: the reproduction check failed (status $status): see results/local/verify.md" ;;
  esac
fi
jupyter-book build . -W --keep-going
echo "main: book built in _build/html/index.html"
