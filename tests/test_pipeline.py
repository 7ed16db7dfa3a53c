"""The smoke profile through DVC and papermill, end to end, and the book built from it."""

import csv
import json
import re

import pytest
import torch
import yaml

from evosynth import load_checkpoint

from conftest import BIN, ROOT, _run

pytestmark = pytest.mark.skipif(not (ROOT / "data" / "raw" / "fashion-mnist").is_dir(),
                                reason="raw data not fetched (bash scripts/setup.sh)")


def _stages_run(output: str) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", output))


def test_every_stage_runs_and_writes_metrics(smoke):
    work, output = smoke
    assert _stages_run(output) == {"prepare", "ancestor", "evaluate",
                                   *(f"generation@gen{k}" for k in range(1, 5))}
    metrics = json.loads((work / "results" / "metrics.json").read_text())
    assert list(metrics) == [f"gen{k}" for k in range(5)]
    synapses = [metrics[g]["synapses"] for g in metrics]
    assert all(isinstance(s, int) for s in synapses)
    assert all(a > b for a, b in zip(synapses, synapses[1:]))  # every generation thins
    assert metrics["gen0"]["reduction"] == 1.0
    for g, m in metrics.items():
        assert m["reduction"] == pytest.approx(synapses[0] / m["synapses"])
        assert 0 <= m["f_beta_adaptive"] <= 1 and 0 <= m["f_beta_max"] <= 1
        assert 0 <= m["mae"] <= 1
    # Each offspring meets its environment: synapses near the expected count, which is the
    # budget (keep_fraction of the parent's) unless even F(E) = 1 cannot reach it.
    for k in range(1, 5):
        s = json.loads((work / "results" / f"gen{k}" / "summary.json").read_text())
        assert s["synapses"] == metrics[f"gen{k}"]["synapses"]
        assert abs(s["synapses"] - s["expected_synapses"]) <= 5 * s["expected_synapses"] ** 0.5
        budget = s["environment"]["keep_fraction"] * s["parent_synapses"]
        if s["factor"] < 1:
            assert s["expected_synapses"] == pytest.approx(budget)
        else:
            assert s["expected_synapses"] <= budget


def test_offspring_are_subsets_and_dead_synapses_are_zero(smoke):
    work, _ = smoke
    parent = None
    for k in range(5):
        state = load_checkpoint(work / "models" / f"gen{k}" / "network.pt")
        masks = state["masks"]
        for name, mask in masks.items():
            assert bool((state["model"][name][~mask] == 0).all())
        if parent is not None:
            assert masks.is_subset_of(parent) and masks.count() < parent.count()
        parent = masks


def test_outputs_for_people_and_tools(smoke):
    work, _ = smoke
    for name in ("prepare", "ancestor", "evaluate", *(f"generation_gen{k}" for k in range(1, 5))):
        notebook = json.loads((work / "book" / "experiment" / f"{name}.ipynb").read_text())
        outputs = [o for c in notebook["cells"] for o in c.get("outputs", [])]
        assert outputs and not any(o["output_type"] == "error" for o in outputs)
    for k in range(5):
        pr = (work / "results" / "plots" / "pr" / f"gen{k}.csv").read_text().splitlines()
        assert pr[0] == "threshold,precision,recall,f_beta" and len(pr) == 1 + 256
    synapses = (work / "results" / "plots" / "synapses.csv").read_text().splitlines()
    assert synapses[0] == "generation,synapses,reduction,f_beta_adaptive,f_beta_max"
    assert len(synapses) == 6
    with open(work / "results" / "plots" / "layers.csv") as f:
        layers = list(csv.DictReader(f))
    metrics = json.loads((work / "results" / "metrics.json").read_text())
    for g, m in metrics.items():  # per-layer counts add up to the generation's synapses
        rows = [r for r in layers if r["generation"] == g]
        assert sum(int(r["synapses_alive"]) for r in rows) == m["synapses"]
        assert all(0 <= float(r["density"]) <= 1 for r in rows)
    assert all(float(r["density"]) == 1.0 for r in layers if r["generation"] == "gen0")
    summary = json.loads((work / "results" / "gen2" / "summary.json").read_text())
    assert summary["parent"] == "gen1" and 0 < summary["factor"] <= 1
    show = _run([BIN / "dvc", "metrics", "show", "--json"], work).stdout
    assert "gen4" in show


def test_second_repro_does_nothing_and_one_generation_reruns_alone(smoke):
    work, _ = smoke
    again = _run([BIN / "dvc", "repro"], work)
    assert _stages_run(again.stdout) == set()
    assert json.loads(_run([BIN / "dvc", "status", "--json"], work).stdout) == {}
    params = yaml.safe_load((work / "params.yaml").read_text())
    params["generation"]["lineage"]["gen3"]["seed"] = 33
    original = (work / "params.yaml").read_text()
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    try:
        rerun = _run([BIN / "dvc", "repro"], work)
        assert _stages_run(rerun.stdout) == {"generation@gen3", "generation@gen4", "evaluate"}
    finally:
        (work / "params.yaml").write_text(original)
    back = _run([BIN / "dvc", "repro"], work)  # the run cache restores the original outputs
    assert _stages_run(back.stdout) <= {"generation@gen3", "generation@gen4", "evaluate"}


def test_book_builds_from_the_smoke_run_without_warnings(smoke, smoke_book):
    work, _ = smoke
    html = smoke_book
    metrics = json.loads((work / "results" / "metrics.json").read_text())
    index = (html / "book" / "index.html").read_text()
    assert f"{metrics['gen4']['reduction']:.1f}" in index  # the glued headline number
    assert (html / "book" / "experiment" / "evaluate.html").is_file()
