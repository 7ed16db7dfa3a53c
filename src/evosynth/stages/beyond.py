"""The beyond pipeline's stages (``beyond/dvc.yaml``): the study, one point of the F(E)
sweep, the structured lineage's test scores, and the merge of every result into
``results/beyond.json`` with its summary metric."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import write_json
from ..checkpoints import load_checkpoint, load_network
from ..classifiers import accuracy, build_classifier, classification_loss, fashion_split
from ..config import Params
from ..data import SaliencySet
from ..genetics import NORMALIZATIONS, ConstantEnvironment, count_synapses
from ..models import SaliencyNet
from ..paths import Paths
from ..study import (Task, lineage_table, paired_differences, parse_key, result_key, run_seed,
                     subset, summarise)
from ..training import evaluate, saliency_loss

#: Task name of the default experiment's network in ``beyond.json`` (its unstructured lineage
#: from ``results/metrics.json``, its structured lineage from ``results/structured.json`` and
#: its dense control from ``results/control.json``).
DEFAULT_TASK = "saliency-default"
#: The dense control's method name in ``beyond.json`` (``<task>/dense-control/<init>/...``).
CONTROL_METHOD = "dense-control"
#: The arms every other method of the study is compared with, seed by seed.
BASELINES = ("magnitude/inherit", "random/inherit")


def study_task(params: Params, name: str, paths: Paths = Paths()) -> Task:
    """The :class:`~evosynth.study.Task` ``study.tasks.<name>`` describes."""
    spec = params.study_task(name)
    if spec.network == "saliency":
        model = (spec.model or params.ancestor.model).to_config()
        train_set = SaliencySet.load(paths.split("train")).tensors()
        test_set = SaliencySet.load(paths.split("test")).tensors()
        return Task(name, lambda: SaliencyNet(model), subset(train_set, spec.n_train),
                    subset(test_set, spec.n_test), spec.train.to_config(), saliency_loss,
                    lambda net, data: evaluate(net, data, device=spec.train.device).summary())
    raw = params.prepare.raw
    return Task(name, lambda: build_classifier(spec.network),
                fashion_split(raw, "train", spec.n_train), fashion_split(raw, "t10k", spec.n_test),
                spec.train.to_config(), classification_loss,
                lambda net, data: {"accuracy": accuracy(net, data, device=spec.train.device)})


def task_metric(params: Params, task: str) -> str:
    """The score a study task is judged by: F-beta (adaptive) for saliency, else accuracy."""
    return "f_beta_adaptive" if params.study_task(task).network == "saliency" else "accuracy"


def _run_study(params: Params, task: Task, methods: list[str], normalization: str,
               progress: bool) -> dict[str, dict[str, Any]]:
    """``methods`` on ``task`` over every study seed, in the default lineage's environments."""
    environments = [spec.environment.build() for spec in params.generation.lineage.values()]
    results: dict[str, dict[str, Any]] = {}
    for seed in params.study.seeds:
        results.update(run_seed(task, seed, environments, methods, normalization,
                                params.study.rewind_steps, progress))
    return results


def study(params: Params, name: str, paths: Paths = Paths(),
          progress: bool = True) -> dict[str, dict[str, Any]]:
    """Every method and seed of study task ``name``; writes and returns its results."""
    results = _run_study(params, study_task(params, name, paths), params.study.methods,
                         params.generation.normalization, progress)
    write_json(paths.study(name), results)
    return results


def other_z(params: Params) -> str:
    """The normaliser Z of P(s|w) that the study does not use (``layer`` when
    ``generation.normalization`` is ``global``, and back): the Z arm's."""
    return next(n for n in NORMALIZATIONS if n != params.generation.normalization)


def z_arm_method(params: Params) -> str:
    """The Z arm's method name in the results: ``darwin-<Z>/inherit``."""
    return f"darwin-{other_z(params)}/inherit"


def z_arm(params: Params, name: str, paths: Paths = Paths(),
          progress: bool = True) -> dict[str, dict[str, Any]]:
    """Study task ``name`` once more for ``darwin/inherit`` alone, with the other normaliser Z
    (:func:`other_z`): every seed (the study's ancestor seeds: the same ancestors when run on
    the same machine), the same environments and training. Keyed
    ``<task>/darwin-<Z>/inherit/seed<k>/gen<g>``; writes ``results/study/<task>-z-arm.json``
    and returns it."""
    method = z_arm_method(params)
    results: dict[str, dict[str, Any]] = {}
    for key, value in _run_study(params, study_task(params, name, paths), ["darwin/inherit"],
                                 other_z(params), progress).items():
        k = parse_key(key)
        results[result_key(k.task, method, k.seed, k.generation)] = value
    write_json(paths.study(f"{name}-z-arm"), results)
    return results


def sweep(params: Params, paths: Paths = Paths(), progress: bool = True) -> dict[str, Any]:
    """One point of the F(E) sweep: ``sweep.task``'s ``darwin/inherit`` lineage with every
    generation in the constant environment ``sweep.factor``; writes and returns it."""
    if params.sweep is None:
        raise ValueError("params.yaml has no sweep section")
    sw = params.sweep
    task = study_task(params, sw.task, paths)
    results = run_seed(task, sw.seed, [ConstantEnvironment(sw.factor)] * sw.generations,
                       ["darwin/inherit"], params.generation.normalization, rewind_steps=0,
                       progress=progress)
    point = {"task": sw.task, "factor": sw.factor, "seed": sw.seed,
             **{k.rsplit("/", 1)[1]: v for k, v in results.items()}}
    write_json(paths.sweep, point)
    return point


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


def beyond(params: Params, paths: Paths = Paths()) -> dict[str, dict[str, Any]]:
    """Merge every study task's results (and its Z arm's), and the default experiment's
    lineages (unstructured: ``metrics.json``; structured: ``structured.json``; the dense
    control: ``control.json``; the replicates with other seeds:
    ``results/seeds/seed<k>/metrics.json``), into ``beyond.json``; writes its summary metric
    ``beyond_summary.json`` too."""
    if params.study is None:
        raise ValueError("params.yaml has no study section")
    studies = [paths.study(name) for name in params.study.tasks]
    studies += [paths.study(f"{name}-z-arm") for name in params.study.tasks]
    replicates = [paths.replicate_metrics(seed)
                  for seed in (params.replicate.seeds if params.replicate else [])]
    lineages = [paths.structured_metrics, paths.control_metrics, *replicates]
    for source in [*studies, paths.metrics, *lineages]:
        if not source.is_file():
            raise FileNotFoundError(f"{source}: results not found (run `dvc repro` and then "
                                    "`dvc repro beyond/dvc.yaml`)")
    merged: dict[str, dict[str, Any]] = {}
    for source in [*studies, *lineages]:
        merged.update(json.loads(source.read_text()))
    g = params.generation
    for name, entry in json.loads(paths.metrics.read_text()).items():
        merged[result_key(DEFAULT_TASK, f"darwin/{g.init}", params.ancestor.train.seed,
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
    table["arm"] = table["method"].str.split("/").str[0]
    darwin = table[table["arm"] == "darwin"].set_index(["seed", "generation"])
    control = table[table["arm"] == CONTROL_METHOD].set_index(["seed", "generation"])
    rows = []
    for (seed, generation), row in darwin.iterrows():
        if (seed, generation) not in control.index:
            continue
        ancestor = darwin.loc[(seed, "gen0"), metric]
        rows.append({"seed": seed, "generation": generation, "synapses": row["synapses"],
                     "reduction": row["reduction"], metric: row[metric], "ancestor": ancestor,
                     "control": control.loc[(seed, generation), metric],
                     "minus_ancestor": row[metric] - ancestor,
                     "minus_control": row[metric] - control.loc[(seed, generation), metric]})
    if not rows:
        raise ValueError(f"no {task} result has both the default lineage and its dense control "
                         "(run `dvc repro beyond/dvc.yaml`)")
    return pd.DataFrame(rows)
