"""The offspring's validation learning curve (stages offspring-curve@<curve>-<budget> and
offspring-curve-summary): a tiny curve end to end that reads no test split, the rule's picks,
the edge that asks for one more budget, and clear errors."""

import json

import pytest

from evosynth import load_checkpoint
from evosynth.experiment.config import ParamsError, parse_params
from evosynth.experiment.curve import chosen_budget
from evosynth.experiment.paths import Paths
from evosynth.experiment.stages.ancestor import ancestor
from evosynth.experiment.stages.offspring_curve import offspring_curve_point, offspring_curve_summary
from evosynth.experiment.synthetic import make_shapes

from support import tiny_params


@pytest.fixture
def tiny(tmp_path):
    """A tiny ancestor (models/gen0) on train and validation splits only."""
    for i, split in enumerate(("train", "val")):        # no test split: it is never read
        make_shapes(16, 16, seed=i).save(tmp_path / "data" / "prepared" / f"{split}.npz")
    data = tiny_params()
    data["offspring_curve"] = {"budgets": [1, 2], "extend": 3, "extended": [],
                               "tolerance": 0.005, "generations": ["gen1"],
                               "inits": ["inherit", "newborn"]}
    paths = Paths(tmp_path)
    ancestor(parse_params(data), paths, progress=False)
    return data, paths


def test_a_tiny_curve_end_to_end(tiny):
    data, paths = tiny
    params = parse_params(data)
    points = {(c, b): offspring_curve_point(params, c, b, paths, progress=False)
              for c in ("inherit-gen1", "newborn-gen1") for b in (1, 2)}
    for (curve, budget), p in points.items():
        assert p["train"]["epochs"] == budget and len(p["history"]) == budget
        assert p["init"] == curve.split("-")[0] and p["parent"] == "gen0"
        assert p["synapses"] < p["parent_synapses"]
    # the same draw (synthesis seed) for both inits and every budget: only the weights differ
    assert len({p["synapses"] for p in points.values()}) == 1
    assert not (paths.root / "models" / "gen1").exists()            # no network kept
    summary = offspring_curve_summary(params, paths)
    for curve in ("inherit-gen1", "newborn-gen1"):
        entry = summary["curves"][curve]
        scores = {int(b): e["f_beta_adaptive"] for b, e in entry["budgets"].items()}
        pick = chosen_budget(scores, 0.005)
        assert entry["complete"] and entry["at_edge"] == (pick == 2)
        assert entry["chosen"] == (None if pick == 2 else pick)
        assert (curve in summary["extend"]) == (pick == 2)
        init = curve.split("-")[0]
        assert summary["epochs"][init] == entry["chosen"]   # one generation: its pick
    assert paths.offspring_curve_figure.stat().st_size > 10_000
    table = paths.offspring_curve_table.read_text()
    assert table.count("| inherit-gen1 |") == 2 and "Rule: on each curve" in table
    assert json.loads(paths.offspring_curve_summary.read_text()) == summary


def test_a_curve_at_its_edge_is_extended_before_it_chooses(tiny, monkeypatch):
    data, paths = tiny
    import evosynth.experiment.stages.offspring_curve as stage
    monkeypatch.setattr(stage, "curve_scores", lambda points: {
        int(p["budget"]): 0.5 + 0.1 * p["budget"] for p in points})   # always rising
    data["offspring_curve"]["inits"] = ["inherit"]
    params = parse_params(data)
    for budget in (1, 2):
        offspring_curve_point(params, "inherit-gen1", budget, paths, progress=False)
    summary = offspring_curve_summary(params, paths)
    assert summary["extend"] == ["inherit-gen1"] and summary["epochs"] == {"inherit": None}
    data["offspring_curve"]["extended"] = ["inherit-gen1"]
    params = parse_params(data)
    summary = offspring_curve_summary(params, paths)
    assert summary["to_run"] == ["offspring-curve@inherit-gen1-3"]
    assert summary["epochs"] == {"inherit": None}
    offspring_curve_point(params, "inherit-gen1", 3, paths, progress=False)
    summary = offspring_curve_summary(params, paths)
    assert summary["curves"]["inherit-gen1"]["at_edge"] and summary["extend"] == []
    assert summary["epochs"] == {"inherit": 3}      # at the extended edge: it stops there


def test_bad_curves_and_budgets_are_named(tiny):
    data, paths = tiny
    params = parse_params(data)
    with pytest.raises(ParamsError, match=r"curve 'rewind-gen1' is not one of offspring_curve's "
                                          r"curves \(inherit-gen1, newborn-gen1\)"):
        offspring_curve_point(params, "rewind-gen1", 1, paths, progress=False)
    with pytest.raises(ParamsError, match=r"budget 3 is not a budget of curve inherit-gen1 "
                                          r"\(1, 2\)"):
        offspring_curve_point(params, "inherit-gen1", 3, paths, progress=False)
    data["offspring_curve"]["generations"] = ["gen7"]
    with pytest.raises(ParamsError, match=r"offspring_curve.generations \['gen7'\] are not "
                                          r"generations of generation.lineage \(gen1\)"):
        offspring_curve_point(parse_params(data), "inherit-gen7", 1, paths, progress=False)
    data["offspring_curve"].update(generations=["gen1"], extended=["inherit-gen2"])
    with pytest.raises(ParamsError, match=r"extended names \['inherit-gen2'\]"):
        parse_params(data)
    data["offspring_curve"].update(extended=[], extend=2)
    with pytest.raises(ParamsError, match=r"extend must be more than the largest budget 2"):
        parse_params(data)
    assert load_checkpoint(paths.network("gen0"))["masks"]   # the ancestor is untouched


def test_the_committed_curves_fix_the_best_effort_epochs():
    """The best-effort recipe of params.yaml trains the offspring epochs that the committed
    validation curves choose by the pre-registered rule (claims.yaml): each curve's pick, a
    pick at a curve's largest budget extended before it is read, each init's epochs the larger
    pick over the generations; and its ancestor the extended ancestor curve's pick."""
    import yaml

    from support import ROOT

    params = parse_params(yaml.safe_load((ROOT / "params.yaml").read_text()))
    section, best, paths = params.offspring_curve, params.best_effort, Paths(ROOT)
    picks, missing = {}, []
    for curve in section.curves():
        scores = {}
        for budget in section.budgets_of(curve):
            if not paths.offspring_curve_point(curve, budget).is_file():
                missing.append(f"offspring-curve@{curve}-{budget}")   # not measured yet
                continue
            point = json.loads(paths.offspring_curve_point(curve, budget).read_text())
            assert (point["curve"], point["budget"]) == (curve, budget)
            assert point["train"]["epochs"] == budget and len(point["history"]) == budget
            scores[budget] = point["val"]["f_beta_adaptive"]
        if set(section.budgets) <= set(scores):    # a curve measured in full is read by the rule
            first_pick = chosen_budget({b: s for b, s in scores.items()
                                        if b in section.budgets}, section.tolerance)
            assert (first_pick == section.budgets[-1]) == (curve in section.extended), curve
        if set(section.budgets_of(curve)) <= set(scores):
            picks[curve] = chosen_budget(scores, section.tolerance)
    summary = json.loads(paths.offspring_curve_summary.read_text())
    assert set(missing) <= set(summary["to_run"])
    ancestor_curve = json.loads(paths.learning_curve_summary.read_text())
    assert best.ancestor_epochs == ancestor_curve["chosen"]
    for init in section.inits:     # an init's epochs: once each of its curves is complete
        mine = [picks.get(f"{init}-{gen}") for gen in section.generations]
        epochs = None if None in mine else max(mine)
        assert summary["epochs"][init] == epochs
        assert getattr(best, f"{init}_epochs") == epochs, \
            f"best_effort.{init}_epochs must be the curves' pick {epochs}"


def _committed_score(paths: Paths, curve: str, budget: int) -> float:
    """The committed validation adaptive F-beta of one offspring-curve point."""
    return json.loads(paths.offspring_curve_point(curve, budget).read_text())["val"][
        "f_beta_adaptive"]


def test_the_committed_curves_support_the_discussion():
    """book/discussion.md, "Underfitting or the cost of synthesis?": trained 96 epochs instead
    of 12, the inheriting generation 4 recovers about a quarter (0.2 to 0.3) of its validation
    gap to the ancestor."""
    from support import ROOT
    paths = Paths(ROOT)
    score = lambda curve, budget: _committed_score(paths, curve, budget)  # noqa: E731
    ancestor = json.loads(paths.summary("gen0").read_text())["val"]["f_beta_adaptive"]
    short, long = score("inherit-gen4", 12), score("inherit-gen4", 96)
    assert 0.2 <= (long - short) / (ancestor - short) <= 0.3


def test_the_committed_curves_support_the_results_page():
    """book/results.md, "What the curves decided": the inheriting curves level off inside the
    first budgets (pick 48 at both generations, not the largest); both newborn curves pick the
    largest budget of the first curve and again of the extended one (still more than the
    tolerance above 96); the newborn generation 4 at 192 epochs ends above the inheriting one
    at every budget measured."""
    import yaml

    from support import ROOT
    params = parse_params(yaml.safe_load((ROOT / "params.yaml").read_text()))
    section, paths = params.offspring_curve, Paths(ROOT)
    score = lambda curve, budget: _committed_score(paths, curve, budget)  # noqa: E731
    for gen in section.generations:
        inherit = {b: score(f"inherit-{gen}", b) for b in section.budgets}
        assert chosen_budget(inherit, section.tolerance) == 48 < section.budgets[-1]
        newborn = {b: score(f"newborn-{gen}", b) for b in section.budgets_of(f"newborn-{gen}")}
        assert f"newborn-{gen}" in section.extended
        assert chosen_budget(newborn, section.tolerance) == section.extend == max(newborn)
        assert newborn[section.extend] - newborn[section.budgets[-1]] > section.tolerance
    assert score("newborn-gen4", section.extend) > max(
        score("inherit-gen4", b) for b in section.budgets)
