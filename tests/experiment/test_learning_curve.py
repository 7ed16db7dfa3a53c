"""The dense network's validation learning curve and the rule that fixes the ancestor's epochs
(evosynth.experiment.curve, stages learning-curve@<budget> and learning-curve-summary): the rule on
hand-made curves, a tiny curve end to end, and the committed curve against params.yaml."""

import json

import pytest
import yaml

from evosynth.experiment.config import ParamsError, parse_params
from evosynth.experiment.curve import chosen_budget
from evosynth.experiment.paths import Paths
from support import ROOT


def test_the_rule_takes_the_smallest_budget_within_the_tolerance_of_the_best():
    scores = {12: 0.80, 24: 0.850, 48: 0.868, 96: 0.872}
    assert chosen_budget(scores, 0.005) == 48          # 0.868 >= 0.872 - 0.005
    assert chosen_budget(scores, 0.003) == 96          # 0.868 <  0.869
    assert chosen_budget(scores, 0.0) == 96
    assert chosen_budget(scores, 0.1) == 12
    assert chosen_budget({12: 0.9, 24: 0.7}, 0.005) == 12   # the best may be the shortest
    with pytest.raises(ValueError, match="no budget"):
        chosen_budget({}, 0.005)
    with pytest.raises(ValueError, match="tolerance must be >= 0"):
        chosen_budget(scores, -0.1)


def test_a_tiny_curve_end_to_end_reads_no_test_split(tmp_path):
    from evosynth.experiment.stages.learning_curve import learning_curve_point, learning_curve_summary
    from evosynth.experiment.synthetic import make_shapes
    for i, split in enumerate(("train", "val")):        # no test split: it is never read
        make_shapes(16, 16, seed=i).save(tmp_path / "data" / "prepared" / f"{split}.npz")
    train = {"epochs": 2, "batch_size": 8, "optimizer": "adam", "lr": 0.01, "weight_decay": 0.0,
             "momentum": 0.9, "schedule": "cosine", "seed": 0, "device": "cpu"}
    params = parse_params({
        "prepare": {"dataset": "shapes", "image_size": 16},
        "ancestor": {"model": {"widths": [4, 6], "bottleneck_width": 8, "bottleneck_layers": 1},
                     "train": train},
        "generation": {"train": train, "lineage": {"gen1": {"parent": "gen0", "seed": 1,
                       "environment": {"kind": "constant", "factor": 0.9}}}},
        "learning_curve": {"budgets": [1, 2], "tolerance": 0.005}})
    paths = Paths(tmp_path)
    points = [learning_curve_point(params, b, paths, progress=False) for b in (1, 2)]
    assert [len(p["history"]) for p in points] == [1, 2]      # validation after every epoch
    assert all(p["train"]["epochs"] == p["budget"] for p in points)
    assert points[0]["machine"]["cpu_bf16"] in ("amx", "avx512_bf16", "none", "unknown")
    summary = learning_curve_summary(params, paths)
    scores = {int(b): v["f_beta_adaptive"] for b, v in summary["budgets"].items()}
    assert summary["chosen"] == chosen_budget(scores, 0.005)
    assert summary["ancestor_follows_rule"] == (summary["chosen"] == 2)
    assert paths.learning_curve_figure.stat().st_size > 10_000
    with pytest.raises(ParamsError, match=r"budget 3 is not in learning_curve.budgets \(1, 2\)"):
        learning_curve_point(params, 3, paths, progress=False)


#: The largest budget of the learning curve when the first recipe's ancestor epochs were fixed.
FIRST_RECIPE_LARGEST_BUDGET = 96


def test_the_committed_curve_fixes_the_ancestor_epochs():
    """The ancestor of params.yaml trains the budget that the committed validation curve
    chooses by the rule of params.yaml (and the summary is the rule applied to the records)."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    curve = params["learning_curve"]
    paths = Paths(ROOT)
    points = {b: json.loads(paths.learning_curve_point(b).read_text()) for b in curve["budgets"]}
    scores = {b: p["val"]["f_beta_adaptive"] for b, p in points.items()}
    for b, p in points.items():      # each budget is the ancestor's recipe with b epochs
        recipe = {**params["ancestor"]["train"], "epochs": b}
        ran = p.get("precision", p["train"]["precision"])   # points before `auto` name it once
        native = "bf16" if p["machine"]["cpu_bf16"] in ("amx", "avx512_bf16") else "fp32"
        assert ran == (native if recipe["precision"] == "auto" else recipe["precision"])
        assert {**p["train"], "precision": None} == {**recipe, "precision": None}
        assert p["model"] == params["ancestor"]["model"]
        assert len(p["history"]) == b
    summary = json.loads(paths.learning_curve_summary.read_text())
    assert summary["chosen"] == chosen_budget(scores, curve["tolerance"])
    # The first recipe's ancestor: the rule's pick on the curve as first measured (budgets up
    # to 96); the curve extended past it (claims.yaml's best-effort recipe) may pick more, and
    # then the best-effort ancestors train that many epochs.
    first = {b: v for b, v in scores.items() if b <= FIRST_RECIPE_LARGEST_BUDGET}
    assert params["ancestor"]["train"]["epochs"] == chosen_budget(first, curve["tolerance"])
    assert summary["chosen"] >= params["ancestor"]["train"]["epochs"]
