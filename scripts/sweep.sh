#!/usr/bin/env bash
# The environmental-factor sweep: one queued DVC experiment per F(E) (the `sweep` stage of
# beyond/dvc.yaml), run by the queue's workers, gathered into an accuracy-vs-synapses
# frontier (results/sweep/frontier.{json,png}).
#
#   bash scripts/sweep.sh                  # F(E) = 0.4 0.55 0.7 0.85 1.0, one worker
#   JOBS=4 bash scripts/sweep.sh 0.5 0.9   # other factors, four workers (more cores/machines)
#
# Needs a git repository with the current code committed (experiments run in copies of it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DVC=.venv/bin/dvc
factors=("$@")
[ ${#factors[@]} -gt 0 ] || factors=(0.4 0.55 0.7 0.85 1.0)
for f in "${factors[@]}"; do
  "$DVC" exp run --queue beyond/dvc.yaml:sweep -S "sweep.factor=$f"
done
"$DVC" queue start --jobs "${JOBS:-1}"
while "$DVC" queue status | grep -qE "Queued|Running"; do sleep 10; done
"$DVC" queue status
mkdir -p results/sweep
"$DVC" exp show --json > results/sweep/experiments.json
.venv/bin/python -m evosynth frontier results/sweep/experiments.json
