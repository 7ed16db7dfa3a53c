"""``python -m evosynth sweep``: the stage ``sweep`` (one point of the F(E) sweep)."""

from ..cli import Command


def _run(params, args):
    from ..experiment.stages.sweep import sweep
    sweep(params)


COMMAND = Command("sweep", "stage sweep: one point of the F(E) sweep",
                  "Train the darwin/inherit lineage of study task sweep.task with every "
                  "generation in the constant environment sweep.factor; write "
                  "results/sweep.json. scripts/sweep.sh queues one DVC experiment per factor.",
                  _run, group=1, order=4)
