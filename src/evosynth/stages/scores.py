"""Stages ``lineage-metrics@<lineage>`` and ``campaign-metrics`` (``beyond/dvc.yaml``): the
test-split scores of every generation of a lineage beside the default one (the structured
lineage, the dense control, the newborn lineage), and of every network of the replicate seeds
and of the small dense networks, keyed as in ``beyond.json``. These stages only evaluate: the
stages that train read the train and validation splits alone."""

from __future__ import annotations

from pathlib import Path

from ..atomic import write_json
from ..checkpoints import load_checkpoint, load_network
from ..config import Params, ParamsError
from ..data import SaliencySet
from ..genetics import Masks, count_synapses
from ..hparams import DEFAULT, DEFAULT_TASK, NEWBORN, RECIPE_TASKS, RECIPES, REPLICATED, SMALL_DENSE
from ..models import SaliencyNet
from ..paths import Paths
from ..study import result_key
from ..training import evaluate


def lineage_metrics(params: Params, section: str, method: str, out: str | Path,
                    paths: Paths = Paths(), task: str = DEFAULT_TASK,
                    batch_size: int = 64, device: str = "auto") -> dict[str, dict[str, float]]:
    """Test-split scores of gen0..genN of a lineage section, keyed
    ``"<task>/<method>/<init>/seed<train seed>/<genK>"``; written to ``out`` as JSON."""
    rows = lineage_scores(params, section, method, paths, task, batch_size, device)
    write_json(out, rows)
    return rows


def lineage_scores(params: Params, section: str, method: str, paths: Paths = Paths(),
                   task: str = DEFAULT_TASK, batch_size: int = 64,
                   device: str = "auto") -> dict[str, dict[str, float]]:
    """What :func:`lineage_metrics` writes: the test-split scores of every generation of
    lineage ``section`` under ``paths``."""
    g = params.lineage_section(section)
    where = paths.for_lineage(section)
    test = SaliencySet.load(paths.split("test")).tensors()
    base = params.ancestor.model.to_config()
    rows, ancestor_synapses = {}, None
    for name in ["gen0", *g.generations]:
        state = load_checkpoint(where.network(name))
        network = load_network(state, base)
        synapses = state["masks"].count() if state.get("masks") is not None \
            else count_synapses(network)
        ancestor_synapses = ancestor_synapses or synapses
        scores = evaluate(network, test, batch_size, device).summary()
        rows[result_key(task, f"{method}/{g.init}", g.train.seed,
                        int(name.removeprefix("gen")))] = {
            "synapses": synapses, "reduction": ancestor_synapses / max(synapses, 1),
            "f_beta_adaptive": scores["f_beta_adaptive"], "f_beta_max": scores["f_beta_max"],
            "mae": scores["mae"]}
    return rows


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
