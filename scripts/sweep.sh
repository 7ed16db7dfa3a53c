#!/usr/bin/env bash
# The environmental-factor sweep: one queued DVC experiment per F(E) (the `sweep` stage of
# beyond/dvc.yaml), run by the queue's workers, gathered into an accuracy-vs-synapses
# frontier (results/sweep/frontier.{json,md,png}).
#
#   bash scripts/sweep.sh                  # F(E) = 0.4 0.55 0.7 0.85 1.0, one worker
#   JOBS=4 bash scripts/sweep.sh 0.5 0.9   # other factors, four workers (more cores/machines)
#
# Experiments run in copies of the repository: commit your code first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/.venv/bin:$PATH"   # the queue's workers start `dvc` and `python` themselves
factors=("$@")
[ ${#factors[@]} -gt 0 ] || factors=(0.4 0.55 0.7 0.85 1.0)
for f in "${factors[@]}"; do
  dvc exp run --queue beyond/dvc.yaml:sweep -S "sweep.factor=$f"
done
dvc queue start --jobs "${JOBS:-1}"
sleep 5
while dvc queue status | grep -E "Queued|Running" > /dev/null; do sleep 10; done
dvc queue status
if dvc queue status | grep -q "Failed"; then
  echo "sweep: some experiments failed; see \`dvc queue logs <task>\`" >&2
  exit 1
fi
mkdir -p results/sweep
dvc exp show --json > results/sweep/experiments.json
python -m evosynth frontier results/sweep/experiments.json
