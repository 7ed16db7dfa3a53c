"""Every artifact path of the pipeline, in one place."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..hparams import (CONTROL, LINEAGES, RECIPE_TASKS, RECIPES, SMALL_DENSE, STRUCTURED, Lineage,
                      check_word, lineage_of_section)


@dataclass(frozen=True)
class Paths:
    """Where each stage reads and writes, relative to the repository root ``root``."""

    root: Path = Path(".")
    #: A second lineage's folder (:attr:`evosynth.hparams.Lineage.folder`): its generations
    #: live in ``models/<lineage>/genK`` and ``results/<lineage>/genK``; ``gen0`` stays the
    #: ancestor.
    lineage: str | None = None
    #: A replicate of the default experiment with another seed (``replicate`` section): its
    #: ancestor, lineages and scores live under ``models/seeds/seed<k>/`` and
    #: ``results/seeds/seed<k>/``; the prepared data is shared.
    seed: int | None = None
    #: A training recipe other than the first (:data:`evosynth.hparams.RECIPES`): every seed
    #: of it, seed 0 too, lives under ``models/<recipe>/seed<k>/`` and
    #: ``results/<recipe>/seed<k>/``; ``None``: the first recipe (the committed campaign).
    recipe: str | None = None

    def for_lineage(self, section: str) -> Paths:
        """Where the lineage of params section ``section`` lives: the paper's here, another
        under ``models/<folder>/`` and ``results/<folder>/`` (its
        :attr:`~evosynth.hparams.Lineage.folder`)."""
        return replace(self, lineage=lineage_of_section(section).folder)

    def for_seed(self, seed: int) -> Paths:
        """Where the replicate of the default experiment with seed ``seed`` lives."""
        return replace(self, seed=seed)

    def for_recipe(self, recipe: str) -> Paths:
        """Where the networks of training recipe ``recipe`` live (``first``: here)."""
        check_word("recipe", recipe, RECIPES)
        return replace(self, recipe=None if recipe == RECIPES[0] else recipe)

    def for_run(self, seed: int) -> Paths:
        """Where seed ``seed`` of the experiment lives: here for seed 0 (the default pipeline),
        under ``seeds/seed<k>/`` for a replicate seed."""
        return self if seed == 0 else self.for_seed(seed)

    def small_dense(self) -> Paths:
        """Where the small dense networks live: ``models/small-dense/gen<g>`` (of this seed)."""
        return replace(self, lineage=SMALL_DENSE)

    def record_of(self, arm: str, seed: int, generation: str) -> Path | None:
        """The training record (``summary.json``) of the network of result key
        ``<arm>/seed<seed>/<generation>`` (``arm``: ``<task>/<method>/<init>`` of the default
        network's lineages or its small dense networks), or ``None`` for an arm trained by a
        study (its networks keep no record)."""
        task, method, init = arm.split("/")
        recipes = {t: r for r, t in RECIPE_TASKS.items()}
        if task not in recipes:
            return None
        run = self.for_recipe(recipes[task]).for_run(seed)
        if method == SMALL_DENSE:
            return run.small_dense().summary(generation)
        for lineage in LINEAGES.values():
            section_init = "newborn" if lineage.section == "newborn" else "inherit"
            if lineage.method == method and section_init == init:
                return run.for_lineage(lineage.section).summary(generation)
        return None

    @property
    def campaign_metrics(self) -> Path:
        """Test-split scores of every network of the campaign beyond seed 0's lineages (the
        replicate seeds' lineages, every small dense network); of a recipe other than the
        first, of every network it trained (``results/<recipe>/campaign.json``)."""
        folder = Path("results") if self.recipe is None else Path("results") / self.recipe
        return self.root / folder / "campaign.json"

    def _lineage(self, generation: str) -> Path:
        if self.recipe is not None:
            run = Path(self.recipe) / f"seed{self.seed or 0}"
        else:
            run = Path("seeds") / f"seed{self.seed}" if self.seed is not None else Path()
        return run / self.lineage / generation if self.lineage and generation != "gen0" \
            else run / generation

    @property
    def prepared(self) -> Path:
        return self.root / "data" / "prepared"

    def split(self, name: str) -> Path:
        """``train``, ``val`` or ``test`` split of the prepared data set."""
        return self.prepared / f"{name}.npz"

    def model_dir(self, generation: str) -> Path:
        return self.root / "models" / self._lineage(generation)

    def network(self, generation: str) -> Path:
        """Trained weights and masks of one generation (``gen0`` is the ancestor)."""
        return self.model_dir(generation) / "network.pt"

    @property
    def rewind(self) -> Path:
        """The ancestor's early weights, for the ``rewind`` init mode."""
        return self.model_dir("gen0") / "rewind.pt"

    def result_dir(self, generation: str) -> Path:
        return self.root / "results" / self._lineage(generation)

    def summary(self, generation: str) -> Path:
        """Per-generation summary: synapses, environment, validation scores, losses."""
        return self.result_dir(generation) / "summary.json"

    def live(self, generation: str) -> Path:
        """dvclive's per-epoch training record of one generation (metrics.json, plots/)."""
        return self.result_dir(generation) / "live"

    def layers(self, generation: str) -> Path:
        """Per-layer synapse report of one generation (CSV)."""
        return self.result_dir(generation) / "layers.csv"

    @property
    def evaluation(self) -> Path:
        return self.root / "results" / "evaluate"

    @property
    def metrics(self) -> Path:
        """``{"gen0": {...}, ..., "genN": {...}}``: the pipeline's headline numbers."""
        return self.root / "results" / "metrics.json"

    @property
    def plots(self) -> Path:
        return self.root / "results" / "plots"

    def pr_curve(self, generation: str) -> Path:
        """Precision-recall curve of one generation on the test split (CSV, a DVC plot)."""
        return self.plots / "pr" / f"{generation}.csv"

    @property
    def layer_survival(self) -> Path:
        """Alive synapses and neurons of every layer of every generation (CSV)."""
        return self.plots / "layers.csv"

    @property
    def synapses(self) -> Path:
        """Synapses, reduction and test F-beta of every generation (CSV, a DVC plot)."""
        return self.plots / "synapses.csv"

    def figure(self, name: str) -> Path:
        """A figure of the evaluation, as a PNG file that the book's pages show."""
        return self.evaluation / "figures" / f"{name}.png"

    @property
    def examples(self) -> Path:
        """Example saliency maps of every generation (for the book's figure)."""
        return self.evaluation / "examples.npz"

    # -- beyond the paper (beyond/dvc.yaml) ----------------------------------------------
    def study(self, task: str) -> Path:
        """Every method, seed and generation of one study task (JSON)."""
        return self.root / "results" / "study" / f"{task}.json"

    def lineage_metrics(self, lineage: Lineage) -> Path:
        """Test-split scores of a lineage beside the default one (``results/<folder>.json``,
        the ``lineage-metrics`` stage)."""
        return self.root / "results" / f"{lineage.folder}.json"

    @property
    def structured_metrics(self) -> Path:
        """Test-split scores of the structured lineage."""
        return self.lineage_metrics(STRUCTURED)

    @property
    def control_metrics(self) -> Path:
        """Test-split scores of the dense control lineage."""
        return self.lineage_metrics(CONTROL)

    def learning_curve_point(self, budget: int) -> Path:
        """One budget's run of the dense network's validation learning curve."""
        return self.root / "results" / "learning_curve" / f"budget{budget}.json"

    @property
    def learning_curve_summary(self) -> Path:
        """The learning curve's budgets, scores and the ancestor's epochs they choose."""
        return self.root / "results" / "learning_curve.json"

    @property
    def learning_curve_table(self) -> Path:
        """The same, as the Markdown table the book includes."""
        return self.root / "results" / "learning_curve.md"

    @property
    def learning_curve_figure(self) -> Path:
        return self.root / "results" / "learning_curve.png"

    def offspring_curve_point(self, curve: str, budget: int) -> Path:
        """One budget's run of the offspring's validation learning curve ``curve``."""
        return self.root / "results" / "offspring_curve" / f"{curve}-budget{budget}.json"

    @property
    def offspring_curve_summary(self) -> Path:
        """The offspring curves, their picks and the offspring epochs they choose."""
        return self.root / "results" / "offspring_curve.json"

    @property
    def offspring_curve_table(self) -> Path:
        """The same, as the Markdown table the book includes."""
        return self.root / "results" / "offspring_curve.md"

    @property
    def offspring_curve_figure(self) -> Path:
        return self.root / "results" / "offspring_curve.png"

    @property
    def training_curves(self) -> Path:
        """The default lineage and its dense control, epoch by epoch, under each recipe."""
        return self.root / "results" / "training_curves.json"

    @property
    def training_curves_figure(self) -> Path:
        return self.root / "results" / "training_curves.png"

    @property
    def beyond(self) -> Path:
        """All study results, keyed ``task/method/mode/seed<k>/gen<g>`` (JSON)."""
        return self.root / "results" / "beyond.json"

    @property
    def beyond_summary(self) -> Path:
        """The study at its last generation, per task and method (JSON, a DVC metric)."""
        return self.root / "results" / "beyond_summary.json"

    @property
    def sweep(self) -> Path:
        """One point of the F(E) sweep (a DVC metric of each queued experiment)."""
        return self.root / "results" / "sweep.json"

    @property
    def frontier(self) -> Path:
        """Every point of the F(E) sweep, gathered from the experiments (JSON)."""
        return self.root / "results" / "sweep" / "frontier.json"

    @property
    def frontier_figure(self) -> Path:
        """Accuracy against synapses of every point of the F(E) sweep (PNG)."""
        return self.root / "results" / "sweep" / "frontier.png"

    def beyond_figure(self, name: str) -> Path:
        """A figure of the study, as a PNG file that the book's chapter shows."""
        return self.root / "results" / "beyond" / f"{name}.png"
