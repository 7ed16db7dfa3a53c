"""Stages ``best-effort-test-score@<network>`` and ``best-effort-test-score-summary``
(``beyond/dvc.yaml``): the test-split scores of each network of the best-effort recipe, one
stage per network run right after the stage that trains it, and their merge into
``results/best-effort/campaign.json``, keyed as in ``beyond.json``. They only evaluate: the
stages that train read the train and validation splits alone.

Why one stage per network: the campaign trains on several machines over many sessions, and a
network lives only in the DVC cache of the machine that trained it, while its scores (a few
numbers, committed to git) outlive it. The merge then needs no network at all. The scores of
networks scored before these stages existed come from ``archived_scores.json`` beside
``campaign.json``: the ``campaign.json`` that ``best-effort-campaign-metrics`` wrote from those
networks, with the commit that holds it. A network scored both ways must agree bit for bit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...hparams import DEFAULT, NEWBORN, RECIPE_TASKS, REPLICATED, SMALL_DENSE, lineage_named
from ...method.atomic import write_json
from ...method.checkpoints import load_checkpoint, load_network
from ...method.data import SaliencySet
from ...method.genetics import Masks, count_synapses
from ...method.models import SaliencyNet
from ...method.training import evaluate
from ..cli import Command, RECIPE, arg, main, show
from ..config import Params, ParamsError
from ..paths import Paths
from ..study import result_key

#: The name of a seed's ancestor among the networks (its generation is gen0).
ANCESTOR = "ancestor"
#: What a network's score record holds, beside its name.
SCORES = ("synapses", "f_beta_adaptive", "f_beta_max", "mae")


@dataclass(frozen=True)
class Network:
    """One network the recipe trains: a seed's ``ancestor`` (``gen0``), a generation of one of
    its lineages (``default``, ``control``, ``newborn``) or a ``small-dense`` network."""

    lineage: str
    seed: int
    generation: str

    def __post_init__(self) -> None:
        names = [ANCESTOR, *(lineage.name for lineage in REPLICATED), SMALL_DENSE]
        if self.lineage not in names:
            raise ValueError(f"lineage must be one of {names}, got {self.lineage!r}")
        if (self.lineage == ANCESTOR) != (self.generation == "gen0"):
            raise ValueError(f"generation gen0 is the ancestor's alone, got {self.lineage} "
                             f"{self.generation}")

    @property
    def key(self) -> str:
        """Its stage key: ``ancestor-seed4``, ``default-seed4-gen1``, ``small-dense-seed0-gen4``."""
        if self.lineage == ANCESTOR:
            return f"{ANCESTOR}-seed{self.seed}"
        return f"{self.lineage}-seed{self.seed}-{self.generation}"

    def checkpoint(self, paths: Paths) -> Path:
        """Its checkpoint under ``paths`` (a recipe's)."""
        run = paths.for_run(self.seed)
        if self.lineage == ANCESTOR:
            return run.network("gen0")
        if self.lineage == SMALL_DENSE:
            return run.small_dense().network(self.generation)
        return run.for_lineage(lineage_named(self.lineage).section).network(self.generation)


def _seeds(params: Params) -> tuple[dict[str, list[int]], list[int]]:
    """Each replicated lineage's seeds (by name) and the small dense networks' seeds."""
    best = params.best_effort
    if best is None:
        raise ParamsError("params has no best_effort section")
    lineages = {lineage.name: best.newborn_seeds if lineage is NEWBORN else best.seeds
                for lineage in REPLICATED}
    return lineages, best.small_dense_seeds if params.small_dense else []


def networks(params: Params) -> Iterator[Network]:
    """Every network of the best-effort recipe, each once: each seed's ancestor, every
    generation of its lineages, every small dense network."""
    lineage_seeds, small_seeds = _seeds(params)
    seen = set()
    for lineage in REPLICATED:
        for seed in lineage_seeds[lineage.name]:
            if seed not in seen:
                seen.add(seed)
                yield Network(ANCESTOR, seed, "gen0")
            for generation in params.lineage_section(lineage.section).generations:
                yield Network(lineage.name, seed, generation)
    for seed in small_seeds:
        for generation in params.small_dense.generations:
            yield Network(SMALL_DENSE, seed, generation)


def score_path(paths: Paths, network: Network) -> Path:
    """Where ``best-effort-test-score@<network>`` writes: ``test-scores/<key>.json`` beside the
    recipe's ``campaign.json``."""
    return paths.campaign_metrics.parent / "test-scores" / f"{network.key}.json"


def archive_path(paths: Paths) -> Path:
    """The scores of networks scored before the per-network stages: ``archived_scores.json``
    beside the recipe's ``campaign.json``."""
    return paths.campaign_metrics.parent / "archived_scores.json"


def score_network(params: Params, network: Network, paths: Paths = Paths(),
               recipe: str = "best-effort", batch_size: int = 64,
               device: str = "auto") -> dict[str, Any]:
    """Score ``network`` on the test split (its synapses, adaptive and best F-beta, MAE: what
    ``lineage-metrics`` and ``campaign-metrics`` compute) and write the record to
    :func:`score_path`."""
    paths = paths.for_recipe(recipe)
    state = load_checkpoint(network.checkpoint(paths))
    net = load_network(state, params.ancestor.model.to_config())
    masks = state.get("masks")
    scores = evaluate(net, SaliencySet.load(paths.split("test")).tensors(), batch_size,
                      device).summary()
    record = {"network": network.key, "synapses": masks.count() if masks is not None
              else count_synapses(net), **{name: scores[name] for name in SCORES[1:]}}
    write_json(score_path(paths, network), record)
    return record


def archived_scores(paths: Paths) -> dict[Network, dict[str, Any]]:
    """The archived scores by network (an ancestor's once, however many lineages list it)."""
    path = archive_path(paths)
    if not path.is_file():
        return {}
    rows = json.loads(path.read_text())["scores"]
    owner = {(lineage.method, "newborn" if lineage is NEWBORN else "inherit"): lineage.name
             for lineage in REPLICATED}
    owner[SMALL_DENSE, "newborn"] = SMALL_DENSE
    scores: dict[Network, dict[str, Any]] = {}
    for key, row in rows.items():
        _task, method, init, seed, generation = key.split("/")
        lineage = ANCESTOR if generation == "gen0" else owner[method, init]
        network = Network(lineage, int(seed.removeprefix("seed")), generation)
        record = {"network": network.key, **{name: row[name] for name in SCORES}}
        if scores.setdefault(network, record) != record:
            raise ValueError(f"{path}: {key} scores {network.key} unlike another row")
    return scores


def merge_scores(params: Params, paths: Paths = Paths(), recipe: str = "best-effort"
                 ) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Merge the scores of every network (:func:`score_network`'s records and the archive) into
    the rows of ``campaign.json``, as ``campaign-metrics`` keyed and computed them: a lineage's
    rows once every generation of it is scored (gen0, its ancestor, too), each with its
    reduction against that ancestor; a small dense network's against the dense network. The
    networks not scored yet are named in the list returned (their claims stay untested)."""
    paths = paths.for_recipe(recipe)
    scores = archived_scores(paths)
    for network in networks(params):
        path = score_path(paths, network)
        if path.is_file():
            record = json.loads(path.read_text())
            if scores.setdefault(network, record) != record:
                raise ValueError(f"{path} scores {network.key} unlike {archive_path(paths)}: "
                                 "trained or scored again, it does not give the same bits "
                                 "(another machine kind?)")
    task, missing = RECIPE_TASKS[recipe], []
    rows: dict[str, dict[str, float]] = {}

    def row(network: Network, dense: int) -> dict[str, float]:
        score = scores[network]
        return {"synapses": score["synapses"], "reduction": dense / max(score["synapses"], 1),
                **{name: score[name] for name in SCORES[1:]}}

    lineage_seeds, small_seeds = _seeds(params)
    for lineage in REPLICATED:
        for seed in lineage_seeds[lineage.name]:
            try:
                section = params.for_recipe(recipe, seed, lineage.section) \
                    .lineage_section(lineage.section)
            except ParamsError as error:      # its epochs not chosen yet: nothing trained
                missing.append(f"{lineage.name} seed {seed} ({error})")
                continue
            lineage_networks = [Network(ANCESTOR, seed, "gen0")] + [
                Network(lineage.name, seed, g) for g in section.generations]
            absent = [n.key for n in lineage_networks if n not in scores]
            if absent:
                missing.append(f"{lineage.name} seed {seed} (not scored: {', '.join(absent)})")
                continue
            ancestor = scores[lineage_networks[0]]["synapses"]
            for network in lineage_networks:
                rows[result_key(task, f"{lineage.method}/{section.init}", section.train.seed,
                                int(network.generation.removeprefix("gen")))] = \
                    row(network, ancestor)
    dense = Masks.ones_like(SaliencyNet(params.ancestor.model.to_config())).count()
    for seed in small_seeds:
        for generation in params.small_dense.generations:
            network = Network(SMALL_DENSE, seed, generation)
            if network not in scores:
                missing.append(f"{SMALL_DENSE} seed {seed} {generation}")
                continue
            seeded = params.for_recipe(recipe, seed, DEFAULT.section)
            rows[result_key(task, f"{SMALL_DENSE}/newborn", seeded.ancestor.train.seed,
                            int(generation.removeprefix("gen")))] = row(network, dense)
    write_json(paths.campaign_metrics, dict(sorted(rows.items())))
    return rows, missing


# -- the command line: `python -m evosynth test-score`, or this module run as a program --

def _command(params, args):
    if args.summary:
        rows, missing = merge_scores(params, recipe=args.recipe)
        print(f"merged the scores of {len(rows)} networks into "
              f"{Paths().for_recipe(args.recipe).campaign_metrics.as_posix()}")
        for name in missing:
            print(f"  not scored yet: {name}")
        return
    if args.lineage is None or args.generation is None:
        raise ValueError("test-score: give LINEAGE and GENERATION (or --summary)")
    show(score_network(params, Network(args.lineage, args.seed, args.generation),
                    recipe=args.recipe))


COMMAND = Command(
    "test-score", "stage test-score: one network's test-split scores, or their merge",
    "Evaluate one network of the best-effort recipe on the test split (LINEAGE: ancestor, "
    "default, control, newborn or small-dense; GENERATION: gen0 for the ancestor) and write its "
    "synapses, f_beta_adaptive, f_beta_max and mae to results/best-effort/test-scores/"
    "<lineage>-seed<SEED>[-<gen>].json. With --summary: merge every network's scores (and "
    "results/best-effort/archived_scores.json) into results/best-effort/campaign.json, keyed "
    "<task>/<method>/<init>/seed<k>/<genK>, and name each network not scored yet.", _command,
    (arg("lineage", nargs="?", help="ancestor, default, control, newborn or small-dense"),
     arg("generation", nargs="?", help="gen0 (the ancestor), gen1, ..."),
     arg("--seed", type=int, default=0, help="the network's seed (default: %(default)s)"),
     arg("--summary", action="store_true", help="merge every network's scores instead"),
     RECIPE),
    group=1, order=3)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
