"""``python -m evosynth evaluate``: the stage ``evaluate`` without its notebook."""

from ..cli import Command, show


def _run(params, args):
    from ..experiment.stages.evaluate import evaluate
    show(evaluate(params).metrics)


COMMAND = Command("evaluate", "stage evaluate: every generation on the test split",
                  "Score gen0..genN on the test split: results/metrics.json, results/plots/ and "
                  "the examples the book draws.", _run, group=0, order=3)
