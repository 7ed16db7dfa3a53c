"""Stage ``small-dense@seed<k>-gen<g>`` (``beyond/dvc.yaml``): the baseline a reviewer asks for
first. Does evolution find anything that a small network trained from scratch does not? The
ancestor's network narrowed to generation g's synapse count (the same seed's default lineage),
trained from scratch with the ancestor's recipe for as many epochs as generation g had in all.
Only the train and validation splits are read."""

from __future__ import annotations

import dataclasses
from typing import Any

from ...method.checkpoints import load_checkpoint
from ..config import Params, ParamsError
from ...method.data import SaliencySet
from ...method.genetics import Masks
from ...hparams import DEFAULT, RECIPES, SaliencyNetConfig
from ...method.lineage import Generation, make_ancestor
from ...method.models import SaliencyNet
from ..paths import Paths
from ...method.training import evaluate
from ..save import save_generation
from ..cli import Command, RECIPE, arg, main, show


def _synapses(config: SaliencyNetConfig) -> int:
    return Masks.ones_like(SaliencyNet(config)).count()


def narrowed(base: SaliencyNetConfig, synapses: int) -> tuple[SaliencyNetConfig, float]:
    """``base`` with every convolution's filters scaled by one factor (rounded, at least 1)
    so that the network's synapses are as close to ``synapses`` as the factor allows (bisection
    over the factor); returns the config and the factor."""
    full = _synapses(base)
    if not 0 < synapses <= full:
        raise ValueError(f"synapses must be in 1..{full} (the ancestor's), got {synapses}")

    def config(factor: float) -> SaliencyNetConfig:
        return dataclasses.replace(base, channels=tuple(max(1, round(c * factor))
                                                        for c in base.conv_channels))

    def size(factor: float) -> int:
        return _synapses(config(factor))

    low, high = 0.0, 1.0
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if size(middle) < synapses else (low, middle)
    factor = min((low, high), key=lambda f: abs(size(f) - synapses))
    return config(factor), factor


def total_epochs(params: Params, generation: str) -> int:
    """The epochs generation ``generation`` of the default lineage had in all: the ancestor's
    and every offspring's up to it."""
    g = params.generation
    names = g.generations[:g.generations.index(generation) + 1]
    return params.ancestor.train.epochs + sum(g.train_for(n).epochs for n in names)


def small_dense(params: Params, seed: int, generation: str, paths: Paths = Paths(),
                progress: bool = True, recipe: str = RECIPES[0]) -> Generation:
    """Train the small dense network of generation ``generation``'s size for seed ``seed``
    (one of ``small_dense.seeds``; under the best-effort recipe, of
    ``best_effort.small_dense_seeds``), write it under
    ``paths.for_recipe(recipe).for_run(seed).small_dense()`` and return it."""
    section = params.small_dense
    if section is None:
        raise ParamsError("params.yaml has no small_dense section (seeds, generations)")
    seeds, where_seeds = section.seeds, "small_dense.seeds"
    if recipe != RECIPES[0] and params.best_effort is not None:
        seeds, where_seeds = params.best_effort.small_dense_seeds, \
            "best_effort.small_dense_seeds"
    if seed not in seeds:
        raise ParamsError(f"seed {seed} is not in {where_seeds} "
                          f"({', '.join(map(str, seeds)) or 'none'})")
    if generation not in section.generations:
        raise ParamsError(f"generation {generation!r} is not in small_dense.generations "
                          f"({', '.join(section.generations)})")
    seeded = params.for_recipe(recipe, seed, DEFAULT.section)
    run = paths.for_recipe(recipe).for_run(seed)
    source = run.network(generation)
    if not source.is_file():
        raise FileNotFoundError(f"{source}: the small dense network takes its size from "
                                f"generation {generation} of seed {seed}'s default lineage; "
                                "train that first")
    target = int(load_checkpoint(source)["masks"].count())
    config, factor = narrowed(seeded.ancestor.model.to_config(), target)
    a = seeded.ancestor
    train = a.train.model_copy(update={"epochs": total_epochs(seeded, generation)})
    train_set = SaliencySet.load(paths.split("train")).tensors()
    val_set = SaliencySet.load(paths.split("val")).tensors()
    where = run.small_dense()
    result = make_ancestor(lambda: SaliencyNet(config), train_set, train.to_config(),
                           init_seed=a.init_seed,
                           validate=lambda net: evaluate(net, val_set,
                                                         device=train.device).summary(),
                           progress=progress, description=f"small dense {generation}",
                           live_dir=where.live(generation))
    result.summary["channels"] = list(config.channels)
    info: dict[str, Any] = {"size_of": generation, "target_synapses": target,
                            "width_factor": round(factor, 6)}
    save_generation(where, generation, result, **info)
    return result


# -- the command line: `python -m evosynth small-dense`, or this module run as a program --

def _command(params, args):
    summary = small_dense(params, args.seed, args.generation, recipe=args.recipe).summary
    show({k: summary[k] for k in ("size_of", "target_synapses", "synapses", "width_factor",
                                  "epochs", "train_seconds", "val")})


COMMAND = Command(
    "small-dense", "stage small-dense: a small dense network of an offspring's size",
    "Narrow the ancestor's network (every convolution's filters scaled by one factor) to the "
    "synapse count of generation GEN of seed SEED's default lineage, and train it from "
    "scratch with the ancestor's recipe for as many epochs as that generation had in all "
    "(ancestor and offspring), into models/small-dense/GEN (models/seeds/seedSEED/small-dense/ "
    "for a replicate seed; models/best-effort/seedSEED/small-dense/ under --recipe best-effort, "
    "sized on that recipe's lineage). Reads the train and validation splits only.", _command,
    (arg("generation", help="a generation of small_dense.generations (gen4, ...)"),
     arg("--seed", type=int, default=0, help="a seed of small_dense.seeds (default: %(default)s)"),
     RECIPE),
    group=1, order=4)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
