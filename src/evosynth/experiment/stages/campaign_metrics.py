"""Stage ``campaign-metrics`` (``beyond/dvc.yaml``, and ``best-effort-campaign-metrics``
under the best-effort recipe): the test-split scores of every network of the replicate seeds
and of the small dense networks, keyed as in ``beyond.json``. It only evaluates: the stages
that train read the train and validation splits alone."""

from __future__ import annotations

from ...hparams import DEFAULT, NEWBORN, RECIPE_TASKS, RECIPES, REPLICATED, SMALL_DENSE
from ...method.atomic import write_json
from ...method.checkpoints import load_checkpoint, load_network
from ...method.data import SaliencySet
from ...method.genetics import Masks
from ...method.models import SaliencyNet
from ...method.training import evaluate
from ..config import Params, ParamsError
from ..paths import Paths
from ..study import result_key
from .lineage_metrics import lineage_scores
from ..cli import Command, RECIPE, main


def _campaign_seeds(params: Params, recipe: str) -> tuple[dict[str, list[int]], list[int]]:
    """The seeds of each replicated lineage (by section) and of the small dense networks that
    ``campaign_metrics`` scores under ``recipe``: the first recipe's beside seed 0 (whose
    lineages ``lineage-metrics`` scores), every seed of the best-effort recipe."""
    if recipe == RECIPES[0]:
        replicate = params.replicate
        lineages = {lin.section: [] if replicate is None else replicate.newborn_seeds
                    if lin is NEWBORN else replicate.seeds for lin in REPLICATED}
        return lineages, params.small_dense.seeds if params.small_dense else []
    best = params.best_effort
    if best is None:
        raise ValueError("params has no best_effort section")
    lineages = {lin.section: best.newborn_seeds if lin is NEWBORN else best.seeds
                for lin in REPLICATED}
    return lineages, best.small_dense_seeds if params.small_dense else []


def campaign_metrics(params: Params, paths: Paths = Paths(), batch_size: int = 64,
                     device: str = "auto", recipe: str = RECIPES[0],
                     ) -> tuple[dict[str, dict[str, float]], list[str]]:
    """The test-split scores of every network of the campaign that is not seed 0's lineage:
    each replicate seed's default lineage, dense control and (``replicate.newborn_seeds``)
    newborn lineage, and every small dense network (``small_dense``), keyed as in
    ``beyond.json``; written to ``results/campaign.json``. Under the best-effort recipe, every
    network it trained, seed 0 too (``best_effort``), keyed with its own task, written to
    ``results/best-effort/campaign.json``. The campaign lands stage by stage, so a lineage or
    network not trained yet is left out and named in the list returned with the scores (its
    claims stay untested)."""
    rows: dict[str, dict[str, float]] = {}
    missing: list[str] = []
    task = RECIPE_TASKS[recipe]
    lineage_seeds, small_seeds = _campaign_seeds(params, recipe)
    paths = paths.for_recipe(recipe)
    for lineage in REPLICATED:
        for seed in lineage_seeds[lineage.section]:
            try:
                seeded = params.for_recipe(recipe, seed, lineage.section)
            except ParamsError as error:      # its epochs not chosen yet: nothing trained
                missing.append(f"{lineage.name} seed {seed} ({error})")
                continue
            try:
                rows.update(lineage_scores(seeded, lineage.section, lineage.method,
                                           paths.for_run(seed), task=task,
                                           batch_size=batch_size, device=device))
            except FileNotFoundError as error:
                missing.append(f"{lineage.name} seed {seed} ({error.filename or error})")
    test = SaliencySet.load(paths.split("test")).tensors()
    base = params.ancestor.model.to_config()
    ancestor_synapses = Masks.ones_like(SaliencyNet(base)).count()
    for seed in small_seeds:
        where = paths.for_run(seed).small_dense()
        for name in params.small_dense.generations:
            if not where.network(name).is_file():
                missing.append(f"{SMALL_DENSE} seed {seed} {name}")
                continue
            seeded = params.for_recipe(recipe, seed, DEFAULT.section)
            state = load_checkpoint(where.network(name))
            network = load_network(state, base)
            synapses = state["masks"].count()
            scores = evaluate(network, test, batch_size, device).summary()
            rows[result_key(task, f"{SMALL_DENSE}/newborn", seeded.ancestor.train.seed,
                            int(name.removeprefix("gen")))] = {
                "synapses": synapses, "reduction": ancestor_synapses / max(synapses, 1),
                "f_beta_adaptive": scores["f_beta_adaptive"],
                "f_beta_max": scores["f_beta_max"], "mae": scores["mae"]}
    write_json(paths.campaign_metrics, dict(sorted(rows.items())))
    return rows, missing


# -- the command line: `python -m evosynth campaign-metrics`, or this module run as a program --

def _command(params, args):
    rows, missing = campaign_metrics(params, recipe=args.recipe)
    print(f"scored {len(rows)} networks into "
          f"{Paths().for_recipe(args.recipe).campaign_metrics.as_posix()}")
    for name in missing:
        print(f"  not trained yet: {name}")


COMMAND = Command(
    "campaign-metrics", "stage campaign-metrics: test-split scores of the replicate seeds",
    "Evaluate on the test split every network of the campaign beside seed 0's lineages: each "
    "replicate seed's default lineage, dense control and newborn lineage, and every small "
    "dense network; write them to results/campaign.json keyed <task>/<method>/<init>/seed<k>/"
    "<genK>, and name each one not trained yet (its claims stay untested). With --recipe "
    "best-effort: every network of that recipe, into results/best-effort/campaign.json.", _command,
    (RECIPE,), group=1, order=3)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
