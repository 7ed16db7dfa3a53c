"""``python -m evosynth training-curves``: the stage ``training-curves``."""

from ..cli import Command


def _run(params, args):
    from ..experiment.stages.training_curves import training_curves
    summary = training_curves(params)
    for recipe, arms in summary["curves"].items():
        for arm, seeds in arms.items():
            trained = {seed: len(run["starts"]) for seed, run in seeds.items() if run["scores"]}
            print(f"{recipe} {arm}: generations trained per seed {trained or 'none yet'}")


COMMAND = Command(
    "training-curves", "stage training-curves: the lineage and its control, epoch by epoch",
    "Read the training records of the default lineage and its dense control under each recipe "
    "(the first recipe's replicate seeds, every best-effort seed trained so far) and draw the "
    "validation adaptive F-beta after every epoch of the ancestor and of each generation in "
    "turn: results/training_curves.json and .png. Reads no network and no test split.", _run,
    group=1, order=5)
