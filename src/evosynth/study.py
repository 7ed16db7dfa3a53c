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

import math
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils.data import Dataset, Subset
from tqdm import tqdm

from .genetics import (Environment, Masks, init_offspring, layer_budget, prune_to_budget,
                       synthesize)
from .genetics.probability import Normalization
from .training import TrainConfig, train

#: Every method of the study, ``"<selection>/<init mode>"``; ``darwin/inherit`` runs first
#: because the baselines take its per-layer budgets.
METHODS = ("darwin/inherit", "darwin/newborn", "darwin/rewind", "magnitude/inherit",
           "random/inherit", "lottery/rewind")
_SELECTION = {"magnitude": "magnitude", "random": "random", "lottery": "magnitude"}


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


def key(task: str, method: str, seed: int, generation: int) -> str:
    """``"<task>/<method>/<mode>/seed<k>/gen<g>"``."""
    return f"{task}/{method}/seed{seed}/gen{generation}"


def parse_method(method: str) -> tuple[str, str]:
    """``"darwin/newborn"`` -> ``("darwin", "newborn")``, checked against :data:`METHODS`."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    selection, mode = method.split("/")
    return selection, mode


def run_seed(task: Task, seed: int, environments: list[Environment],
             methods: Iterable[str] = METHODS, normalization: Normalization = "global",
             rewind_steps: int = 100, progress: bool = True) -> dict[str, dict[str, Any]]:
    """Ancestor and one lineage per method for ``task`` and ``seed``; returns the results.

    Each result holds ``synapses``, ``reduction`` (ancestor / this), ``train_seconds`` and the
    task's metrics on its test set.
    """
    methods = list(methods)
    for method in methods:
        parse_method(method)
    if any(not m.startswith("darwin/") for m in methods) and "darwin/inherit" not in methods:
        raise ValueError("the baselines take their per-layer budgets from darwin/inherit: "
                         "include it in the methods")
    methods.sort(key=lambda m: m != "darwin/inherit")
    offspring_config = TrainConfig(**{**task.train.__dict__, "seed": seed, "rewind_steps": 0})
    ancestor_config = TrainConfig(**{**offspring_config.__dict__, "rewind_steps": rewind_steps})
    bar = tqdm(total=1 + len(methods) * len(environments), desc=f"{task.name} seed {seed}",
               disable=not progress, unit="network")

    def fit(network: nn.Module, masks: Masks | None, config: TrainConfig):
        start = time.perf_counter()
        result = train(network, task.train_set, config, masks=masks, progress=False,
                       loss_fn=task.loss_fn)
        bar.update(1)
        return result, time.perf_counter() - start

    torch.manual_seed(seed)
    ancestor = task.build()
    trained, seconds = fit(ancestor, None, ancestor_config)
    if trained.rewind_state is None and any(m.endswith("/rewind") for m in methods):
        raise ValueError(f"rewind_steps = {rewind_steps}: the ancestor of {task.name} trained "
                         "for fewer steps than that, and the rewind methods need its weights "
                         "after rewind_steps steps (lower rewind_steps, or train longer)")
    ancestor_masks = Masks.ones_like(ancestor)
    ancestor_synapses = ancestor_masks.count()
    ancestor_scores = task.score(ancestor, task.test_set)
    results: dict[str, dict[str, Any]] = {}

    def record(method: str, g: int, masks: Masks, scores: dict[str, float], secs: float):
        results[key(task.name, method, seed, g)] = {
            "synapses": masks.count(), "reduction": ancestor_synapses / max(masks.count(), 1),
            **scores, "train_seconds": round(secs, 2)}

    budgets: dict[int, dict[str, int]] = {}
    for method in methods:
        selection, mode = parse_method(method)
        record(method, 0, ancestor_masks, ancestor_scores, seconds)
        parent, parent_masks = ancestor, ancestor_masks
        for g, environment in enumerate(environments, start=1):
            draw = torch.Generator().manual_seed(seed * 1000 + g)
            if selection == "darwin":
                masks = synthesize(parent, environment, draw, masks=parent_masks,
                                   normalization=normalization)
                if method == "darwin/inherit":
                    budgets[g] = layer_budget(masks)
            else:
                masks = prune_to_budget(parent, parent_masks, budgets[g], _SELECTION[selection],
                                        draw)
            child = task.build()
            init_offspring(child, masks, mode, seed=seed * 1000 + g,
                           parent_state={k: v.detach().cpu() for k, v in
                                         parent.state_dict().items()},
                           rewind_state=trained.rewind_state)
            _, secs = fit(child, masks, offspring_config)
            record(method, g, masks, task.score(child, task.test_set), secs)
            parent, parent_masks = child, masks
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
        parts = name.split("/")
        if len(parts) != 5 or not parts[3].startswith("seed") or not parts[4].startswith("gen"):
            raise ValueError(f"result key {name!r} is not <task>/<method>/<mode>/seed<k>/gen<g>")
        if metric not in entry:
            continue
        groups.setdefault((parts[0], f"{parts[1]}/{parts[2]}", int(parts[4][3:])), []).append(entry)
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
    values: dict[int, dict[str, dict[str, float]]] = {}
    for name, entry in results.items():
        parts = name.split("/")
        if len(parts) != 5 or parts[0] != task or metric not in entry:
            continue
        arm = f"{parts[1]}/{parts[2]}"
        if arm in (method, baseline):
            values.setdefault(int(parts[4][3:]), {}).setdefault(parts[3], {})[arm] = \
                float(entry[metric])
    rows = []
    for g, seeds in sorted(values.items()):
        diffs = [v[method] - v[baseline] for v in seeds.values() if method in v and baseline in v]
        if diffs:
            rows.append(Summary(task, f"{method} - {baseline}", g, metric, statistics.fmean(diffs),
                                statistics.stdev(diffs) if len(diffs) > 1 else math.nan,
                                len(diffs), math.nan))
    return rows

