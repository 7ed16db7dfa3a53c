"""Stage ``beyond`` (``beyond/dvc.yaml``, through ``notebooks/beyond.ipynb``): the merge of
every result (the study's tasks and their Z arms, the default network's lineages and its
replicates) into ``results/beyond.json`` with its summary metric, and the tables the notebook
reads from it (the default lineage against its dense control)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from ...method.atomic import write_json
from ..config import Params
from ...hparams import CONTROL, DEFAULT, DEFAULT_TASK, LINEAGES
from ..paths import Paths
from ..study import lineage_table, paired_differences, result_key, summarise
from .study import task_metric, z_arm_method
from ..cli import Command, main

#: The dense control's method name in ``beyond.json`` (``<task>/dense-control/<init>/...``).
CONTROL_METHOD = CONTROL.method
#: The default lineage's offspring initialisation (``generation.init`` of params.yaml).
DEFAULT_INIT = "inherit"
#: The arms every other method of the study is compared with, seed by seed.
BASELINES = ("magnitude/inherit", "random/inherit")


def beyond(params: Params, paths: Paths = Paths()) -> dict[str, dict[str, Any]]:
    """Merge every study task's results (and its Z arm's), and the default experiment's
    lineages (unstructured: ``metrics.json``; the others of seed 0: ``structured.json``,
    ``control.json``, ``newborn.json``; the other seeds and the small dense networks:
    ``campaign.json``; every network of the best-effort recipe: ``best-effort/campaign.json``),
    into ``beyond.json``; writes its summary metric
    ``beyond_summary.json`` too."""
    if params.study is None:
        raise ValueError("params.yaml has no study section")
    studies = [paths.study(name) for name in params.study.tasks]
    studies += [paths.study(f"{name}-z-arm") for name in params.study.tasks]
    lineages = [paths.lineage_metrics(lineage) for lineage in LINEAGES.values()
                if lineage.folder is not None and getattr(params, lineage.section) is not None]
    lineages.append(paths.campaign_metrics)
    if params.best_effort is not None:
        lineages.append(paths.for_recipe("best-effort").campaign_metrics)
    for source in [*studies, paths.metrics, *lineages]:
        if not source.is_file():
            raise FileNotFoundError(f"{source}: results not found (run `dvc repro` and then "
                                    "`dvc repro beyond/dvc.yaml`)")
    merged: dict[str, dict[str, Any]] = {}
    for source in [*studies, *lineages]:
        merged.update(json.loads(source.read_text()))
    g = params.generation
    for name, entry in json.loads(paths.metrics.read_text()).items():
        merged[result_key(DEFAULT_TASK, f"{DEFAULT.method}/{g.init}", params.ancestor.train.seed,
                          int(name.removeprefix("gen")))] = entry
    write_json(paths.beyond, dict(sorted(merged.items())))
    write_json(paths.beyond_summary, beyond_summary(params, merged))
    return merged


def beyond_summary(params: Params, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The study at its last generation, for ``dvc metrics``: per task, each method's mean and
    standard deviation over seeds, Darwin's (``darwin/inherit``) paired difference to each
    baseline and the Z arm's to Darwin (mean and standard deviation of the per-seed
    differences)."""
    assert params.study is not None
    last = len(params.generation.lineage)
    summary: dict[str, Any] = {}
    for task in params.study.tasks:
        metric = task_metric(params, task)
        rows = {s.method: s for s in summarise(results, metric)
                if s.task == task and s.generation == last}
        entry: dict[str, Any] = {"metric": metric, "generation": last}
        for method in [*params.study.methods, z_arm_method(params)]:
            if method in rows:
                entry[method] = {"mean": rows[method].mean, "std": rows[method].std}
        pairs = [*(("darwin/inherit", b) for b in BASELINES),
                 (z_arm_method(params), "darwin/inherit")]
        for method, baseline in pairs:
            diff = [d for d in paired_differences(results, metric, task, method, baseline)
                    if d.generation == last]
            if diff:
                entry[f"{method} - {baseline}"] = {"mean": diff[0].mean, "std": diff[0].std}
        summary[task] = entry
    return summary


def control_comparison(results: dict[str, dict[str, Any]], metric: str = "f_beta_adaptive",
                       task: str = DEFAULT_TASK) -> pd.DataFrame:
    """The default lineage against its ancestor and against the dense control, generation by
    generation (one row each): synapses and reduction of the default lineage, ``metric`` of
    the default lineage, of the ancestor and of the control at the same generation (the same
    training, nothing removed), and the two differences ``minus_ancestor`` and
    ``minus_control``. Every seed of the default lineage that has a control of its own
    counts: each column is the mean over those seeds, ``<column>_std`` its sample standard
    deviation (NaN for one seed), ``n_seeds`` their number."""
    frame = control_pairs(results, metric, task)
    grouped = frame.drop(columns="seed").groupby("generation")
    summary = grouped.mean()
    spread = grouped.std(ddof=1).add_suffix("_std")
    summary = pd.concat([summary, spread], axis=1)
    summary["n_seeds"] = frame.groupby("generation")["seed"].nunique()
    return summary


def control_pairs(results: dict[str, dict[str, Any]], metric: str = "f_beta_adaptive",
                  task: str = DEFAULT_TASK) -> pd.DataFrame:
    """One row per seed and generation of the default lineage that has a dense control of its
    own: what :func:`control_comparison` averages."""
    table = lineage_table(results, task)
    # the default lineage is darwin with its init (inherit), not the newborn lineage
    darwin = table[table["method"] == f"{DEFAULT.method}/{DEFAULT_INIT}"]
    darwin = darwin.set_index(["seed", "generation"])
    control = table[table["method"].str.split("/").str[0] == CONTROL_METHOD]
    control = control.set_index(["seed", "generation"])
    rows = []
    for (seed, generation), row in darwin.iterrows():
        if (seed, generation) not in control.index:
            continue
        ancestor = darwin.loc[(seed, "gen0"), metric]
        rows.append({"seed": seed, "generation": generation, "synapses": row["synapses"],
                     "reduction": row["reduction"], metric: row[metric], "ancestor": ancestor,
                     CONTROL.name: control.loc[(seed, generation), metric],   # "control"
                     "minus_ancestor": row[metric] - ancestor,
                     "minus_control": row[metric] - control.loc[(seed, generation), metric]})
    if not rows:
        raise ValueError(f"no {task} result has both the default lineage and its dense control "
                         "(run `dvc repro beyond/dvc.yaml`)")
    return pd.DataFrame(rows)


# -- the command line: `python -m evosynth beyond`, or this module run as a program --

def _command(params, args):
    print(f"{len(beyond(params))} results merged")


COMMAND = Command("beyond", "stage beyond: merge every result into results/beyond.json",
                  "Merge the study's tasks, the default lineage (results/metrics.json) and the "
                  "structured lineage (results/structured.json) into results/beyond.json and "
                  "its summary metric results/beyond_summary.json.", _command, group=1, order=5)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
