"""One function per pipeline stage, called by the stage's notebook.

``prepare`` -> ``ancestor`` -> ``generation`` (one call per offspring generation) ->
``evaluate``. Each reads its section of the validated parameters and writes its outputs
atomically under the paths of :class:`~evosynth.paths.Paths`.
"""

from __future__ import annotations

import csv
import io as _io
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .checks import check_data
from .classifiers import accuracy, build_classifier, classification_loss, fashion_split
from .config import Params, PrepareParams
from .data import DataError, SaliencySet, load_folder
from .genetics import (ConstantEnvironment, LayerReport, Masks, count_synapses, init_offspring,
                       synapse_report, synaptic_parameters, synaptic_probabilities, synthesize)
from .io import atomic_write, write_json
from .metrics import SaliencyScores
from .models import SaliencyNet
from .paths import Paths
from .provenance import machine_summary
from .records import live_log
from .raw import load_garments, load_photos
from .study import Task, paired_differences, run_seed, subset, summarise
from .synthetic import make_fashion_composite, make_shapes
from .training import evaluate as evaluate_network
from .training import (load_checkpoint, load_network, predict, saliency_loss, save_checkpoint,
                       select_device, train, write_torch)

SPLITS = ("train", "val", "test")


# -- prepare ---------------------------------------------------------------------------------
def build_splits(params: PrepareParams) -> dict[str, SaliencySet]:
    """The train / val / test splits of the configured data set."""
    size, seeds = params.image_size, np.random.SeedSequence(params.seed).spawn(3)
    counts = {"train": params.n_train, "val": params.n_val, "test": params.n_test}
    if params.dataset == "shapes":
        return {s: make_shapes(counts[s], size, np.random.default_rng(seed))
                for s, seed in zip(SPLITS, seeds)}
    if params.dataset == "folder":
        f = params.folder
        return {s: load_folder(f.root, size, getattr(f, f"{s}_split"), f.image_dir, f.mask_dir)
                for s in SPLITS}
    # fashion-composite: test garments come from Fashion-MNIST's test set and test backgrounds
    # from photographs that no training image uses.
    garments_train, _ = load_garments(params.raw, "train")
    garments_test, _ = load_garments(params.raw, "t10k")
    photos = load_photos(params.raw)
    test_photos = photos[3::4]
    train_photos = [p for i, p in enumerate(photos) if i % 4 != 3]
    config = params.composite.to_config(size)
    half = len(garments_train) * 5 // 6
    sources = {"train": (garments_train[:half], train_photos),
               "val": (garments_train[half:], train_photos),
               "test": (garments_test, test_photos)}
    return {s: make_fashion_composite(sources[s][0], sources[s][1], counts[s], config,
                                      np.random.default_rng(seed))
            for s, seed in zip(SPLITS, seeds)}


def prepare(params: Params, paths: Paths = Paths()) -> dict[str, SaliencySet]:
    """Check the data paths, build every split, then save them; returns the splits.

    Nothing is written unless every split could be built and none is empty.
    """
    check_data(params.prepare)
    splits = build_splits(params.prepare)
    for name, split in splits.items():
        if len(split) == 0:
            raise DataError(f"the {name} split is empty")
    for name, split in splits.items():
        split.save(paths.split(name))
    return splits


def split_summary(splits: dict[str, SaliencySet]) -> list[dict[str, Any]]:
    """Images and mean foreground fraction of each split."""
    return [{"split": name, "images": len(s), "size": s.images.shape[1],
             "foreground": float(s.masks.mean())} for name, s in splits.items()]


# -- ancestor and generations ------------------------------------------------------------
@dataclass
class GenerationResult:
    """What a stage trained: the network, its masks and its summary (saved as JSON)."""

    network: SaliencyNet
    masks: Masks
    summary: dict[str, Any]
    probabilities: dict[str, torch.Tensor] | None = None


def _validator(val_set: torch.utils.data.Dataset, device: str):
    """Validation scores of a network after every epoch (F-beta adaptive and max, MAE)."""
    return lambda network: evaluate_network(network, val_set, device=device).summary()


def _finish(paths: Paths, name: str, network: SaliencyNet, masks: Masks,
            summary: dict[str, Any], seconds: float, val: SaliencyScores) -> None:
    summary.update({"generation": name, "synapses": masks.count(),
                    "synapses_total": masks.total(), "train_seconds": round(seconds, 1),
                    "val": val.summary(), "machine": machine_summary()})
    save_checkpoint(paths.network(name), network, masks, generation=name)
    _write_csv(paths.layers(name), [r.as_dict() for r in synapse_report(masks)])
    write_json(paths.summary(name), summary)


def ancestor(params: Params, paths: Paths = Paths(), progress: bool = True) -> GenerationResult:
    """Train generation 0 with every synapse alive."""
    p = params.ancestor
    torch.manual_seed(p.init_seed)
    network = SaliencyNet(p.model.to_config())
    masks = Masks.ones_like(network)
    train_set = SaliencySet.load(paths.split("train")).tensors()
    val_set = SaliencySet.load(paths.split("val")).tensors()
    start = time.perf_counter()
    with live_log(paths.live("gen0")) as on_epoch:
        result = train(network, train_set, p.train.to_config(p.rewind_steps), masks=None,
                       progress=progress, description="ancestor",
                       validate=_validator(val_set, p.train.device), on_epoch=on_epoch)
    seconds = time.perf_counter() - start
    val = evaluate_network(network, val_set, device=p.train.device)
    if result.rewind_state is not None:
        write_torch(paths.rewind, result.rewind_state)
    summary = {"losses": result.losses, "history": result.history, "device": result.device,
               "rewind_saved": result.rewind_state is not None}
    _finish(paths, "gen0", network, masks, summary, seconds, val)
    return GenerationResult(network, masks, summary)


def generation(params: Params, name: str, paths: Paths = Paths(),
               progress: bool = True) -> GenerationResult:
    """Synthesize offspring generation ``name`` from its parent and train it."""
    g = params.generation
    if name not in g.lineage:
        raise ValueError(f"generation {name!r} is not in generation.lineage "
                         f"({', '.join(g.lineage)})")
    if g.mode != "unstructured" or g.population > 1:  # structured synthesis, populations
        from .evolution import generation as evolve
        return evolve(params, name, paths, progress)
    spec = g.lineage[name]
    parent_state = load_checkpoint(paths.network(spec.parent))
    parent = load_network(parent_state, params.ancestor.model.to_config())
    parent_masks = parent_state["masks"]

    environment = spec.environment.build()
    probabilities = synaptic_probabilities(parent, parent_masks, g.normalization)
    factor = environment.factor(probabilities)
    masks = synthesize(parent, environment, torch.Generator().manual_seed(spec.seed),
                       masks=parent_masks, normalization=g.normalization)

    rewind_state = None
    if g.init == "rewind":
        if not paths.rewind.is_file():
            raise FileNotFoundError(f"{paths.rewind}: the rewind init mode needs the ancestor's "
                                    "early weights (set ancestor.rewind_steps > 0)")
        rewind_state = torch.load(paths.rewind, map_location="cpu", weights_only=True)
    network = SaliencyNet(params.ancestor.model.to_config())
    init_offspring(network, masks, g.init, seed=spec.seed,
                   parent_state=parent_state["model"], rewind_state=rewind_state)
    train_set = SaliencySet.load(paths.split("train")).tensors()
    val_set = SaliencySet.load(paths.split("val")).tensors()
    start = time.perf_counter()
    with live_log(paths.live(name)) as on_epoch:
        result = train(network, train_set, g.train_for(name).to_config(), masks=masks,
                       progress=progress, description=name,
                       validate=_validator(val_set, g.train.device), on_epoch=on_epoch)
    seconds = time.perf_counter() - start
    val = evaluate_network(network, val_set, device=g.train.device)
    if count_synapses(network) > masks.count():
        raise RuntimeError("a dead synapse came back to life during training")
    summary = {"parent": spec.parent, "environment": spec.environment.model_dump(),
               "environment_text": spec.environment.describe(), "factor": factor,
               "normalization": g.normalization, "init": g.init,
               "epochs": g.train_for(name).epochs, "parent_synapses": parent_masks.count(),
               "expected_synapses": factor * sum(float(p.sum()) for p in probabilities.values()),
               "losses": result.losses, "history": result.history, "device": result.device}
    _finish(paths, name, network, masks, summary, seconds, val)
    return GenerationResult(network, masks, summary, probabilities)


# -- beyond the paper: the study ------------------------------------------------------------
def study_task(params: Params, name: str, paths: Paths = Paths()) -> Task:
    """The :class:`~evosynth.study.Task` ``study.tasks.<name>`` describes."""
    if params.study is None or name not in params.study.tasks:
        known = ", ".join(params.study.tasks) if params.study else "none: no study section"
        raise ValueError(f"task {name!r} is not in study.tasks ({known})")
    spec = params.study.tasks[name]
    if spec.network == "saliency":
        model = (spec.model or params.ancestor.model).to_config()
        train_set = SaliencySet.load(paths.split("train")).tensors()
        test_set = SaliencySet.load(paths.split("test")).tensors()
        return Task(name, lambda: SaliencyNet(model), subset(train_set, spec.n_train),
                    subset(test_set, spec.n_test), spec.train.to_config(), saliency_loss,
                    lambda net, data: evaluate_network(net, data, device=spec.train.device)
                    .summary())
    raw = params.prepare.raw
    return Task(name, lambda: build_classifier(spec.network),
                fashion_split(raw, "train", spec.n_train), fashion_split(raw, "t10k", spec.n_test),
                spec.train.to_config(), classification_loss,
                lambda net, data: {"accuracy": accuracy(net, data, device=spec.train.device)})


def study(params: Params, name: str, paths: Paths = Paths(),
          progress: bool = True) -> dict[str, dict[str, Any]]:
    """Every method and seed of study task ``name``; writes and returns its results."""
    task = study_task(params, name, paths)
    s = params.study
    assert s is not None  # study_task checked it
    environments = [spec.environment.build() for spec in params.generation.lineage.values()]
    results: dict[str, dict[str, Any]] = {}
    for seed in s.seeds:
        results.update(run_seed(task, seed, environments, s.methods,
                                params.generation.normalization, s.rewind_steps, progress))
    write_json(paths.study(name), results)
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


#: Task name of the default experiment's network in ``beyond.json`` (its unstructured lineage
#: from ``results/metrics.json`` and its structured lineage from ``results/structured.json``).
DEFAULT_TASK = "saliency-default"


def beyond(params: Params, paths: Paths = Paths()) -> dict[str, dict[str, Any]]:
    """Merge every study task's results, and the default experiment's two lineages
    (unstructured: ``metrics.json``; structured: ``structured.json``), into ``beyond.json``."""
    if params.study is None:
        raise ValueError("params.yaml has no study section")
    sources = [paths.study(name) for name in params.study.tasks] + [paths.metrics,
                                                                     paths.structured_metrics]
    for source in sources:
        if not source.is_file():
            raise FileNotFoundError(f"{source}: results not found (run `dvc repro` and then "
                                    "`dvc repro beyond/dvc.yaml`)")
    merged: dict[str, dict[str, Any]] = {}
    for source in sources[:-2] + sources[-1:]:
        merged.update(json.loads(source.read_text()))
    g = params.generation
    for name, entry in json.loads(paths.metrics.read_text()).items():
        merged[f"{DEFAULT_TASK}/darwin/{g.init}/seed{params.ancestor.train.seed}/{name}"] = entry
    write_json(paths.beyond, dict(sorted(merged.items())))
    write_json(paths.beyond_summary, beyond_summary(params, merged))
    return merged


#: The arms every other method of the study is compared with, seed by seed.
BASELINES = ("magnitude/inherit", "random/inherit")


def task_metric(params: Params, task: str) -> str:
    """The score a study task is judged by: F-beta (adaptive) for saliency, else accuracy."""
    assert params.study is not None
    return "f_beta_adaptive" if params.study.tasks[task].network == "saliency" else "accuracy"


def beyond_summary(params: Params, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The study at its last generation, for ``dvc metrics``: per task, each method's mean and
    standard deviation over seeds, and Darwin's (``darwin/inherit``) paired difference to each
    baseline (mean and standard deviation of the per-seed differences)."""
    assert params.study is not None
    last = len(params.generation.lineage)
    summary: dict[str, Any] = {}
    for task in params.study.tasks:
        metric = task_metric(params, task)
        rows = {s.method: s for s in summarise(results, metric)
                if s.task == task and s.generation == last}
        entry: dict[str, Any] = {"metric": metric, "generation": last}
        for method in params.study.methods:
            if method in rows:
                entry[method] = {"mean": rows[method].mean, "std": rows[method].std}
        for baseline in BASELINES:
            diff = [d for d in paired_differences(results, metric, task, "darwin/inherit",
                                                  baseline) if d.generation == last]
            if diff:
                entry[f"darwin/inherit - {baseline}"] = {"mean": diff[0].mean,
                                                         "std": diff[0].std}
        summary[task] = entry
    return summary


# -- evaluate --------------------------------------------------------------------------------
@dataclass
class Evaluation:
    """Test-split scores of every generation, and what the book draws of its synapses."""

    scores: dict[str, SaliencyScores]
    synapses: dict[str, int]
    metrics: dict[str, dict[str, float]]
    masks: dict[str, Masks]
    layers: dict[str, list[LayerReport]]
    weights: dict[str, np.ndarray]
    probabilities: dict[str, np.ndarray]


def evaluate(params: Params, paths: Paths = Paths()) -> Evaluation:
    """Every generation on the test split: synapses, reduction, F-beta, MAE, PR curves."""
    names = ["gen0", *params.generation.generations]
    test = SaliencySet.load(paths.split("test"))
    dataset = test.tensors()
    n_examples = min(params.evaluate.n_examples, len(test))
    device = str(select_device(params.ancestor.train.device))
    scores, synapses, metrics, maps = {}, {}, {}, {}
    masks, layers, weights, probabilities = {}, {}, {}, {}
    for name in names:
        state = load_checkpoint(paths.network(name))
        network = load_network(state, params.ancestor.model.to_config())
        scores[name] = evaluate_network(network, dataset, params.evaluate.batch_size, device)
        masks[name] = state["masks"]
        synapses[name] = masks[name].count()
        layers[name] = synapse_report(masks[name])
        alive = masks[name]
        weights[name] = torch.cat([w.detach().cpu()[alive[n]].abs()
                                   for n, w in synaptic_parameters(network)]).numpy()
        # P(s|w) of this generation's synapses: the heredity its offspring would be drawn from.
        p = synaptic_probabilities(network, alive, params.generation.normalization)
        probabilities[name] = torch.cat([p[n][alive[n]] for n in p]).numpy()
        maps[name] = predict(network, torch.utils.data.Subset(dataset, range(n_examples)),
                             device=device).numpy()
    for name in names:
        metrics[name] = {"synapses": synapses[name],
                         "reduction": synapses["gen0"] / max(synapses[name], 1),
                         **scores[name].summary()}
    write_json(paths.metrics, metrics)
    _write_csv(paths.synapses, [{"generation": n, "synapses": synapses[n],
                                 "reduction": metrics[n]["reduction"],
                                 "f_beta_adaptive": metrics[n]["f_beta_adaptive"],
                                 "f_beta_max": metrics[n]["f_beta_max"]} for n in names])
    _write_csv(paths.layer_survival, [
        {"generation": n, "layer": r.name.removesuffix(".weight"), "synapses": r.synapses,
         "synapses_alive": r.synapses_alive, "density": r.density,
         "neurons": r.neurons, "neurons_alive": r.neurons_alive}
        for n in names for r in layers[n]])
    for n in names:   # one file per generation: one line each in `dvc plots`
        _write_csv(paths.pr_curve(n), [
            {"threshold": 255 - i, "precision": float(scores[n].precision[i]),
             "recall": float(scores[n].recall[i]), "f_beta": float(scores[n].f_beta_curve[i])}
            for i in range(len(scores[n].precision))])

    def _save_examples(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, images=test.images[:n_examples], masks=test.masks[:n_examples],
                                **{f"map_{n}": m for n, m in maps.items()})
    atomic_write(paths.examples, _save_examples)
    return Evaluation(scores, synapses, metrics, masks, layers, weights, probabilities)


def training_histories(params: Params, paths: Paths = Paths()) -> dict[str, list[dict]]:
    """Every generation's per-epoch training record (``history`` of its summary.json)."""
    names = ["gen0", *params.generation.generations]
    histories = {}
    for name in names:
        summary = paths.summary(name)
        if not summary.is_file():
            raise FileNotFoundError(f"{summary}: summary not found (run `dvc repro`)")
        histories[name] = json.loads(summary.read_text()).get("history", [])
    return histories


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    buffer = _io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(path, lambda tmp: tmp.write_text(buffer.getvalue()))
