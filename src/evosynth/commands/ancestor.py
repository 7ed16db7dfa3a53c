"""``python -m evosynth ancestor``: the stage ``ancestor`` without its notebook."""

from ..cli import Command, show


def _run(params, args):
    from ..stages.ancestor import ancestor
    summary = ancestor(params).summary
    show({k: summary[k] for k in ("synapses", "train_seconds", "val")})


COMMAND = Command("ancestor", "stage ancestor: train generation 0",
                  "Train the ancestor (section ancestor) into models/gen0 and results/gen0.",
                  _run, group=0, order=1)
