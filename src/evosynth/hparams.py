"""The ground floor: every word the parameters may use, and the library's config dataclasses.

Nothing here imports the rest of the package (``tests/test_structure.py`` checks it), so that
:mod:`evosynth.experiment.config` (``params.yaml``) and every registry that implements a word (the
optimizers, init modes, selections, synthesis modes, ...) read one list, and a change to any
implementation stales no stage that only validates parameters. A registry's keys are tested
to equal its word list here.

The config dataclasses (:class:`SaliencyNetConfig`, :class:`TrainConfig`,
:class:`CompositeConfig`) are plain data with their own checks; :mod:`evosynth.method.models`,
:mod:`evosynth.method.training` and :mod:`evosynth.experiment.synthetic` re-export them beside
the code that uses them, and :mod:`evosynth.experiment.config` builds its sections from them
(``_mirror``: their fields and defaults are written here only).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# -- vocabularies --------------------------------------------------------------------------
#: Optimizers, learning-rate schedules and forward-pass precisions (:mod:`evosynth.method.training`).
OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "cosine", "step")
PRECISIONS = ("auto", "fp32", "bf16")
#: How an offspring's weights start (:data:`evosynth.method.genetics.offspring.INIT_MODES`).
INITS = ("newborn", "inherit", "rewind")
#: How Z of P(s|w) is chosen: the largest strength of each layer, or of the whole network.
NORMALIZATIONS = ("layer", "global")
#: ``unstructured``: every synapse is drawn (the paper); ``structured``: every filter is drawn
#: and the offspring is a smaller dense network (:mod:`evosynth.method.genetics.clusters`).
SYNTHESIS_MODES = ("unstructured", "structured")
#: Pruning baselines at a given per-layer budget (:mod:`evosynth.method.genetics.pruning`).
PRUNING_METHODS = ("magnitude", "random")
#: How the surviving synapses are chosen (:data:`evosynth.method.lineage.SELECTIONS`): ``darwin``
#: (the paper's random synthesis), a pruning baseline, or ``dense``: every synapse of the
#: parent survives (the dense control: the same training, nothing removed).
SELECTIONS = ("darwin", *PRUNING_METHODS, "dense")
#: The selections a lineage section of ``params.yaml`` may name (the pruning baselines take
#: their per-layer budgets from a Darwin lineage: only the study runs them).
LINEAGE_SELECTIONS = ("darwin", "dense")
#: Environmental factor models F(E) (:mod:`evosynth.method.genetics.environment`).
ENVIRONMENTS = ("constant", "budget")
#: Every method of the study, ``"<selection>/<init mode>"``; ``darwin/inherit`` runs first
#: because the baselines take its per-layer budgets (:mod:`evosynth.experiment.study`).
METHODS = ("darwin/inherit", "darwin/newborn", "darwin/rewind", "magnitude/inherit",
           "random/inherit", "lottery/rewind")
#: The study's classifiers (:data:`evosynth.experiment.classifiers.CLASSIFIERS`) and its networks.
CLASSIFIERS = ("lenet5", "resnet")
NETWORKS = ("saliency", *CLASSIFIERS)
#: Data sets the ``prepare`` stage builds.
DATASETS = ("fashion-composite", "shapes", "folder")


# -- lineages ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lineage:
    """One lineage of the default network, from the default pipeline's ancestor: every name it
    goes by, in one place (:data:`LINEAGES`). :class:`evosynth.experiment.paths.Paths`, the stages, the
    result keys of ``beyond.json``, the book's `artifact`, :mod:`evosynth.publish.verify`, the
    benchmarks and the command line all derive theirs from it (``tests/test_structure.py``
    checks that no other module spells one)."""

    name: str            # what a reader and the command line call it
    section: str         # its section of params.yaml
    method: str          # the method part of its result keys: <task>/<method>/<init>/...
    folder: str | None   # models/<folder>/genK and results/<folder>/genK (None: models/genK)
    label: str           # the book's words for it

    @property
    def results(self) -> str:
        """Where its training records live: ``results`` or ``results/<folder>``."""
        return "results" if self.folder is None else f"results/{self.folder}"


#: The default network's task in ``beyond.json`` (its lineages' result keys begin with it).
DEFAULT_TASK = "saliency-default"
#: How the main experiment's networks are trained (``claims.yaml`` pre-registers both):
#: ``first``, the committed campaign (every offspring 12 epochs), and ``best-effort``, every
#: network as long as its own validation learning curve asks (the ``best_effort`` section of
#: params.yaml). Each recipe's result keys begin with its own task.
RECIPES = ("first", "best-effort")
RECIPE_TASKS = {"first": DEFAULT_TASK, "best-effort": "saliency-best"}
#: The paper's lineage (the default pipeline), the structured lineage and the dense control.
DEFAULT = Lineage("default", "generation", "darwin", None, "Darwin (the paper's synthesis)")
STRUCTURED = Lineage("structured", "structured", "darwin-structured", "structured",
                     "structured synthesis")
CONTROL = Lineage("control", "control", "dense-control", "control", "dense control")
#: The paper's own offspring initialisation (fresh weights) in the main experiment.
NEWBORN = Lineage("newborn", "newborn", "darwin", "newborn", "Darwin with newborn offspring")
LINEAGES = {lineage.name: lineage for lineage in (DEFAULT, STRUCTURED, CONTROL, NEWBORN)}
#: The lineages a replicate with another seed trains from its own ancestor.
REPLICATED = (DEFAULT, CONTROL, NEWBORN)
#: The small dense network (``small_dense``): the ancestor narrowed to an offspring's synapse
#: count, trained from scratch as long as that offspring was in all. Its result keys are
#: ``<task>/small-dense/newborn/seed<k>/gen<g>`` (gen<g>: the generation whose size it has);
#: its networks live in ``models/small-dense/gen<g>`` (``models/seeds/seed<k>/small-dense/``).
SMALL_DENSE = "small-dense"


def lineage_of_section(section: str) -> Lineage:
    """The lineage whose ``params.yaml`` section is ``section``; a clear error otherwise."""
    for lineage in LINEAGES.values():
        if lineage.section == section:
            return lineage
    raise ValueError(f"params has no lineage section {section!r} (expected one of "
                     f"{', '.join(repr(lin.section) for lin in LINEAGES.values())})")


def lineage_named(name: str) -> Lineage:
    """The lineage called ``name`` (:data:`LINEAGES`); a clear error otherwise."""
    check_word("lineage", name, LINEAGES)
    return LINEAGES[name]


def check_methods(methods: Iterable[str]) -> list[str]:
    """``methods`` as a list, each a word of :data:`METHODS`; the baselines need
    ``darwin/inherit`` (they take its per-layer budgets)."""
    methods = list(methods)
    for method in methods:
        check_word("method", method, METHODS)
    if any(not m.startswith("darwin/") for m in methods) and "darwin/inherit" not in methods:
        raise ValueError("the baselines take their per-layer budgets from darwin/inherit: "
                         "include it in the methods")
    return methods


def check_word(name: str, value: Any, allowed: Iterable[str]) -> Any:
    """``value`` if it is one of ``allowed``; else ``ValueError("<name> must be one of [...],
    got <value>")``. Every vocabulary check of the package is this one."""
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


@dataclass(frozen=True)
class SelectionRule:
    """What a selection needs of the rest of its recipe (:func:`check_recipe`)."""

    needs_environment: bool = False   # an environment F(E) for every generation
    needs_budget: bool = False        # alive synapses per layer (a pruning baseline)
    modes: tuple[str, ...] = ("unstructured",)
    single: bool = False              # population 1 only


#: Each selection's rule, next to its word.
SELECTION_RULES = {
    "darwin": SelectionRule(needs_environment=True, modes=SYNTHESIS_MODES),
    **{method: SelectionRule(needs_budget=True) for method in PRUNING_METHODS},
    "dense": SelectionRule(single=True),
}


def check_recipe(*, init: str, normalization: str, mode: str, selection: str, population: int,
                 has_environment: bool, has_budget: bool) -> None:
    """The rules of one generation's recipe, written once: :class:`evosynth.method.lineage.Recipe`
    checks itself with them, and :mod:`evosynth.experiment.config` checks ``params.yaml`` with them
    before any stage runs."""
    check_word("init", init, INITS)
    check_word("normalization", normalization, NORMALIZATIONS)
    check_word("mode", mode, SYNTHESIS_MODES)
    check_word("selection", selection, SELECTIONS)
    if isinstance(population, bool) or not isinstance(population, int) or population < 1:
        raise ValueError(f"population must be an integer >= 1, got {population!r}")
    if mode == "structured" and init == "rewind":
        raise ValueError("init 'rewind' is not available with mode 'structured' (the "
                         "ancestor's early weights have the ancestor's shape); use inherit "
                         "or newborn")
    rule = SELECTION_RULES[selection]
    if rule.needs_environment and not has_environment:
        raise ValueError(f"selection {selection!r} needs an environment (F(E)) for every "
                         "generation")
    if selection == "dense" and (mode not in rule.modes or population != 1):
        raise ValueError("selection 'dense' (the dense control) keeps every synapse: "
                         "it needs mode 'unstructured' and population 1")
    if rule.needs_budget and (not has_budget or mode not in rule.modes):
        raise ValueError(f"selection {selection!r} (a pruning baseline) needs a "
                         "per-layer budget and mode 'unstructured'")


# -- the library's config dataclasses ------------------------------------------------------
@dataclass(frozen=True)
class SaliencyNetConfig:
    """Shape of the encoder-decoder.

    Attributes:
        widths: channels of each encoder stage, from full resolution down; every stage after
            the first halves the resolution. The decoder mirrors them with skip connections.
        bottleneck_width: channels of the convolutions at the lowest resolution.
        bottleneck_layers: number of 3x3 convolutions at the lowest resolution.
        convs_per_stage: 3x3 convolutions per encoder and decoder stage.
        batch_norm: batch normalisation after every convolution (not a synapse).
        in_channels: 3 for RGB images.
        patch: the image is first rearranged into ``patch`` × ``patch`` blocks stacked as
            channels (pixel unshuffle, no synapses), and the output is rearranged back (pixel
            shuffle), so that every layer works at 1/patch of the resolution: wide layers,
            many synapses, few FLOPs. 1 keeps full resolution.
        head_kernel: kernel size of the output convolution.
        channels: explicit output channels of every 3x3 convolution, in the order of
            :meth:`SaliencyNet.conv_names` (encoder, bottleneck, decoder; not the head), or
            ``None`` for the widths above. Structured synthesis
            (:mod:`evosynth.method.genetics.clusters`) sets it: its offspring are the same
            encoder-decoder with fewer filters per convolution.
    """

    widths: tuple[int, ...] = (16, 32, 64)
    bottleneck_width: int = 128
    bottleneck_layers: int = 2
    convs_per_stage: int = 1
    batch_norm: bool = True
    in_channels: int = 3
    patch: int = 1
    head_kernel: int = 1
    channels: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", tuple(self.widths))
        if self.channels is not None:
            object.__setattr__(self, "channels", tuple(self.channels))
        if not self.widths or any(not isinstance(w, int) or w < 1 for w in self.widths):
            raise ValueError(f"model.widths must be a non-empty list of positive integers, "
                             f"got {list(self.widths)!r}")
        for key in ("bottleneck_width", "convs_per_stage", "in_channels", "patch"):
            value = getattr(self, key)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"model.{key} must be an integer >= 1, got {value!r}")
        if self.head_kernel not in (1, 3):
            raise ValueError(f"model.head_kernel must be 1 or 3, got {self.head_kernel!r}")
        if not isinstance(self.bottleneck_layers, int) or self.bottleneck_layers < 0:
            raise ValueError(f"model.bottleneck_layers must be an integer >= 0, "
                             f"got {self.bottleneck_layers!r}")
        if self.channels is not None:
            n = self.n_convs
            if len(self.channels) != n or any(
                    isinstance(c, bool) or not isinstance(c, int) or c < 1 for c in self.channels):
                raise ValueError(f"model.channels must list {n} positive integers (one per 3x3 "
                                 f"convolution), got {list(self.channels)!r}")

    @property
    def n_convs(self) -> int:
        """Number of 3x3 convolutions (encoder, bottleneck, decoder; the head excluded)."""
        return 2 * len(self.widths) * self.convs_per_stage + self.bottleneck_layers

    @property
    def conv_channels(self) -> tuple[int, ...]:
        """Output channels of every 3x3 convolution (``channels``, or those of the widths)."""
        if self.channels is not None:
            return self.channels
        k = self.convs_per_stage
        encoder = [w for w in self.widths for _ in range(k)]
        decoder = [w for w in reversed(self.widths) for _ in range(k)]
        return tuple(encoder + [self.bottleneck_width] * self.bottleneck_layers + decoder)

    @property
    def downsampling(self) -> int:
        """Input sides must be divisible by this."""
        return self.patch * 2 ** len(self.widths)


@dataclass(frozen=True)
class TrainConfig:
    """How a network is trained (the same for the ancestor and every offspring by default).

    Attributes:
        epochs: passes over the training split.
        batch_size: images per step.
        optimizer: ``adam``, ``adamw`` or ``sgd`` (with ``momentum``).
        lr: initial learning rate.
        weight_decay: L2 penalty (decoupled for ``adamw``).
        momentum: SGD momentum.
        schedule: ``constant``, ``cosine`` (to zero over all steps) or ``step`` (×0.1 at
            half and three quarters of training).
        seed: seeds initialisation-independent randomness (data order).
        device: ``auto`` (CUDA, then MPS, then CPU), or a torch device string.
        rewind_steps: for the ``rewind`` init mode, the step after which the weights are kept.
        precision: ``fp32``, ``bf16``: the forward pass under ``torch.autocast`` in
            bfloat16 (CPU and CUDA), the loss, the weights, the optimizer and every metric in
            fp32; or ``auto``: ``bf16`` where the device does bf16 natively (a CUDA GPU with
            bf16, a CPU with AMX or AVX-512 BF16), ``fp32`` elsewhere
            (:func:`evosynth.method.training.resolve_precision`; the record says which ran).
    """

    epochs: int = 5
    batch_size: int = 32
    optimizer: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    momentum: float = 0.9
    schedule: str = "cosine"
    seed: int = 0
    device: str = "auto"
    rewind_steps: int = 0
    precision: str = "fp32"

    def __post_init__(self) -> None:
        for key in ("epochs", "batch_size"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"train.{key} must be an integer >= 1, got {value!r}")
        for key, allowed in (("optimizer", OPTIMIZERS), ("schedule", SCHEDULES),
                             ("precision", PRECISIONS)):
            check_word(f"train.{key}", getattr(self, key), allowed)
        for key, low, high in (("lr", "> 0", None), ("weight_decay", ">= 0", None),
                               ("momentum", ">= 0", "< 1")):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value < 0 or (key == "lr" and value == 0) \
                    or (high is not None and value >= 1):
                raise ValueError(f"train.{key} must be a number {low}"
                                 f"{' and ' + high if high else ''}, got {value!r}")
        if isinstance(self.rewind_steps, bool) or not isinstance(self.rewind_steps, int) \
                or self.rewind_steps < 0:
            raise ValueError(f"train.rewind_steps must be an integer >= 0, got "
                             f"{self.rewind_steps!r}")


@dataclass(frozen=True)
class CompositeConfig:
    """How Fashion-MNIST garments are composited onto photographs.

    Attributes:
        size: side of the square output images.
        object_scale: (min, max) side of the salient garment, as a fraction of ``size``.
        contrast: (min, max) colour distance of the garment from the background's mean colour,
            as a fraction of the largest possible; low values give low-contrast objects.
        distractors: (min, max) number of non-salient garments: smaller, faded into the
            background (alpha ``distractor_alpha``) and blurred.
        distractor_scale: (min, max) side of a distractor, as a fraction of ``size``.
        distractor_alpha: (min, max) opacity of a distractor.
        background_crop: (min, max) side of the photograph crop, as a fraction of the
            photograph's shorter side (small crops zoom into clutter).
    """

    size: int = 64
    object_scale: tuple[float, float] = (0.3, 0.8)
    contrast: tuple[float, float] = (0.15, 0.6)
    distractors: tuple[int, int] = (0, 3)
    distractor_scale: tuple[float, float] = (0.15, 0.35)
    distractor_alpha: tuple[float, float] = (0.25, 0.5)
    background_crop: tuple[float, float] = (0.2, 0.8)

    def __post_init__(self) -> None:
        if not isinstance(self.size, int) or self.size < 16:
            raise ValueError(f"size must be an integer >= 16, got {self.size!r}")
        for key in ("object_scale", "contrast", "distractor_scale", "distractor_alpha",
                    "background_crop"):
            lo, hi = getattr(self, key)
            if not 0 < lo <= hi <= 1:
                raise ValueError(f"{key} must be [min, max] with 0 < min <= max <= 1, "
                                 f"got {[lo, hi]}")
        lo, hi = self.distractors
        if not 0 <= lo <= hi:
            raise ValueError(f"distractors must be [min, max] with 0 <= min <= max, got {[lo, hi]}")
