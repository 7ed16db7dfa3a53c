"""``python -m evosynth replicate``: the stage ``replicate@<seed>``."""

from ..cli import Command, arg, show


def _run(params, args):
    from ..stages.replicate import replicate
    rows = replicate(params, args.seed)
    show({k: round(v["f_beta_adaptive"], 4) for k, v in rows.items()})


COMMAND = Command(
    "replicate", "stage replicate: the default experiment again with another seed",
    "Train a new ancestor, the default lineage and its dense control with seed SEED (one of "
    "replicate.seeds; every seed shifted as the study shifts them) into models/seeds/seedSEED "
    "and results/seeds/seedSEED, and write both lineages' test-split scores to "
    "results/seeds/seedSEED/metrics.json.", _run,
    (arg("seed", type=int, help="a seed of replicate.seeds (1, 2, ...)"),), group=1, order=3)
