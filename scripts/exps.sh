#!/usr/bin/env bash
# `dvc exp show` with the columns that compare experiments of the default pipeline: the name,
# the time, and per generation the synapses, reduction, test F-beta (adaptive and max) and
# validation F-beta after the last epoch (dvclive's record). Plain `dvc exp show` also lists
# every parameter and every dependency hash of both pipelines as a column (over 300).
# Extra arguments go to `dvc exp show` (e.g. --csv, --md, -A).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/.venv/bin:$PATH"
exec dvc exp show --no-pager --drop '.*' \
  --keep 'Experiment|Created|results/metrics.json:.*|gen[0-9]+\.(f_beta_adaptive|f_beta_max)|results/gen[0-9]+/live/metrics.json:val.*' "$@"
