"""Typed, validated parameters: ``params.yaml`` -> one config object per pipeline stage.

Every section of ``params.yaml`` is the section of one stage (``prepare``, ``ancestor``,
``generation``, ``evaluate``). Validation happens before any work: an unknown key, a wrong
type or a value out of range fails at once with a message that names the key, the value and
what is expected.
"""

from __future__ import annotations

import dataclasses
import os
import re
import typing
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import (BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError,
                      create_model, model_validator)

from ..hparams import (DATASETS, ENVIRONMENTS, INITS, METHODS, NETWORKS, NORMALIZATIONS,
                      OPTIMIZERS, PRECISIONS, RECIPES, SCHEDULES, SYNTHESIS_MODES,
                      LINEAGE_SELECTIONS, NEWBORN, REPLICATED, CompositeConfig, SaliencyNetConfig, TrainConfig, check_methods,
                      check_recipe, lineage_of_section)

# Scalars are strict (no "3" -> 3 or 2.5 -> 2 coercion); YAML lists are accepted for tuples.
# Every allowed word comes from the vocabulary of evosynth.hparams, which every registry that
# implements one reads too (its keys are tested to equal the words).
Bool = Annotated[bool, Field(strict=True)]
Str = Annotated[str, Field(strict=True)]
PositiveInt = Annotated[int, Field(strict=True, ge=1)]
Seed = Annotated[int, Field(strict=True, ge=0)]
Count = Annotated[int, Field(strict=True, ge=0)]
UnitFloat = Annotated[float, Field(strict=True, gt=0, le=1)]


class ParamsError(ValueError):
    """``params.yaml`` is missing, malformed or holds a bad value (the message says which)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _strict(hint: Any) -> Any:
    """The strict pydantic type of a dataclass field's type: no ``"3"`` -> 3 or 2.5 -> 2
    coercion of scalars; tuples element by element (a YAML list is accepted for one)."""
    if typing.get_origin(hint) is tuple:
        return tuple[tuple(a if a is Ellipsis else _strict(a) for a in typing.get_args(hint))]
    return {int: StrictInt, float: StrictFloat, bool: Bool, str: Str}.get(hint, hint)


class _Mirror(_Section):
    """A section that holds the fields of a library config dataclass (``config_class``) and
    is validated by building one: its checks are written once, in the dataclass."""

    config_class: ClassVar[type]

    @model_validator(mode="after")
    def _valid(self) -> _Mirror:
        self.to_config()
        return self

    def to_config(self, **fields: Any) -> Any:
        """The library config of this section (``fields``: those the section leaves out)."""
        return self.config_class(**self.model_dump(), **fields)


def _mirror(config_class: type, exclude: tuple[str, ...] = (),
            words: dict[str, Any] | None = None) -> type[_Mirror]:
    """The base of a params section with the fields and defaults of the dataclass
    ``config_class`` but ``exclude`` (one field list: the dataclass's). ``words``: a stricter
    type for some fields (a vocabulary's ``Literal``), so that a bad word is named by pydantic
    with the words allowed; the field and its default stay the dataclass's."""
    hints = typing.get_type_hints(config_class)
    fields = {f.name: ((words or {}).get(f.name, _strict(hints[f.name])), f.default)
              for f in dataclasses.fields(config_class) if f.name not in exclude}
    base = type(f"_{config_class.__name__}Mirror", (_Mirror,),
                {"config_class": config_class, "__module__": __name__})
    return create_model(f"_{config_class.__name__}Fields", __base__=base, __module__=__name__,
                        **fields)


class CompositeParams(_mirror(CompositeConfig, exclude=("size",))):
    """How the default data set composites garments onto photographs: the fields of
    :class:`evosynth.experiment.synthetic.CompositeConfig` (which checks the values) but ``size``
    (``prepare.image_size``)."""


class FolderParams(_Section):
    """A salient-object data set on disk (``images/`` + ``masks/``, split lists)."""

    root: Str | None = None
    image_dir: Str = "images"
    mask_dir: Str = "masks"
    train_split: Str = "train"
    val_split: Str = "val"
    test_split: Str = "test"


class PrepareParams(_Section):
    """``prepare``: which data set, how big, split how."""

    dataset: Literal[DATASETS] = "fashion-composite"
    raw: Str = "data/raw"
    image_size: Annotated[int, Field(strict=True, ge=16)] = 64
    n_train: PositiveInt = 2000
    n_val: PositiveInt = 200
    n_test: PositiveInt = 500
    seed: Seed = 0
    composite: CompositeParams = CompositeParams()
    folder: FolderParams = FolderParams()

    @model_validator(mode="after")
    def _folder_needs_root(self) -> PrepareParams:
        if self.dataset == "folder" and not self.folder.root:
            raise ValueError("dataset 'folder' needs folder.root: the path of a data set with "
                             "images/ and masks/")
        return self


class ModelParams(_mirror(SaliencyNetConfig, exclude=("in_channels", "channels"))):
    """The ancestor's architecture: the fields of :class:`evosynth.method.models.SaliencyNetConfig`
    (which checks the values) but ``in_channels`` (RGB) and ``channels`` (set by structured
    synthesis)."""


class TrainParams(_mirror(TrainConfig, exclude=("rewind_steps",), words={
        "optimizer": Literal[OPTIMIZERS], "schedule": Literal[SCHEDULES],
        "precision": Literal[PRECISIONS], "seed": Seed})):
    """Training of one network: the fields of :class:`evosynth.method.training.TrainConfig`
    (which checks the values) but ``rewind_steps`` (``ancestor.rewind_steps``, one per
    lineage)."""

    def to_config(self, rewind_steps: int = 0) -> TrainConfig:
        return super().to_config(rewind_steps=rewind_steps)


class AncestorParams(_Section):
    """``ancestor``: generation 0."""

    model: ModelParams = ModelParams()
    train: TrainParams = TrainParams()
    init_seed: Seed = 0
    rewind_steps: Count = 100


class EnvironmentParams(_Section):
    """The environmental factor model F(E) of one generation."""

    kind: Literal[ENVIRONMENTS] = "constant"
    factor: UnitFloat | None = None
    keep_fraction: UnitFloat | None = None

    @model_validator(mode="after")
    def _one_setting(self) -> EnvironmentParams:
        if self.kind == "constant" and (self.factor is None or self.keep_fraction is not None):
            raise ValueError("a constant environment takes factor (a number in (0, 1]) and no "
                             "keep_fraction")
        if self.kind == "budget" and (self.keep_fraction is None or self.factor is not None):
            raise ValueError("a budget environment takes keep_fraction (a number in (0, 1]) "
                             "and no factor")
        return self

    def describe(self, unit: str = "synapses") -> str:
        """In words: ``constant F(E) = 0.5``, ``budget: expected 33% of the parent's synapses``
        (``unit``: ``filters`` for a structured lineage)."""
        if self.kind == "constant":
            return f"constant F(E) = {self.factor}"
        return f"budget: expected {self.keep_fraction:.0%} of the parent's {unit}"


class OffspringParams(_Section):
    """One generation: its parent, environment, synthesis seed and (optionally) its own
    number of training epochs (default: ``generation.train.epochs``)."""

    parent: Str
    environment: EnvironmentParams | None = None   # required, except in a dense control
    seed: Seed
    epochs: PositiveInt | None = None


class GenerationParams(_Section):
    """``generation``: synthesis and newborn training of every offspring generation."""

    normalization: Literal[NORMALIZATIONS] = "layer"
    init: Literal[INITS] = "newborn"
    train: TrainParams = TrainParams()
    lineage: dict[str, OffspringParams]
    # unstructured: every synapse drawn (the paper); structured: every filter drawn, offspring
    # are smaller dense networks (evosynth.method.genetics.clusters), and `normalization` and each
    # environment apply to filters.
    mode: Literal[SYNTHESIS_MODES] = "unstructured"
    # Offspring synthesized and trained per generation; the best on the validation split lives.
    population: PositiveInt = 1
    # darwin: the paper's random synthesis; dense: every synapse survives (the dense control:
    # the same lineage and training with nothing removed).
    selection: Literal[LINEAGE_SELECTIONS] = "darwin"

    @model_validator(mode="after")
    def _consecutive(self) -> GenerationParams:
        if len(self.lineage) < 1:
            raise ValueError("lineage needs at least 1 generation (gen1: {parent: gen0, ...})")
        expected = [f"gen{k}" for k in range(1, len(self.lineage) + 1)]
        if list(self.lineage) != expected:
            raise ValueError(f"lineage keys must be {expected} in order, got "
                             f"{list(self.lineage)}")
        for k, name in enumerate(expected, start=1):
            if self.lineage[name].parent != f"gen{k - 1}":
                raise ValueError(f"lineage.{name}.parent must be 'gen{k - 1}', got "
                                 f"{self.lineage[name].parent!r}")
        for name, spec in self.lineage.items():   # the rules of a recipe (written once)
            check_recipe(init=self.init, normalization=self.normalization, mode=self.mode,
                         selection=self.selection, population=self.population,
                         has_environment=spec.environment is not None, has_budget=False)
        return self

    @property
    def generations(self) -> list[str]:
        return list(self.lineage)

    def train_for(self, name: str) -> TrainParams:
        """The training of generation ``name``: ``train`` with the lineage's epochs, if set."""
        epochs = self.lineage[name].epochs
        return self.train if epochs is None else self.train.model_copy(update={"epochs": epochs})

    def offspring(self, name: str) -> OffspringParams:
        """``lineage.<name>``; a clear error for a generation that is not in the lineage."""
        if name not in self.lineage:
            raise ValueError(f"generation {name!r} is not in the lineage "
                             f"({', '.join(self.lineage)})")
        return self.lineage[name]


class EvaluateParams(_Section):
    """``evaluate``: the test split, every generation."""

    n_examples: PositiveInt = 6
    batch_size: PositiveInt = 64


class StudyTaskParams(_Section):
    """One task of the study: which network, how much data, how it is trained."""

    network: Literal[NETWORKS]
    model: ModelParams | None = None     # the saliency network (default: ancestor.model)
    n_train: PositiveInt | None = None   # first n training items (default: all)
    n_test: PositiveInt | None = None    # test items scored (default: all)
    train: TrainParams

    @model_validator(mode="after")
    def _model_only_for_saliency(self) -> StudyTaskParams:
        if self.model is not None and self.network != "saliency":
            raise ValueError(f"model configures the saliency network; the {self.network} "
                             "network takes none")
        return self


class StudyParams(_Section):
    """``study``: Darwin against pruning baselines at equal per-layer budgets, over seeds
    (``dvc repro beyond/dvc.yaml``; not part of the default pipeline)."""

    seeds: Annotated[list[Seed], Field(min_length=1)]
    methods: Annotated[list[Literal[METHODS]], Field(min_length=1)]
    rewind_steps: Count = 100
    tasks: dict[str, StudyTaskParams]

    @model_validator(mode="after")
    def _checks(self) -> StudyParams:
        if len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"seeds must be distinct, got {self.seeds}")
        if len(set(self.methods)) != len(self.methods):
            raise ValueError(f"methods must be distinct, got {self.methods}")
        check_methods(self.methods)
        for name in self.tasks:
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
                raise ValueError(f"task name {name!r} must be lower-case letters, digits and "
                                 "dashes (it is part of every result key)")
        if not self.tasks:
            raise ValueError("tasks needs at least one task")
        return self


class SweepParams(_Section):
    """``sweep``: one point of the environmental-factor sweep (``scripts/sweep.sh`` queues one
    DVC experiment per factor): a ``darwin/inherit`` lineage of a study task in which every
    generation lives in the constant environment ``factor``."""

    task: Str
    factor: UnitFloat
    seed: Seed = 0
    generations: PositiveInt = 4


class LearningCurveParams(_Section):
    """``learning_curve``: the dense network's validation learning curve (``beyond/dvc.yaml``,
    stage ``learning-curve@<budget>``): the ancestor's recipe trained once per budget of epochs,
    each with its own full schedule. The ancestor's epochs are the smallest budget whose final
    validation adaptive F-beta is within ``tolerance`` of the best budget's
    (:func:`evosynth.experiment.curve.chosen_budget`; ``tests/experiment/test_learning_curve.py`` checks that
    ``ancestor.train.epochs`` is that budget of the committed curve)."""

    budgets: Annotated[list[PositiveInt], Field(min_length=2)]
    tolerance: Annotated[float, Field(strict=True, ge=0, lt=1)]

    @model_validator(mode="after")
    def _increasing(self) -> LearningCurveParams:
        if any(b <= a for a, b in zip(self.budgets, self.budgets[1:])):
            raise ValueError(f"budgets must be strictly increasing, got {self.budgets}")
        return self


class OffspringCurveParams(_Section):
    """``offspring_curve``: the offspring's validation learning curve (``beyond/dvc.yaml``,
    stages ``offspring-curve@<init>-<gen>-<budget>``): generation ``gen`` of the default
    lineage, drawn from its parent in the committed lineage with weights ``init``, trained once
    per budget of epochs. The rule (:func:`evosynth.experiment.curve.chosen_budget` on each curve, the
    larger pick over ``generations`` per init) is pre-registered in ``claims.yaml``. A curve
    ``<init>-<gen>`` listed in ``extended`` also runs ``extend`` epochs (its pick sat at its
    largest budget)."""

    budgets: Annotated[list[PositiveInt], Field(min_length=2)]
    extend: PositiveInt
    extended: list[Str] = []
    tolerance: Annotated[float, Field(strict=True, ge=0, lt=1)]
    generations: Annotated[list[Str], Field(min_length=1)]
    inits: Annotated[list[Literal[INITS]], Field(min_length=1)]

    @model_validator(mode="after")
    def _consistent(self) -> OffspringCurveParams:
        if any(b <= a for a, b in zip(self.budgets, self.budgets[1:])):
            raise ValueError(f"budgets must be strictly increasing, got {self.budgets}")
        if self.extend <= self.budgets[-1]:
            raise ValueError(f"extend must be more than the largest budget "
                             f"{self.budgets[-1]}, got {self.extend}")
        known = [f"{i}-{g}" for i in self.inits for g in self.generations]
        unknown = sorted(set(self.extended) - set(known))
        if unknown:
            raise ValueError(f"extended names {unknown}: each must be one of {known}")
        return self

    def curves(self) -> list[str]:
        """Every curve, ``<init>-<gen>``."""
        return [f"{i}-{g}" for i in self.inits for g in self.generations]

    def budgets_of(self, curve: str) -> list[int]:
        """The budgets measured on ``curve``: ``budgets``, and ``extend`` if it is extended."""
        return [*self.budgets, *([self.extend] if curve in self.extended else [])]


class ReplicateParams(_Section):
    """``replicate``: the default experiment again with other seeds (``beyond/dvc.yaml``): for
    each seed k, a new ancestor, the default lineage and its dense control, every seed shifted
    as the study shifts them (:meth:`Params.for_seed`). Seed 0 is the default pipeline."""

    seeds: Annotated[list[Annotated[int, Field(strict=True, ge=1)]], Field(min_length=1)]
    # The seeds >= 1 of the newborn lineage (seed 0 is the `newborn` section itself): each
    # from the ancestor of that seed, so each must be one of `seeds`.
    newborn_seeds: list[Annotated[int, Field(strict=True, ge=1)]] = []

    @model_validator(mode="after")
    def _distinct(self) -> ReplicateParams:
        for name in ("seeds", "newborn_seeds"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name} must be distinct, got {values}")
        extra = sorted(set(self.newborn_seeds) - set(self.seeds))
        if extra:
            raise ValueError(f"newborn_seeds {extra} have no ancestor: each must be one of "
                             f"seeds {self.seeds}")
        return self


class BestEffortParams(_Section):
    """``best_effort``: the best-effort recipe (pre-registered in ``claims.yaml``): the main
    experiment again, every network trained as long as its own validation learning curve asks
    (the ancestor ``ancestor_epochs``, every generation of the default lineage and its dense
    control ``inherit_epochs``, of the newborn lineage ``newborn_epochs``), everything else as
    its section says. Seed 0 is a seed of it like any other (:meth:`Params.for_recipe`)."""

    ancestor_epochs: PositiveInt      # the ancestor's learning curve's pick
    # The offspring curves' picks for inheriting and newborn offspring; null until every point
    # of the curves is measured (no offspring of the recipe trains before then).
    inherit_epochs: PositiveInt | None = None
    newborn_epochs: PositiveInt | None = None
    # The ancestor, the default lineage and its dense control; the newborn lineage; the small
    # dense networks (sized on this recipe's default lineage of the same seed).
    seeds: Annotated[list[Seed], Field(min_length=1)]
    newborn_seeds: list[Seed] = []
    small_dense_seeds: list[Seed] = []

    @model_validator(mode="after")
    def _distinct(self) -> BestEffortParams:
        for name in ("seeds", "newborn_seeds", "small_dense_seeds"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name} must be distinct, got {values}")
            extra = sorted(set(values) - set(self.seeds))
            if extra:
                raise ValueError(f"{name} {extra} have no ancestor: each must be one of "
                                 f"seeds {self.seeds}")
        return self


class SmallDenseParams(_Section):
    """``small_dense``: the ancestor's network narrowed (every convolution's filters scaled by
    one factor) to the synapse count of generation g of the default lineage of the same seed,
    trained from scratch with the ancestor's recipe for as many epochs as that generation had
    in all (the ancestor's and every offspring's up to g). ``seeds``: 0 is the default
    pipeline's; the others must be replicate seeds (they read that seed's lineage)."""

    seeds: Annotated[list[Seed], Field(min_length=1)]
    generations: Annotated[list[Str], Field(min_length=1)]


class Params(_Section):
    """All of ``params.yaml``."""

    prepare: PrepareParams = PrepareParams()
    ancestor: AncestorParams = AncestorParams()
    generation: GenerationParams
    evaluate: EvaluateParams = EvaluateParams()
    study: StudyParams | None = None
    sweep: SweepParams | None = None
    # Further lineages from the same ancestor (beyond/dvc.yaml): structured synthesis, and the
    # dense control (the default lineage's training with every synapse kept).
    structured: GenerationParams | None = None
    control: GenerationParams | None = None
    newborn: GenerationParams | None = None
    replicate: ReplicateParams | None = None
    small_dense: SmallDenseParams | None = None
    learning_curve: LearningCurveParams | None = None
    offspring_curve: OffspringCurveParams | None = None
    best_effort: BestEffortParams | None = None

    def for_seed(self, seed: int) -> Params:
        """The default experiment (``ancestor``, ``generation`` and ``control``) with seed
        ``seed``, as the study seeds its lineages: the ancestor's initialisation and every
        training seed become ``seed`` plus their value here, generation g's synthesis seed
        ``1000 * seed`` plus its value here. ``for_seed(0)`` is the default experiment."""
        if seed < 0:
            raise ParamsError(f"seed = {seed}: must be an integer >= 0")

        def train(t: TrainParams) -> TrainParams:
            return t.model_copy(update={"seed": t.seed + seed})

        def lineage(g: GenerationParams | None) -> GenerationParams | None:
            if g is None:
                return None
            return g.model_copy(update={"train": train(g.train), "lineage": {
                name: spec.model_copy(update={"seed": spec.seed + 1000 * seed})
                for name, spec in g.lineage.items()}})

        a = self.ancestor
        return self.model_copy(update={
            "ancestor": a.model_copy(update={"init_seed": a.init_seed + seed,
                                             "train": train(a.train)}),
            **{lin.section: lineage(getattr(self, lin.section)) for lin in REPLICATED}})

    def replicate_seed(self, seed: int, section: str = "generation") -> int:
        """``seed``, checked to be a seed of lineage ``section`` beside seed 0: one of
        ``replicate.seeds`` (``replicate.newborn_seeds`` for the ``newborn`` section)."""
        key = "newborn_seeds" if section == "newborn" else "seeds"
        known = getattr(self.replicate, key) if self.replicate else []
        if seed not in known:
            raise ParamsError(f"seed {seed} is not in replicate.{key} "
                              f"({', '.join(map(str, known)) or 'none: no replicate section'})")
        return seed

    def seeded(self, seed: int, section: str = "generation") -> Params:
        """The parameters of seed ``seed`` of lineage ``section``: these for seed 0, else
        :meth:`for_seed` of a checked replicate seed (:meth:`replicate_seed`)."""
        return self if seed == 0 else self.for_seed(self.replicate_seed(seed, section))

    def for_recipe(self, recipe: str, seed: int = 0, section: str | None = None) -> Params:
        """The parameters of seed ``seed`` of lineage ``section`` (``None``: its ancestor) under
        training recipe ``recipe`` (:data:`evosynth.hparams.RECIPES`): ``first``,
        :meth:`seeded`; ``best-effort``, the epochs of the ``best_effort`` section (the
        ancestor's, and every generation's of the default lineage, its dense control and the
        newborn lineage), then :meth:`for_seed` of a seed of that section (``newborn_seeds``
        for ``newborn``). A lineage whose offspring epochs are not set yet is a clear error."""
        if recipe not in RECIPES:
            raise ParamsError(f"recipe must be one of {list(RECIPES)}, got {recipe!r}")
        if recipe == RECIPES[0]:
            return self.seeded(seed, section or "generation")
        best = self.best_effort
        if best is None:
            raise ParamsError("params has no best_effort section (ancestor_epochs, "
                              "inherit_epochs, newborn_epochs, seeds)")
        if section is not None:
            epochs = "newborn_epochs" if section == NEWBORN.section else "inherit_epochs"
            if getattr(best, epochs) is None:
                raise ParamsError(f"best_effort.{epochs} is not set: the offspring curves "
                                  "choose it (results/offspring_curve.json, once every point "
                                  "is measured)")
        key = "newborn_seeds" if section == NEWBORN.section else "seeds"
        if seed not in getattr(best, key):
            raise ParamsError(f"seed {seed} is not in best_effort.{key} "
                              f"({', '.join(map(str, getattr(best, key))) or 'none'})")

        def trained(g: GenerationParams | None, epochs: int | None) -> GenerationParams | None:
            if g is None or epochs is None:
                return g
            return g.model_copy(update={
                "train": g.train.model_copy(update={"epochs": epochs}),
                "lineage": {name: spec.model_copy(update={"epochs": None})
                            for name, spec in g.lineage.items()}})

        a = self.ancestor
        return self.model_copy(update={
            "ancestor": a.model_copy(update={"train": a.train.model_copy(
                update={"epochs": best.ancestor_epochs})}),
            **{lin.section: trained(getattr(self, lin.section), best.newborn_epochs
                                    if lin is NEWBORN else best.inherit_epochs)
               for lin in REPLICATED}}).for_seed(seed)

    def lineage_section(self, name: str) -> GenerationParams:
        """The lineage section ``name`` (the :attr:`~evosynth.hparams.Lineage.section` of a
        lineage: the paper's, the structured one or the dense control)."""
        try:
            lineage = lineage_of_section(name)
        except ValueError as error:
            raise ParamsError(str(error)) from None
        value = getattr(self, name, None)
        if not isinstance(value, GenerationParams):
            raise ParamsError(f"params has no {name!r} section (the {lineage.label} lineage: "
                              "normalization, init, train, lineage, mode)")
        return value

    def study_task(self, name: str) -> StudyTaskParams:
        """``study.tasks.<name>``; a clear error for an unknown task."""
        if self.study is None or name not in self.study.tasks:
            known = ", ".join(self.study.tasks) if self.study else "none: no study section"
            raise ParamsError(f"task {name!r} is not in study.tasks ({known})")
        return self.study.tasks[name]

    @model_validator(mode="after")
    def _image_fits_network(self) -> Params:
        model = self.ancestor.model
        step = model.patch * 2 ** len(model.widths)
        if self.prepare.image_size % step:
            raise ValueError(
                f"prepare.image_size = {self.prepare.image_size} must be divisible by "
                f"ancestor.model.patch * 2 ** len(ancestor.model.widths) = {model.patch} * "
                f"2 ** {len(model.widths)} = {step} (the network's lowest resolution is "
                f"1/{step} of the image side)")
        if self.sweep is not None and (self.study is None
                                       or self.sweep.task not in self.study.tasks):
            known = ", ".join(self.study.tasks) if self.study else "none: no study section"
            raise ValueError(f"sweep.task = {self.sweep.task!r} must be a task of study.tasks "
                             f"({known})")
        if self.small_dense is not None:
            unknown = [g for g in self.small_dense.generations if g not in self.generation.lineage]
            if unknown:
                raise ValueError(f"small_dense.generations {unknown} are not generations of "
                                 f"generation.lineage ({', '.join(self.generation.lineage)})")
            known = [0, *(self.replicate.seeds if self.replicate else [])]
            orphans = [k for k in self.small_dense.seeds if k not in known]
            if orphans:
                raise ValueError(f"small_dense.seeds {orphans} have no default lineage: each "
                                 f"must be 0 or one of replicate.seeds ({known[1:]})")
        for name, task in (self.study.tasks.items() if self.study else ()):
            if task.model is not None:
                step = task.model.patch * 2 ** len(task.model.widths)
                if self.prepare.image_size % step:
                    raise ValueError(
                        f"prepare.image_size = {self.prepare.image_size} must be divisible by "
                        f"study.tasks.{name}.model.patch * 2 ** len(widths) = {step}")
        return self


def _format(error: ValidationError, source: str) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"] if not re.fullmatch(r"function-after\[.*\]",
                                                                       str(p)))
        value = item.get("input")
        shown = "" if isinstance(value, dict) else f" = {value!r}"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (a typo?)"
        # A library config's own check ("train.lr must be a number > 0, got -1.0"), raised
        # for the section at `key`: name the field's full key and its value.
        own = re.fullmatch(r"(\w+)\.(\w+) must be (.*), got (.*)", message, re.S)
        if own and key.rsplit(".", 1)[-1] == own.group(1):
            lines.append(f"{source}: {key}.{own.group(2)} = {own.group(4)}: must be "
                         f"{own.group(3)}")
            continue
        if not key and re.match(r"[a-z_]+\.[a-z_.]+ = ", message):
            lines.append(f"{source}: {message}")  # a check across sections names its keys
        else:
            lines.append(f"{source}: {key or '(top level)'}{shown}: {message}")
    return "\n".join(lines)


def parse_params(data: Any, source: str = "params.yaml") -> Params:
    """Validate a parsed ``params.yaml``; raises :class:`ParamsError` naming the bad key."""
    if not isinstance(data, dict):
        raise ParamsError(f"{source}: expected a mapping of sections, got {type(data).__name__}")
    try:
        return Params.model_validate(data)
    except ValidationError as error:
        raise ParamsError(_format(error, source)) from None


def load_params(path: str | os.PathLike[str] = "params.yaml") -> Params:
    """Read and validate ``params.yaml``."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: parameters file not found")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ParamsError(f"{path}: not valid YAML ({error})") from None
    return parse_params(data, str(path))
