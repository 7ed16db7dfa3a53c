"""Stage ``ancestor``: generation 0, trained with every synapse alive."""

from __future__ import annotations

from ..config import Params
from ...method.data import SaliencySet
from ...method.lineage import Generation, make_ancestor
from ...method.models import SaliencyNet
from ..paths import Paths
from ...method.training import evaluate
from ..save import save_generation
from ..cli import Command, RECIPE, arg, main, show


def ancestor(params: Params, paths: Paths = Paths(), progress: bool = True) -> Generation:
    """Train the ancestor of ``params.ancestor``; writes it (and, with ``rewind_steps``, its
    early weights: :func:`~evosynth.experiment.save.save_generation`) and returns it."""
    p = params.ancestor
    model = p.model.to_config()
    train_set = SaliencySet.load(paths.split("train")).tensors()
    val_set = SaliencySet.load(paths.split("val")).tensors()
    result = make_ancestor(lambda: SaliencyNet(model), train_set,
                           p.train.to_config(p.rewind_steps), init_seed=p.init_seed,
                           validate=lambda net: evaluate(net, val_set,
                                                         device=p.train.device).summary(),
                           progress=progress, live_dir=paths.live("gen0"))
    save_generation(paths, "gen0", result)
    return result


# -- the command line: `python -m evosynth ancestor`, or this module run as a program --

def _command(params, args):
    summary = ancestor(params.for_recipe(args.recipe, args.seed),
                       Paths().for_recipe(args.recipe).for_run(args.seed)).summary
    show({k: summary[k] for k in ("synapses", "train_seconds", "val")})


COMMAND = Command(
    "ancestor", "stage ancestor: train generation 0",
    "Train the ancestor (section ancestor) into models/gen0 and results/gen0; with --seed K "
    "(one of replicate.seeds), the ancestor of seed K (every seed shifted by K) into "
    "models/seeds/seedK/gen0 and results/seeds/seedK/gen0. With --recipe best-effort, the "
    "ancestor of that recipe's seed K (best_effort.ancestor_epochs, seed 0 too) into "
    "models/best-effort/seedK/gen0.", _command,
    (arg("--seed", type=int, default=0,
         help="0: the default pipeline's ancestor; K: replicate seed K (default: %(default)s)"),
     RECIPE),
    group=0, order=1)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
