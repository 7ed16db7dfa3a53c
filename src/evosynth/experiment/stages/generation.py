"""Stage ``generation``: one offspring generation of a lineage, synthesized from its parent's
checkpoint and trained (:func:`evosynth.method.lineage.make_generation`).

The lineage section ``generation`` is the paper's (``models/genK``); another section, such as
``structured``, is a second lineage from the same ancestor (``models/structured/genK``).
"""

from __future__ import annotations

import torch

from ...method.checkpoints import load_checkpoint, load_network
from ..config import GenerationParams, Params
from ...method.data import SaliencySet
from ...method.genetics import Masks, build_environment
from ...method.lineage import Generation, Recipe, make_generation
from ...method.models import SaliencyNet
from ..paths import Paths
from ...method.training import evaluate
from ..save import save_generation
from ..cli import Command, RECIPE, arg, main, show
from ...hparams import DEFAULT, STRUCTURED


def recipe(section: GenerationParams, name: str) -> Recipe:
    """How generation ``name`` of a lineage section is made (:class:`~evosynth.method.lineage.Recipe`);
    a clear error, naming the lineage, for a generation that is not in it."""
    spec = section.offspring(name)
    environment = build_environment(**spec.environment.model_dump()) \
        if spec.environment is not None else None
    return Recipe(environment=environment, seed=spec.seed,
                  train=section.train_for(name).to_config(), init=section.init,
                  normalization=section.normalization, mode=section.mode,
                  population=section.population, selection=section.selection)


def generation(params: Params, name: str, paths: Paths = Paths(), progress: bool = True,
               section: str = "generation") -> Generation:
    """Synthesize generation ``name`` of lineage ``section`` from its parent, train it, write
    it under ``paths.for_lineage(section)`` and return it."""
    g = params.lineage_section(section)
    how = recipe(g, name)            # raises, naming the section, for an unknown generation
    spec = g.lineage[name]
    where = paths.for_lineage(section)
    base = params.ancestor.model.to_config()
    parent_state = load_checkpoint(where.network(spec.parent))
    parent = load_network(parent_state, base)
    parent_masks = parent_state["masks"] if parent_state.get("masks") is not None \
        else Masks.ones_like(parent)
    rewind_state = None
    if g.init == "rewind":
        if not where.rewind.is_file():
            raise FileNotFoundError(f"{where.rewind}: the rewind init mode needs the ancestor's "
                                    "early weights (set ancestor.rewind_steps > 0)")
        rewind_state = torch.load(where.rewind, map_location="cpu", weights_only=True)
    train_set = SaliencySet.load(where.split("train")).tensors()
    val_set = SaliencySet.load(where.split("val")).tensors()
    result = make_generation(
        parent, parent_masks, how, train_set, build=lambda: SaliencyNet(parent.config),
        validate=lambda net: evaluate(net, val_set, device=how.train.device).summary(),
        rewind_state=rewind_state, progress=progress, description=name,
        live_dir=where.live(name))
    unit = "filters" if g.mode == "structured" else "synapses"
    environment = spec.environment
    save_generation(where, name, result, parent=spec.parent,
                    environment=environment.model_dump() if environment else None,
                    environment_text=environment.describe(unit) if environment
                    else "none: every synapse of the parent kept (the dense control)")
    return result


# -- the command line: `python -m evosynth generation`, or this module run as a program --

def _command(params, args):
    summary = generation(params.for_recipe(args.recipe, args.seed, args.section), args.name,
                         Paths().for_recipe(args.recipe).for_run(args.seed),
                         section=args.section).summary
    show({k: summary[k] for k in ("generation", "synapses", "parent_synapses", "train_seconds",
                                  "val")})


COMMAND = Command(
    "generation", "stage generation: synthesize and train one offspring generation of a lineage",
    f"Run one generation of a lineage section: {DEFAULT.section!r} (the paper's, models/genK) "
    f"or a second lineage such as {STRUCTURED.section!r} (models/{STRUCTURED.folder}/genK, "
    "from the same ancestor). With --seed K (a replicate seed), generation K of that seed's "
    "lineage, from its own ancestor, under models/seeds/seedK/; with --recipe best-effort, of "
    "that recipe's seed K (its epochs: best_effort), under models/best-effort/seedK/.", _command,
    (arg("name", help="generation to run (gen1, gen2, ...)"),
     arg("--section", default=DEFAULT.section,
         help="lineage section of the parameters file (default: %(default)s)"),
     arg("--seed", type=int, default=0,
         help="0: the section itself; K: replicate seed K (default: %(default)s)"),
     RECIPE),
    group=0, order=2)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
