"""Beyond the paper: does evolutionary synthesis beat pruning at the same budget?

For one task and seed, :func:`run_seed` trains an ancestor and then one lineage of four
generations per method:

* ``darwin/<mode>``: the paper's random synthesis (synaptic probability model and the
  environments of ``generation.lineage``), offspring initialised ``newborn``, ``inherit`` or
  ``rewind``;
* ``magnitude/inherit``: iterative magnitude pruning (Han et al. 2015): keep the largest
  ``|w|``, fine-tune the surviving weights;
* ``random/inherit``: keep synapses drawn uniformly at random, fine-tune;
* ``lottery/rewind``: magnitude pruning, survivors rewound to the ancestor's early weights
  (Frankle and Carbin 2019).

Every baseline offspring gets, layer by layer, exactly the synapse count of the
``darwin/inherit`` offspring of the same seed and generation, and the same training; only
the choice of surviving synapses and their starting weights differ.

Results are keyed ``"<task>/<method>/<mode>/seed<k>/gen<g>"``.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch
from torch import nn
from torch.utils.data import Dataset, Subset
from tqdm import tqdm

from ..hparams import METHODS, check_methods, check_word
from ..method.genetics import Environment, Masks, Normalization, layer_budget
from ..method.lineage import Recipe, make_ancestor, make_generation
from ..method.training import TrainConfig

#: Every method of the study, ``"<selection>/<init mode>"``; ``darwin/inherit`` runs first
#: because the baselines take its per-layer budgets.
#: Each method's selection of surviving synapses (the lineage engine's ``Recipe.selection``).
_SELECTION = {"darwin": "darwin", "magnitude": "magnitude", "random": "random",
              "lottery": "magnitude"}


@dataclass
class Task:
    """What a lineage is trained and scored on.

    Attributes:
        name: the task's key in the results (``saliency``, ``fashion-lenet5``, ...).
        build: a fresh, untrained network (called under a seeded ``torch.manual_seed``).
        train_set: (input, target) pairs.
        test_set: the held-out pairs ``score`` reads.
        train: how every network of the task is trained (its ``seed`` is replaced by the
            study's seed).
        loss_fn: ``loss_fn(outputs, targets)``.
        score: ``score(network, test_set) -> {metric: value}``.
    """

    name: str
    build: Callable[[], nn.Module]
    train_set: Dataset
    test_set: Dataset
    train: TrainConfig
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    score: Callable[[nn.Module, Dataset], dict[str, float]]


def result_key(task: str, method: str, seed: int, generation: int) -> str:
    """``"<task>/<method>/<mode>/seed<k>/gen<g>"``, the key of one result."""
    return f"{task}/{method}/seed{seed}/gen{generation}"


@dataclass(frozen=True)
class ResultKey:
    """The parts of a result key: task, method (``selection/mode``), seed and generation."""

    task: str
    method: str
    seed: int
    generation: int


def parse_key(name: str) -> ResultKey:
    """The parts of ``"<task>/<method>/<mode>/seed<k>/gen<g>"``; a clear error otherwise."""
    parts = name.split("/")
    if len(parts) != 5 or not parts[3].startswith("seed") or not parts[4].startswith("gen") \
            or not parts[3][4:].isdigit() or not parts[4][3:].isdigit():
        raise ValueError(f"result key {name!r} is not <task>/<method>/<mode>/seed<k>/gen<g>")
    return ResultKey(parts[0], f"{parts[1]}/{parts[2]}", int(parts[3][4:]), int(parts[4][3:]))


def parse_method(method: str) -> tuple[str, str]:
    """``"darwin/newborn"`` -> ``("darwin", "newborn")``, checked against :data:`METHODS`."""
    check_word("method", method, METHODS)
    selection, mode = method.split("/")
    return selection, mode


def run_seed(task: Task, seed: int, environments: list[Environment],
             methods: Iterable[str] = METHODS, normalization: Normalization = "layer",
             rewind_steps: int = 100, progress: bool = True) -> dict[str, dict[str, Any]]:
    """Ancestor and one lineage per method for ``task`` and ``seed``; returns the results.

    Every generation is made by the lineage engine (:func:`evosynth.method.lineage.make_generation`):
    generation g of seed k is synthesized (and, ``newborn``, initialised) with seed
    ``1000·k + g``. Each result holds ``synapses``, ``reduction`` (ancestor / this),
    ``train_seconds`` and the task's metrics on its test set.
    """
    methods = check_methods(methods)
    methods.sort(key=lambda m: m != "darwin/inherit")
    offspring_config = dataclasses.replace(task.train, seed=seed, rewind_steps=0)
    ancestor_config = dataclasses.replace(offspring_config, rewind_steps=rewind_steps)
    bar = tqdm(total=1 + len(methods) * len(environments), desc=f"{task.name} seed {seed}",
               disable=not progress, unit="network")
    ancestor = make_ancestor(task.build, task.train_set, ancestor_config, init_seed=seed,
                             loss_fn=task.loss_fn, progress=False)
    bar.update(1)
    if ancestor.rewind_state is None and any(m.endswith("/rewind") for m in methods):
        raise ValueError(f"rewind_steps = {rewind_steps}: the ancestor of {task.name} trained "
                         "for fewer steps than that, and the rewind methods need its weights "
                         "after rewind_steps steps (lower rewind_steps, or train longer)")
    ancestor_synapses = ancestor.masks.count()
    ancestor_scores = task.score(ancestor.network, task.test_set)
    results: dict[str, dict[str, Any]] = {}

    def record(method: str, g: int, masks: Masks, scores: dict[str, float], secs: float):
        results[result_key(task.name, method, seed, g)] = {
            "synapses": masks.count(), "reduction": ancestor_synapses / max(masks.count(), 1),
            **scores, "train_seconds": round(secs, 2)}

    budgets: dict[int, dict[str, int]] = {}
    for method in methods:
        selection, mode = parse_method(method)
        record(method, 0, ancestor.masks, ancestor_scores, ancestor.summary["train_seconds"])
        parent = ancestor
        for g, environment in enumerate(environments, start=1):
            recipe = Recipe(environment=environment, seed=seed * 1000 + g,
                            train=offspring_config, init=mode, normalization=normalization,
                            selection=_SELECTION[selection], budget=budgets.get(g))
            child = make_generation(parent.network, parent.masks, recipe, task.train_set,
                                    build=task.build, loss_fn=task.loss_fn,
                                    rewind_state=ancestor.rewind_state, progress=False)
            bar.update(1)
            if method == "darwin/inherit":
                budgets[g] = layer_budget(child.masks)
            record(method, g, child.masks, task.score(child.network, task.test_set),
                   child.summary["train_seconds"])
            parent = child
    bar.close()
    return results


def subset(dataset: Dataset, n: int | None) -> Dataset:
    """The first ``n`` items of ``dataset`` (all of them for ``None``)."""
    if n is None or n >= len(dataset):  # type: ignore[arg-type]
        return dataset
    return Subset(dataset, range(n))


# -- summaries ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Summary:
    """Mean and spread over seeds of one task / method / generation."""

    task: str
    method: str
    generation: int
    metric: str
    mean: float
    std: float
    n: int
    reduction: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def summarise(results: Mapping[str, Mapping[str, Any]], metric: str) -> list[Summary]:
    """Mean, sample standard deviation and seed count of ``metric`` for every task, method
    and generation (keys ``task/selection/mode/seed<k>/gen<g>``), with the mean reduction."""
    groups: dict[tuple[str, str, int], list[Mapping[str, Any]]] = {}
    for name, entry in results.items():
        k = parse_key(name)
        if metric in entry:
            groups.setdefault((k.task, k.method, k.generation), []).append(entry)
    rows = []
    for (task, method, g), entries in sorted(groups.items()):
        values = [float(e[metric]) for e in entries]
        rows.append(Summary(task, method, g, metric, statistics.fmean(values),
                            statistics.stdev(values) if len(values) > 1 else math.nan,
                            len(values), statistics.fmean(float(e["reduction"]) for e in entries)))
    return rows


def paired_differences(results: Mapping[str, Mapping[str, Any]], metric: str, task: str,
                       method: str, baseline: str) -> list[Summary]:
    """Per generation, the mean and sample standard deviation over seeds of ``method`` minus
    ``baseline`` (both ``selection/mode``), each seed paired with itself (same ancestor, same
    data order). Only seeds that both methods ran count."""
    values: dict[int, dict[int, dict[str, float]]] = {}
    for name, entry in results.items():
        k = parse_key(name)
        if k.task == task and metric in entry and k.method in (method, baseline):
            values.setdefault(k.generation, {}).setdefault(k.seed, {})[k.method] = \
                float(entry[metric])
    rows = []
    for g, seeds in sorted(values.items()):
        diffs = [v[method] - v[baseline] for v in seeds.values() if method in v and baseline in v]
        if diffs:
            rows.append(Summary(task, f"{method} - {baseline}", g, metric, statistics.fmean(diffs),
                                statistics.stdev(diffs) if len(diffs) > 1 else math.nan,
                                len(diffs), math.nan))
    return rows



# -- tables for the book -----------------------------------------------------------------------
def mean_std_table(summaries: Iterable[Summary], task: str | None = None) -> pd.DataFrame:
    """``"mean ± std"`` of every method (rows) at every generation (columns); with ``task``
    only that task's rows, else indexed by task and method."""
    rows = pd.DataFrame([s.as_dict() for s in summaries if task is None or s.task == task])
    rows["cell"] = rows["mean"].map("{:.3f}".format) + " ± " + rows["std"].map("{:.3f}".format)
    index = "method" if task is not None else ["task", "method"]
    return rows.pivot(index=index, columns="generation", values="cell")


def lineage_table(results: Mapping[str, Mapping[str, Any]], task: str) -> pd.DataFrame:
    """One row per result of ``task``: its method, seed and generation (``genK``) beside its
    values (synapses, reduction, scores)."""
    rows = []
    for name, entry in results.items():
        k = parse_key(name)
        if k.task == task:
            rows.append({"method": k.method, "seed": k.seed, "generation": f"gen{k.generation}",
                         **entry})
    return pd.DataFrame(rows)
