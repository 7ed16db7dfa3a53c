"""``python -m evosynth prepare``: the stage ``prepare`` without its notebook."""

from ..cli import Command, show


def _run(params, args):
    from ..experiment.stages.prepare import prepare, split_summary
    show(split_summary(prepare(params)))


COMMAND = Command("prepare", "stage prepare: build and save the train / val / test splits",
                  "Build the configured data set's splits (section prepare) into data/prepared.",
                  _run, group=0, order=0)
