"""The F(E) sweep gathered from `dvc exp show --json`: points and their frontier."""

import pytest

from evosynth.experiment.frontier import pareto_front, sweep_points


def _point(factor, accuracies, synapses):
    return {"task": "t", "factor": factor, "seed": 0,
            **{f"gen{g}": {"synapses": s, "reduction": synapses[0] / s, "accuracy": a}
               for g, (a, s) in enumerate(zip(accuracies, synapses))}}


def _exp_show(points):
    """The shape of DVC 3's `dvc exp show --json`: the workspace, then experiments."""
    revs = [{"rev": f"exp{i}", "name": f"exp-{i}",
             "data": {"metrics": {"results/sweep.json": {"data": p}}, "params": {}}}
            for i, p in enumerate(points)]
    return [{"rev": "workspace", "data": {"metrics": {"results/sweep.json": {"data": points[0]}}}},
            {"rev": "abc123", "data": {"metrics": {}}, "experiments": [{"revs": revs}]}]


def test_points_come_from_every_experiment_once():
    points = sweep_points(_exp_show([_point(0.5, [0.9, 0.8, 0.6], [100, 40, 10]),
                                     _point(1.0, [0.9, 0.85, 0.8], [100, 50, 20])]), "accuracy")
    assert [(p["factor"], p["generation"]) for p in points] == [
        (0.5, 0), (0.5, 1), (0.5, 2), (1.0, 0), (1.0, 1), (1.0, 2)]
    assert points[2]["reduction"] == 10.0 and points[5]["accuracy"] == 0.8


def test_the_frontier_keeps_only_undominated_points():
    points = sweep_points(_exp_show([_point(0.5, [0.9, 0.8, 0.6], [100, 40, 10]),
                                     _point(1.0, [0.9, 0.85, 0.7], [100, 50, 40])]), "accuracy")
    front = pareto_front(points, "accuracy")
    # (40, 0.7) is beaten by (40, 0.8); (100, 0.9) appears twice, identical: both stay
    assert [(p["synapses"], p["accuracy"]) for p in front] == [
        (10, 0.6), (40, 0.8), (50, 0.85), (100, 0.9), (100, 0.9)]


def test_no_sweep_in_the_experiments_is_a_clear_error():
    with pytest.raises(ValueError, match="bash scripts/sweep.sh"):
        sweep_points([{"rev": "workspace", "data": {"metrics": {}}}], "accuracy")
