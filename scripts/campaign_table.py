"""The tables of beyond/dvc.yaml's `vars:` that say which networks the campaign trains, from
params.yaml: one `offspring` entry per generation of every lineage beside the default
pipeline's (the structured lineage, the dense control and the newborn lineage of seed 0, and
the default lineage, dense control and newborn lineage of every replicate seed), each with its
seed, its folder under models/ and its parent's; one `small` entry per small dense network;
one `curve` entry per point of the offspring's validation learning curve; the same two
tables of the best-effort recipe (`best`, `best_small`: every seed of `best_effort`); and
`best_scored`, every network of that recipe (ancestors too), each scored on its own.

    python scripts/campaign_table.py          # print the tables (YAML) to paste into vars:

The tests run the campaign of a smaller profile in a scratch copy: :func:`write_tables`.

tests/pipeline/test_beyond_dvc.py checks that beyond/dvc.yaml holds exactly these tables, for
params.yaml and for the smoke profile alike.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from evosynth.hparams import CONTROL, DEFAULT, LINEAGES, NEWBORN, REPLICATED  # noqa: E402
from evosynth.experiment.config import parse_params  # noqa: E402
from evosynth.experiment.paths import Paths  # noqa: E402
from evosynth.experiment.stages.test_score import networks  # noqa: E402

MODELS = Paths().model_dir("gen0").parent


def _folder(paths: Paths, generation: str) -> str:
    return paths.model_dir(generation).relative_to(MODELS).as_posix()


def _lineage_seeds(params: dict, lineage) -> list[int]:
    """The seeds of ``lineage`` beside seed 0 that the campaign trains."""
    replicate = params.get("replicate") or {}
    if lineage is NEWBORN:
        return list(replicate.get("newborn_seeds", []))
    return list(replicate.get("seeds", [])) if lineage in (DEFAULT, CONTROL) else []


def offspring_table(params: dict) -> dict[str, dict]:
    """``{stage key: {section, gen, seed, dir, parent}}`` for every generation trained by
    beyond/dvc.yaml's ``offspring`` stages (``dir``, ``parent``: folders under models/)."""
    table = {}
    runs = [(lineage, 0) for lineage in LINEAGES.values()
            if lineage.folder is not None and lineage.section in params]
    runs += [(lineage, seed) for lineage in LINEAGES.values() if lineage.section in params
             for seed in _lineage_seeds(params, lineage)]
    for lineage, seed in runs:
        where = Paths().for_run(seed).for_lineage(lineage.section)
        parent = "gen0"
        for gen in params[lineage.section]["lineage"]:
            key = f"{lineage.name}-{gen}" if seed == 0 else f"{lineage.name}-seed{seed}-{gen}"
            table[key] = {"section": lineage.section, "gen": gen, "seed": seed,
                          "dir": _folder(where, gen).rsplit("/", 1)[0],
                          "parent": _folder(where, parent)}
            parent = gen
    return table


def best_table(params: dict) -> dict[str, dict]:
    """``{stage key: {section, gen, seed, dir, parent}}`` for every generation of the
    best-effort recipe: the default lineage, its dense control (``best_effort.seeds``) and the
    newborn lineage (``best_effort.newborn_seeds``), each from its seed's best-effort ancestor."""
    best = params.get("best_effort") or {}
    recipe = Paths().for_recipe("best-effort")
    table = {}
    for lineage in REPLICATED:
        seeds = best.get("newborn_seeds", []) if lineage is NEWBORN else best.get("seeds", [])
        for seed in seeds:
            where = recipe.for_run(seed).for_lineage(lineage.section)
            parent = "gen0"
            for gen in params[lineage.section]["lineage"]:
                table[f"{lineage.name}-seed{seed}-{gen}"] = {
                    "section": lineage.section, "gen": gen, "seed": seed,
                    "dir": _folder(where, gen).rsplit("/", 1)[0],
                    "parent": _folder(where, parent)}
                parent = gen
    return table


def small_table(params: dict, recipe: str = "first") -> dict[str, dict]:
    """``{stage key: {seed, gen, dir, size}}`` for every small dense network (``size``: the
    models folder of the default lineage's generation whose synapse count it takes) of
    training recipe ``recipe``."""
    section = params.get("small_dense") or {}
    seeds = section.get("seeds", []) if recipe == "first" else \
        (params.get("best_effort") or {}).get("small_dense_seeds", [])
    table = {}
    for seed in seeds:
        run = Paths().for_recipe(recipe).for_run(seed)
        for gen in section.get("generations", []):
            table[f"seed{seed}-{gen}"] = {
                "seed": seed, "gen": gen,
                "dir": _folder(run.small_dense(), gen).rsplit("/", 1)[0],
                "size": run.model_dir(gen).as_posix()}
    return table


def best_scored_table(params: dict) -> dict[str, dict]:
    """``{stage key: {lineage, seed, gen, network}}`` for every network of the best-effort
    recipe, each scored on the test split by its own stage (``network``: its folder under
    models/; ``lineage``: ancestor, default, control, newborn or small-dense)."""
    if not params.get("best_effort"):
        return {}
    recipe = Paths().for_recipe("best-effort")
    return {network.key: {"lineage": network.lineage, "seed": network.seed,
                          "gen": network.generation,
                          "network": network.checkpoint(recipe).parent.relative_to(MODELS)
                          .as_posix()}
            for network in networks(parse_params(params))}


def curve_table(params: dict) -> dict[str, dict]:
    """``{stage key: {curve, gen, budget, parent}}`` for every point of the offspring's validation
    learning curve (``parent``: the folder under models/ of the generation's parent in the
    default lineage of seed 0)."""
    section = params.get("offspring_curve") or {}
    lineage = params["generation"]["lineage"]
    table = {}
    for init in section.get("inits", []):
        for gen in section.get("generations", []):
            curve = f"{init}-{gen}"
            extra = [section["extend"]] if curve in section.get("extended", []) else []
            for budget in [*section.get("budgets", []), *extra]:
                table[f"{curve}-{budget}"] = {
                    "curve": curve, "gen": gen, "budget": budget,
                    "parent": _folder(Paths(), lineage[gen]["parent"])}
    return table


def tables(params: dict) -> dict[str, dict]:
    """Every table of beyond/dvc.yaml's ``vars:`` that this script writes."""
    return {"offspring": offspring_table(params), "small": small_table(params),
            "curve": curve_table(params), "best": best_table(params),
            "best_small": small_table(params, "best-effort"),
            "best_scored": best_scored_table(params)}


def write_tables(dvc_file: Path, params: dict) -> None:
    """Rewrite the tables of ``dvc_file`` (a copy of beyond/dvc.yaml) for ``params``: how a
    scratch copy runs the campaign of another profile (tests/conftest.py). Comments are lost."""
    pipeline = yaml.safe_load(dvc_file.read_text())
    new = tables(params)
    for entry in pipeline["vars"]:
        if isinstance(entry, dict):
            entry.update({k: v for k, v in new.items() if k in entry})
    dvc_file.write_text(yaml.safe_dump(pipeline, sort_keys=False, width=100))


def main() -> None:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    print(yaml.safe_dump(tables(params), sort_keys=False, default_flow_style=None, width=100))


if __name__ == "__main__":
    main()
