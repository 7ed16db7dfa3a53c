"""``python -m evosynth small-dense``: the stage ``small-dense@seed<k>-gen<g>``."""

from ..cli import RECIPE, Command, arg, show


def _run(params, args):
    from ..experiment.stages.small_dense import small_dense
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
    "sized on that recipe's lineage). Reads the train and validation splits only.", _run,
    (arg("generation", help="a generation of small_dense.generations (gen4, ...)"),
     arg("--seed", type=int, default=0, help="a seed of small_dense.seeds (default: %(default)s)"),
     RECIPE),
    group=1, order=4)
