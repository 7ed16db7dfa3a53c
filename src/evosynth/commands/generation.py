"""``python -m evosynth generation``: one generation of a lineage (the stage ``generation``
without its notebook, and the beyond pipeline's ``offspring`` stages)."""

from ..cli import RECIPE, Command, arg, show
from ..hparams import DEFAULT, STRUCTURED


def _run(params, args):
    from ..experiment.paths import Paths
    from ..experiment.stages.generation import generation
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
    "that recipe's seed K (its epochs: best_effort), under models/best-effort/seedK/.", _run,
    (arg("name", help="generation to run (gen1, gen2, ...)"),
     arg("--section", default=DEFAULT.section,
         help="lineage section of the parameters file (default: %(default)s)"),
     arg("--seed", type=int, default=0,
         help="0: the section itself; K: replicate seed K (default: %(default)s)"),
     RECIPE),
    group=0, order=2)
