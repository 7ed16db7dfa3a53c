"""Offspring generations beyond the paper's default: structured synthesis and populations.

:func:`evosynth.stages.generation` hands a generation over to :func:`generation` here when its
section of ``params.yaml`` asks for ``mode: structured`` or ``population`` > 1; the default
(unstructured, one offspring) stays in ``stages``.

* ``mode: structured``: whole filters are drawn (:mod:`evosynth.genetics.clusters`) and the
  offspring is a smaller dense network, saved with its channel counts.
* ``population: k``: k offspring are synthesized from k seeds (the first is the lineage
  entry's ``seed``, so ``k = 1`` is the single-offspring run), each is trained, and the one
  with the best adaptive F-beta on the validation split survives; every candidate's scores
  are kept in the generation's summary.

A second lineage (a section other than ``generation``, such as ``structured``) writes under
``models/<section>/genK`` and ``results/<section>/genK`` (:class:`~evosynth.paths.Paths` with
``lineage``); its ``gen0`` is the pipeline's ancestor.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .config import GenerationParams, Params, ParamsError
from .data import SaliencySet
from .genetics import (Masks, count_clusters, count_parameters, count_synapses, init_offspring,
                       shrink, synapse_report, synaptic_probabilities, synthesize,
                       synthesize_clusters)
from .genetics.clusters import cluster_probabilities, expected_clusters
from .io import write_json
from .models import SaliencyNet
from .paths import Paths
from .provenance import machine_summary
from .records import live_log
from .training import evaluate as evaluate_network
from .training import load_checkpoint, load_network, save_checkpoint, train


def section(params: Params, name: str) -> GenerationParams:
    """The generation section ``name`` of ``params`` (``generation`` or ``structured``)."""
    value = getattr(params, name, None) if name in type(params).model_fields else None
    if not isinstance(value, GenerationParams):
        raise ParamsError(f"params has no lineage section {name!r} (expected 'generation' or a "
                         "section such as 'structured' holding normalization, init, train, "
                         "lineage, mode)")
    return value


def lineage_paths(section_name: str, paths: Paths = Paths()) -> Paths:
    """Where a lineage section's generations live (the default one: where they always did)."""
    if section_name == "generation":
        return paths
    return Paths(paths.root, lineage=section_name)


def candidate_seed(seed: int, index: int) -> int:
    """Synthesis seed of candidate ``index`` of a generation whose lineage seed is ``seed``.

    Candidate 0 uses ``seed`` itself; the others are spawned from ``(seed, index)``.
    """
    if index == 0:
        return seed
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


@dataclass
class Candidate:
    """One synthesized and trained offspring."""

    seed: int
    network: SaliencyNet
    masks: Masks
    info: dict[str, Any]
    val: Any
    seconds: float
    losses: list[float]
    device: str
    probabilities: dict[str, torch.Tensor]
    history: list[dict[str, float]]


def _train_params(g: GenerationParams, name: str):
    # The lead's per-generation epochs (GenerationParams.train_for), where present.
    return g.train_for(name) if hasattr(g, "train_for") else g.train


def _synthesize(g: GenerationParams, spec: Any, parent: SaliencyNet, parent_masks: Masks,
                parent_state: dict[str, torch.Tensor], seed: int,
                rewind_state: dict[str, torch.Tensor] | None
                ) -> tuple[SaliencyNet, Masks, dict[str, Any], dict[str, torch.Tensor]]:
    environment = spec.environment.build()
    generator = torch.Generator().manual_seed(seed)
    if g.mode == "structured":
        probabilities = cluster_probabilities(parent, parent_masks, g.normalization)
        keep, factor = synthesize_clusters(parent, environment, generator, masks=parent_masks,
                                           normalization=g.normalization)
        network, masks = shrink(parent, keep, parent_masks)
        if g.init == "newborn":
            init_offspring(network, masks, "newborn", seed=seed)
        info = {"factor": factor, "parent_clusters": count_clusters(parent),
                "expected_clusters": expected_clusters(probabilities, factor),
                "clusters": count_clusters(network),
                "channels": list(network.config.conv_channels)}
        return network, masks, info, probabilities
    probabilities = synaptic_probabilities(parent, parent_masks, g.normalization)
    factor = environment.factor(probabilities)
    masks = synthesize(parent, environment, generator, masks=parent_masks,
                       normalization=g.normalization)
    network = SaliencyNet(parent.config)
    init_offspring(network, masks, g.init, seed=seed, parent_state=parent_state,
                   rewind_state=rewind_state)
    info = {"factor": factor,
            "expected_synapses": factor * sum(float(p.sum()) for p in probabilities.values())}
    return network, masks, info, probabilities


def generation(params: Params, name: str, paths: Paths = Paths(), progress: bool = True,
               section_name: str = "generation"):
    """Synthesize generation ``name`` of lineage section ``section_name``, train, select.

    Returns a :class:`evosynth.stages.GenerationResult` (the survivor).
    """
    from .stages import GenerationResult, _write_csv

    g = section(params, section_name)
    if name not in g.lineage:
        raise ValueError(f"generation {name!r} is not in {section_name}.lineage "
                         f"({', '.join(g.lineage)})")
    spec = g.lineage[name]
    parent_state = load_checkpoint(paths.network(spec.parent))
    parent = load_network(parent_state, params.ancestor.model.to_config())
    parent_masks = parent_state["masks"] if parent_state.get("masks") is not None \
        else Masks.ones_like(parent)
    rewind_state = None
    if g.init == "rewind":
        if not paths.rewind.is_file():
            raise FileNotFoundError(f"{paths.rewind}: the rewind init mode needs the ancestor's "
                                    "early weights (set ancestor.rewind_steps > 0)")
        rewind_state = torch.load(paths.rewind, map_location="cpu", weights_only=True)
    train_params = _train_params(g, name)
    train_set = SaliencySet.load(paths.split("train")).tensors()
    val_set = SaliencySet.load(paths.split("val")).tensors()

    best: Candidate | None = None
    scores = []
    for index in range(g.population):
        seed = candidate_seed(spec.seed, index)
        network, masks, info, probabilities = _synthesize(
            g, spec, parent, parent_masks, parent_state["model"], seed, rewind_state)
        all_alive = masks.count() == masks.total()
        start = time.perf_counter()
        log_dir = paths.live(name) if g.population == 1 else paths.live(name) / f"candidate{index}"
        with live_log(log_dir) as on_epoch:
            result = train(network, train_set, train_params.to_config(),
                           masks=None if all_alive else masks, progress=progress,
                           description=name if g.population == 1 else f"{name}#{index}",
                           validate=lambda net: evaluate_network(
                               net, val_set, device=train_params.device).summary(),
                           on_epoch=on_epoch)
        seconds = time.perf_counter() - start
        if count_synapses(network) > masks.count():
            raise RuntimeError("a dead synapse came back to life during training")
        val = evaluate_network(network, val_set, device=train_params.device)
        scores.append({"candidate": index, "seed": seed, "synapses": masks.count(),
                       "parameters": count_parameters(network), "train_seconds": round(seconds, 1),
                       **{k: v for k, v in info.items() if k != "channels"},
                       "val": val.summary()})
        if best is None or val.f_beta_adaptive > best.val.f_beta_adaptive:
            best = Candidate(seed, network, masks, info, val, seconds, result.losses,
                             result.device, probabilities, result.history)
    assert best is not None
    summary = {"parent": spec.parent, "mode": g.mode, "population": g.population,
               "environment": spec.environment.model_dump(),
               "environment_text": spec.environment.describe().replace("synapses", "filters")
               if g.mode == "structured" else spec.environment.describe(),
               "normalization": g.normalization, "init": g.init,
               "parent_synapses": parent_masks.count(),
               "parent_parameters": count_parameters(parent),
               "parameters": count_parameters(best.network), "seed": best.seed,
               **best.info, "losses": best.losses, "history": best.history,
               "device": best.device,
               "candidates": scores,
               "selected": next(s["candidate"] for s in scores if s["seed"] == best.seed)}
    summary.update({"generation": name, "synapses": best.masks.count(),
                    "synapses_total": best.masks.total(),
                    "train_seconds": round(best.seconds, 1),
                    "train_seconds_population": round(sum(s["train_seconds"] for s in scores), 1),
                    "val": best.val.summary(), "machine": machine_summary()})
    extra = {"channels": list(best.network.config.conv_channels)} if g.mode == "structured" \
        else {}
    save_checkpoint(paths.network(name), best.network, best.masks, generation=name, **extra)
    _write_csv(paths.layers(name), [r.as_dict() for r in synapse_report(best.masks)])
    write_json(paths.summary(name), summary)
    return GenerationResult(best.network, best.masks, summary, best.probabilities)


def lineage_metrics(params: Params, section_name: str, method: str, out: Path,
                    paths: Paths = Paths(), task: str = "saliency-default",
                    batch_size: int = 64, device: str = "auto") -> dict[str, dict[str, float]]:
    """Test-split scores of gen0..genN of a lineage section, keyed
    ``"<task>/<method>/<init>/seed<train seed>/<genK>"``; written to ``out`` as JSON."""
    g = section(params, section_name)
    where = lineage_paths(section_name, paths)
    test = SaliencySet.load(paths.split("test")).tensors()
    base = params.ancestor.model.to_config()
    rows, ancestor_synapses = {}, None
    for name in ["gen0", *g.generations]:
        state = load_checkpoint(where.network(name))
        network = load_network(state, base)
        synapses = state["masks"].count() if state.get("masks") is not None \
            else count_synapses(network)
        ancestor_synapses = ancestor_synapses or synapses
        scores = evaluate_network(network, test, batch_size, device).summary()
        rows[f"{task}/{method}/{g.init}/seed{g.train.seed}/{name}"] = {
            "synapses": synapses, "reduction": ancestor_synapses / max(synapses, 1),
            "f_beta_adaptive": scores["f_beta_adaptive"], "f_beta_max": scores["f_beta_max"],
            "mae": scores["mae"]}
    write_json(out, rows)
    return rows
