"""Stage training-curves: each recipe's lineage and control epoch by epoch, from the training
records alone; a lineage drawn as far as it is trained; seed 0 of the first recipe (the
default pipeline's records) left out."""

import json

from evosynth.experiment.config import parse_params
from evosynth.experiment.paths import Paths
from evosynth.experiment.stages.training_curves import METRIC, training_curves
from support import tiny_params


def _record(path, scores):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"history": [{"epoch": i + 1, METRIC: s, "train/loss": 1.0}
                                            for i, s in enumerate(scores)]}))


def test_each_lineage_is_its_ancestor_then_its_generations_as_far_as_trained(tmp_path):
    data = tiny_params()
    data["replicate"] = {"seeds": [1]}
    data["small_dense"]["seeds"] = [0, 1]
    data["best_effort"] = {**data["best_effort"], "seeds": [0, 1]}
    params = parse_params(data)
    assert params.generation.generations == ["gen1"]
    paths = Paths(tmp_path)
    first = paths.for_run(1)
    _record(first.summary("gen0"), [0.1, 0.2, 0.3])
    _record(first.summary("gen1"), [0.4, 0.5])
    _record(first.for_lineage("control").summary("gen1"), [0.6])
    _record(paths.summary("gen0"), [0.9])              # seed 0: the default pipeline's
    best = paths.for_recipe("best-effort")
    _record(best.for_run(0).summary("gen0"), [0.15, 0.25])   # its lineages not trained yet
    summary = training_curves(params, paths)
    curves = summary["curves"]
    assert curves["first"]["default"] == {"seed1": {"scores": [0.1, 0.2, 0.3, 0.4, 0.5],
                                                    "starts": [3]}}
    assert curves["first"]["control"] == {"seed1": {"scores": [0.1, 0.2, 0.3, 0.6],
                                                    "starts": [3]}}
    assert curves["best-effort"]["default"]["seed0"] == {"scores": [0.15, 0.25], "starts": []}
    assert curves["best-effort"]["control"]["seed1"] == {"scores": [], "starts": []}
    assert json.loads(paths.training_curves.read_text()) == summary
    assert paths.training_curves_figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_committed_curves_support_the_results_page():
    """book/results.md, "The lineage and its control, epoch by epoch": under each recipe every
    Darwin generation ends below where its parent ended (mean over the seeds trained through
    generation 4), and the dense control ends every generation within 0.005 of the ancestor's
    final score or above."""
    import numpy as np

    from support import ROOT
    curves = json.loads((ROOT / "results" / "training_curves.json").read_text())["curves"]

    def mean_ends(recipe, arm):
        runs = [run for run in curves[recipe][arm].values() if len(run["starts"]) == 4]
        assert len(runs) >= 2 and len({tuple(r["starts"]) for r in runs}) == 1, (recipe, arm)
        scores = np.mean([r["scores"] for r in runs], axis=0)
        return [scores[start - 1] for start in runs[0]["starts"]] + [scores[-1]]

    for recipe in ("first", "best-effort"):
        darwin, control = mean_ends(recipe, "default"), mean_ends(recipe, "control")
        assert len(darwin) == 5                              # the ancestor, then gen1..gen4
        assert all(later < earlier for earlier, later in zip(darwin, darwin[1:])), (recipe, darwin)
        assert all(end >= control[0] - 0.005 for end in control[1:]), (recipe, control)
