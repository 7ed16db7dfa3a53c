"""``python -m evosynth ancestor``: the stage ``ancestor`` without its notebook, and the beyond
pipeline's ``ancestor-seed@<k>`` (the ancestor of replicate seed k)."""

from ..cli import RECIPE, Command, arg, show


def _run(params, args):
    from ..experiment.paths import Paths
    from ..experiment.stages.ancestor import ancestor
    summary = ancestor(params.for_recipe(args.recipe, args.seed),
                       Paths().for_recipe(args.recipe).for_run(args.seed)).summary
    show({k: summary[k] for k in ("synapses", "train_seconds", "val")})


COMMAND = Command(
    "ancestor", "stage ancestor: train generation 0",
    "Train the ancestor (section ancestor) into models/gen0 and results/gen0; with --seed K "
    "(one of replicate.seeds), the ancestor of seed K (every seed shifted by K) into "
    "models/seeds/seedK/gen0 and results/seeds/seedK/gen0. With --recipe best-effort, the "
    "ancestor of that recipe's seed K (best_effort.ancestor_epochs, seed 0 too) into "
    "models/best-effort/seedK/gen0.", _run,
    (arg("--seed", type=int, default=0,
         help="0: the default pipeline's ancestor; K: replicate seed K (default: %(default)s)"),
     RECIPE),
    group=0, order=1)
