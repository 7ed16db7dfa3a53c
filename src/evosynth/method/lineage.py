"""The lineage engine: how one generation of any lineage is made.

A generation is made in three steps, the same for every lineage of this project (the
paper's default pipeline, the structured lineage, the study's methods and the F(E) sweep):

1. **synthesis**: an offspring architecture is drawn from the trained parent
   (:func:`synthesize_offspring`): synapse by synapse with the synaptic probability model
   (``mode: unstructured``, the paper), filter by filter (``mode: structured``, a smaller dense
   network), or, for the study's pruning baselines, pruned to a given per-layer budget
   (``selection: magnitude | random``);
2. **initialisation**: its weights start ``newborn``, ``inherit`` or ``rewind``
   (:mod:`evosynth.method.genetics.offspring`);
3. **training**: it is trained with its dead synapses held at zero (:func:`evosynth.train`).

Step 1 is two small registries, as open_lth keeps its pruning strategies:
:data:`SYNTHESIS_MODES` (``unstructured`` / ``structured``) and, for the unstructured mode,
:data:`SELECTIONS` (``darwin`` / ``magnitude`` / ``random`` / ``dense``). Each entry draws the
offspring and fills its own part of the record (:class:`Drawn`); what each needs of its recipe
is one rule table beside its word (:data:`evosynth.hparams.SELECTION_RULES`, checked by
:func:`evosynth.hparams.check_recipe` for a :class:`Recipe` and for ``params.yaml`` alike).

With ``population: k`` steps 1-3 run for k candidates (seeds from :func:`candidate_seed`) and
the one with the best validation score survives. Everything a generation needs is in its
:class:`Recipe`; :func:`make_generation` returns a :class:`Generation` whose ``summary`` has
the same keys in every lineage (the pipeline writes it as ``results/<genK>/summary.json``).
:func:`make_ancestor` makes generation 0. The engine works in memory; writing to disk is the
pipeline stages' job (:mod:`evosynth.experiment.stages`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from .genetics import (Environment, Masks, count_clusters, count_parameters, count_synapses,
                       draw_clusters, draw_synapses, expected_clusters, init_offspring,
                       prune_to_budget, shrink)
from ..hparams import PRUNING_METHODS, check_recipe
from .training import EpochHook, TrainConfig, saliency_loss, train

#: ``validate(network) -> {metric: value}``: the validation scores of a trained network.
Validator = Callable[[nn.Module], Mapping[str, float]]
#: The score a population's survivor is chosen by (the larger, the better).
SELECTED_BY = "f_beta_adaptive"


@dataclass(frozen=True)
class Recipe:
    """How one offspring generation is made from its parent.

    Attributes:
        environment: the environmental factor model F(E) of this generation.
        seed: seeds the synthesis draw and, for ``newborn``, the fresh weights (candidate 0 of
            a population; see :func:`candidate_seed`).
        train: how the offspring is trained.
        init: ``newborn``, ``inherit`` or ``rewind`` (:data:`~evosynth.INIT_MODES`).
        normalization: Z of the probability model, per ``layer`` or ``global``.
        mode: ``unstructured`` or ``structured`` (:data:`SYNTHESIS_MODES`).
        population: candidates synthesized and trained; the best on validation survives.
        selection: ``darwin``, a pruning baseline ``magnitude`` / ``random``, or ``dense``
            (every synapse of the parent survives: the dense control).
        budget: alive synapses per layer, for a pruning baseline.
    """

    environment: Environment | None
    seed: int
    train: TrainConfig
    init: str = "newborn"
    normalization: str = "layer"
    mode: str = "unstructured"
    population: int = 1
    selection: str = "darwin"
    budget: Mapping[str, int] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        check_recipe(init=self.init, normalization=self.normalization, mode=self.mode,
                     selection=self.selection, population=self.population,
                     has_environment=self.environment is not None,
                     has_budget=self.budget is not None)


@dataclass
class Generation:
    """A trained generation: its network, masks, summary and what it was drawn from.

    ``summary`` holds, for every lineage, ``seed``, ``epochs``, ``synapses``,
    ``synapses_total``, ``parameters``, ``losses``, ``history`` (per-epoch records),
    ``device``, ``precision`` (the one that ran: ``auto`` resolved), ``train_seconds`` and ``val`` (validation scores; empty without a validator);
    an offspring adds its recipe (``mode``, ``population``, ``selection``, ``init``,
    ``normalization``), ``factor`` (F(E)), ``expected_synapses`` (or, structured,
    ``expected_clusters``, ``parent_clusters``, ``clusters``, ``channels``),
    ``parent_synapses``, ``parent_parameters``, every candidate's scores (``candidates``),
    the survivor's index (``selected``) and ``train_seconds_population``.
    """

    network: nn.Module
    masks: Masks
    summary: dict[str, Any]
    probabilities: dict[str, torch.Tensor] | None = None
    rewind_state: dict[str, torch.Tensor] | None = None


def candidate_seed(seed: int, index: int) -> int:
    """Synthesis seed of candidate ``index`` of a generation whose seed is ``seed``.

    Candidate 0 uses ``seed`` itself (so a population of one is the single-offspring run);
    the others are spawned from ``(seed, index)``.
    """
    if index == 0:
        return seed
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


@dataclass
class Drawn:
    """What synthesis drew of one offspring (step 1): its masks, its record's part
    (``info``: ``factor`` and the expected survivors), the heredity it was drawn with
    (``None`` for a baseline) and, for structured synthesis, the smaller network it built."""

    masks: Masks
    info: dict[str, Any]
    probabilities: dict[str, torch.Tensor] | None = None
    network: nn.Module | None = None


#: ``select(parent, parent_masks, recipe, generator) -> Drawn``.
Selection = Callable[[nn.Module, Masks, "Recipe", torch.Generator], Drawn]


def _darwin(parent: nn.Module, parent_masks: Masks, recipe: Recipe,
            generator: torch.Generator) -> Drawn:
    """The paper's random synthesis: every synapse survives with F(E) · P(s|w)."""
    masks, probabilities, factor = draw_synapses(parent, recipe.environment, generator,
                                                 parent_masks, recipe.normalization)
    expected = factor * sum(float(p.sum()) for p in probabilities.values())
    return Drawn(masks, {"factor": factor, "expected_synapses": expected}, probabilities)


def _pruning(parent: nn.Module, parent_masks: Masks, recipe: Recipe,
             generator: torch.Generator) -> Drawn:
    """A pruning baseline: exactly the recipe's per-layer budget survives."""
    masks = prune_to_budget(parent, parent_masks, recipe.budget, recipe.selection, generator)
    return Drawn(masks, {"factor": None, "expected_synapses": float(masks.count())})


def _dense(parent: nn.Module, parent_masks: Masks, recipe: Recipe,
           generator: torch.Generator) -> Drawn:
    """The dense control: every synapse of the parent survives."""
    masks = Masks(parent_masks)
    return Drawn(masks, {"factor": None, "expected_synapses": float(masks.count())})


#: How the surviving synapses are chosen, by the words of :data:`evosynth.hparams.SELECTIONS`
#: (whose :data:`~evosynth.hparams.SELECTION_RULES` say what each needs of its recipe).
SELECTIONS: dict[str, Selection] = {"darwin": _darwin, **dict.fromkeys(PRUNING_METHODS, _pruning),
                                    "dense": _dense}


def _unstructured(parent: nn.Module, parent_masks: Masks, recipe: Recipe,
                  generator: torch.Generator) -> Drawn:
    """Synapse by synapse (the paper), by the recipe's selection."""
    return SELECTIONS[recipe.selection](parent, parent_masks, recipe, generator)


def _structured(parent: nn.Module, parent_masks: Masks, recipe: Recipe,
                generator: torch.Generator) -> Drawn:
    """Filter by filter: the offspring is a smaller dense network (its weights inherited)."""
    keep, factor, probabilities = draw_clusters(parent, recipe.environment, generator,
                                                masks=parent_masks,
                                                normalization=recipe.normalization)
    network, masks = shrink(parent, keep, parent_masks)
    info = {"factor": factor, "expected_clusters": expected_clusters(probabilities, factor),
            "parent_clusters": count_clusters(parent), "clusters": count_clusters(network),
            "channels": list(network.config.conv_channels)}
    return Drawn(masks, info, probabilities, network)


#: How an offspring is drawn, by the words of :data:`evosynth.hparams.SYNTHESIS_MODES`.
SYNTHESIS_MODES: dict[str, Selection] = {"unstructured": _unstructured,
                                         "structured": _structured}


def synthesize_offspring(parent: nn.Module, parent_masks: Masks, recipe: Recipe, seed: int,
                         build: Callable[[], nn.Module] | None = None,
                         rewind_state: Mapping[str, torch.Tensor] | None = None,
                         ) -> tuple[nn.Module, Masks, dict[str, Any], dict | None]:
    """Draw one offspring of ``parent`` and initialise its weights (steps 1 and 2).

    ``build()`` makes an untrained network of the parent's architecture (default: the
    parent's class with its ``config``). Returns ``(network, masks, info, probabilities)``:
    ``info`` holds ``factor`` and the expected survivors; ``probabilities`` the heredity each
    unit was drawn with (``None`` for a pruning baseline).
    """
    generator = torch.Generator().manual_seed(seed)
    drawn = SYNTHESIS_MODES[recipe.mode](parent, parent_masks, recipe, generator)
    if drawn.network is not None:       # structured: the smaller network holds the weights
        network = drawn.network
        if recipe.init == "newborn":
            init_offspring(network, drawn.masks, "newborn", seed=seed)
        return network, drawn.masks, drawn.info, drawn.probabilities
    network = build() if build is not None else type(parent)(parent.config)
    init_offspring(network, drawn.masks, recipe.init, seed=seed,
                   parent_state={k: v.detach().cpu() for k, v in parent.state_dict().items()},
                   rewind_state=rewind_state)
    return network, drawn.masks, drawn.info, drawn.probabilities


def _log(live_dir: Path | None) -> Any:
    """dvclive's per-epoch log into ``live_dir``, or nothing."""
    if live_dir is None:
        return contextlib.nullcontext(None)
    from .records import live_log
    return live_log(live_dir)


def _fit(network: nn.Module, masks: Masks | None, train_set: Dataset, config: TrainConfig,
         loss_fn: Callable, validate: Validator | None, progress: bool, description: str,
         live_dir: Path | None) -> tuple[Any, float, dict[str, float]]:
    """Train, then score on validation: ``(TrainResult, seconds, val scores)``."""
    start = time.perf_counter()
    with _log(live_dir) as on_epoch:
        result = train(network, train_set, config, masks=masks, progress=progress,
                       description=description, loss_fn=loss_fn, validate=validate,
                       on_epoch=on_epoch)
    seconds = time.perf_counter() - start
    val = dict(validate(network)) if validate is not None else {}
    return result, seconds, val


def make_ancestor(build: Callable[[], nn.Module], train_set: Dataset, config: TrainConfig,
                  init_seed: int, loss_fn: Callable = saliency_loss,
                  validate: Validator | None = None, progress: bool = True,
                  description: str = "ancestor", live_dir: Path | None = None) -> Generation:
    """Generation 0: ``build()`` under ``torch.manual_seed(init_seed)``, trained with every
    synapse alive. ``config.rewind_steps`` > 0 keeps its early weights (``rewind_state``)."""
    torch.manual_seed(init_seed)
    network = build()
    masks = Masks.ones_like(network)
    result, seconds, val = _fit(network, None, train_set, config, loss_fn, validate, progress,
                                description, live_dir)
    summary = {"seed": init_seed, "epochs": config.epochs, "train": dataclasses.asdict(config),
               "synapses": masks.count(),
               "synapses_total": masks.total(), "parameters": count_parameters(network),
               "losses": result.losses, "history": result.history, "device": result.device,
               "precision": result.precision, "train_seconds": round(seconds, 1), "val": val,
               "rewind_saved": result.rewind_state is not None}
    return Generation(network, masks, summary, rewind_state=result.rewind_state)


def make_generation(parent: nn.Module, parent_masks: Masks, recipe: Recipe, train_set: Dataset,
                    build: Callable[[], nn.Module] | None = None,
                    loss_fn: Callable = saliency_loss, validate: Validator | None = None,
                    rewind_state: Mapping[str, torch.Tensor] | None = None,
                    progress: bool = True, description: str = "offspring",
                    live_dir: Path | None = None) -> Generation:
    """One offspring generation of ``parent``: synthesize, initialise and train each of the
    recipe's ``population`` candidates, keep the best on ``validate`` (:data:`SELECTED_BY`).

    ``live_dir``, if given, receives dvclive's per-epoch log (``candidate<k>/`` below it for a
    population). Raises ``RuntimeError`` if a dead synapse came back to life in training.
    """
    if recipe.population > 1 and validate is None:
        raise ValueError("a population needs a validate function to choose its survivor")
    if recipe.init == "rewind" and rewind_state is None:
        raise ValueError("init 'rewind' needs the ancestor's early weights (rewind_state)")
    best: Generation | None = None
    candidates = []
    for index in range(recipe.population):
        seed = candidate_seed(recipe.seed, index)
        network, masks, info, probabilities = synthesize_offspring(
            parent, parent_masks, recipe, seed, build, rewind_state)
        all_alive = masks.count() == masks.total()
        log = live_dir if live_dir is None or recipe.population == 1 \
            else live_dir / f"candidate{index}"
        result, seconds, val = _fit(
            network, None if all_alive else masks, train_set, recipe.train, loss_fn, validate,
            progress, description if recipe.population == 1 else f"{description}#{index}", log)
        if count_synapses(network) > masks.count():
            raise RuntimeError("a dead synapse came back to life during training")
        scores = {"candidate": index, "seed": seed, "synapses": masks.count(),
                  "parameters": count_parameters(network), "train_seconds": round(seconds, 1),
                  **{k: v for k, v in info.items() if k != "channels"}, "val": val}
        candidates.append(scores)
        if best is None or val.get(SELECTED_BY, -math.inf) > best.summary["val"].get(
                SELECTED_BY, -math.inf):
            summary = {"mode": recipe.mode, "population": recipe.population,
                       "selection": recipe.selection, "init": recipe.init,
                       "normalization": recipe.normalization, "seed": seed,
                       "epochs": recipe.train.epochs,
                       "train": dataclasses.asdict(recipe.train), **info,
                       "parent_synapses": parent_masks.count(),
                       "parent_parameters": count_parameters(parent),
                       "synapses": masks.count(), "synapses_total": masks.total(),
                       "parameters": count_parameters(network), "losses": result.losses,
                       "history": result.history, "device": result.device,
                       "precision": result.precision,
                       "train_seconds": round(seconds, 1), "val": val, "selected": index}
            best = Generation(network, masks, summary, probabilities)
    assert best is not None
    best.summary["candidates"] = candidates
    best.summary["train_seconds_population"] = round(sum(c["train_seconds"]
                                                         for c in candidates), 1)
    return best
