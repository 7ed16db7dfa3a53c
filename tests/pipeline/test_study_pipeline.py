"""The beyond-the-paper pipeline (beyond/dvc.yaml) on the smoke profile: every study task,
method, seed and generation and both lineages of the default network in results/beyond.json,
baselines at Darwin's budgets, a clean `dvc status`."""

import itertools
import json
import re

import pytest
import yaml

from support import BIN, campaign_table, run

pytestmark = [pytest.mark.slow, pytest.mark.needs_raw_data]

SALIENCY = {"f_beta_adaptive", "f_beta_max", "mae"}
METRICS = {"saliency": SALIENCY, "saliency-default": SALIENCY, "saliency-best": SALIENCY}


def test_beyond_holds_every_task_method_seed_and_generation(smoke):
    work, _ = smoke
    params = yaml.safe_load((work / "params.yaml").read_text())
    study, replicate = params["study"], params["replicate"]["seeds"]
    newborn_seeds, small = params["replicate"]["newborn_seeds"], params["small_dense"]
    curves, best = params["offspring_curve"], params["best_effort"]
    ran = set(re.findall(r"Running stage '([^']+)'", (work / "study-repro.log").read_text()))
    offspring = [f"{lineage}-gen{k}" for k in range(1, 5)
                 for lineage in ("structured", "control", "newborn")]
    offspring += [f"{lineage}-seed{s}-gen{k}" for k in range(1, 5)
                  for lineage, seeds in (("default", replicate), ("control", replicate),
                                         ("newborn", newborn_seeds)) for s in seeds]
    assert ran == {*(f"beyond/dvc.yaml:study@{t}" for t in study["tasks"]),
                   *(f"beyond/dvc.yaml:z-arm@{t}" for t in study["tasks"]),
                   "beyond/dvc.yaml:beyond", "beyond/dvc.yaml:sweep",
                   *(f"beyond/dvc.yaml:lineage-metrics@{n}"
                     for n in ("structured", "control", "newborn")),
                   *(f"beyond/dvc.yaml:learning-curve@{b}"
                     for b in params["learning_curve"]["budgets"]),
                   "beyond/dvc.yaml:learning-curve-summary", "beyond/dvc.yaml:campaign-metrics",
                   *(f"beyond/dvc.yaml:ancestor-seed@{k}" for k in replicate),
                   *(f"beyond/dvc.yaml:small-dense@seed{s}-{g}" for s in small["seeds"]
                     for g in small["generations"]),
                   *(f"beyond/dvc.yaml:generation@{k}" for k in offspring),
                   *(f"beyond/dvc.yaml:offspring-curve@{i}-{g}-{b}"
                     for i in curves["inits"] for g in curves["generations"]
                     for b in curves["budgets"]),
                   "beyond/dvc.yaml:offspring-curve-summary",
                   *(f"beyond/dvc.yaml:best-effort-ancestor@{k}" for k in best["seeds"]),
                   *(f"beyond/dvc.yaml:best-effort-generation@{lineage}-seed{k}-gen{g}"
                     for lineage, seeds in (("default", best["seeds"]),
                                            ("control", best["seeds"]),
                                            ("newborn", best["newborn_seeds"]))
                     for k in seeds for g in range(1, 5)),
                   *(f"beyond/dvc.yaml:best-effort-small-dense@seed{k}-{g}"
                     for k in best["small_dense_seeds"] for g in small["generations"]),
                   *(f"beyond/dvc.yaml:best-effort-test-score@{k}"
                     for k in campaign_table.best_scored_table(params)),
                   "beyond/dvc.yaml:best-effort-test-score-summary",
                   "beyond/dvc.yaml:training-curves"}
    beyond = json.loads((work / "results" / "beyond.json").read_text())
    expected = {f"{t}/{m}/seed{s}/gen{g}" for t, m, s, g in itertools.product(
        study["tasks"], study["methods"], study["seeds"], range(5))}
    expected |= {f"saliency-default/{m}/seed0/gen{g}"
                 for m, g in itertools.product(["darwin/inherit", "darwin-structured/inherit",
                                                "dense-control/inherit", "darwin/newborn"],
                                               range(5))}
    other_z = "global" if params["generation"]["normalization"] == "layer" else "layer"
    expected |= {f"{t}/darwin-{other_z}/inherit/seed{s}/gen{g}"      # the Z arm
                 for t, s, g in itertools.product(study["tasks"], study["seeds"], range(5))}
    expected |= {f"saliency-default/{m}/inherit/seed{k}/gen{g}"     # the replicate seeds
                 for m, k, g in itertools.product(["darwin", "dense-control"], replicate,
                                                  range(5))}
    expected |= {f"saliency-default/darwin/newborn/seed{k}/gen{g}"
                 for k, g in itertools.product(newborn_seeds, range(5))}
    expected |= {f"saliency-default/small-dense/newborn/seed{k}/{g}"
                 for k, g in itertools.product(small["seeds"], small["generations"])}
    expected |= {f"saliency-best/{m}/seed{k}/gen{g}"               # the best-effort recipe
                 for m, seeds in (("darwin/inherit", best["seeds"]),
                                  ("dense-control/inherit", best["seeds"]),
                                  ("darwin/newborn", best["newborn_seeds"]))
                 for k, g in itertools.product(seeds, range(5))}
    expected |= {f"saliency-best/small-dense/newborn/seed{k}/{g}"
                 for k, g in itertools.product(best["small_dense_seeds"], small["generations"])}
    assert set(beyond) == expected
    assert best["ancestor_epochs"] != params["ancestor"]["train"]["epochs"]
    for k in best["seeds"]:    # its own ancestor, trained longer than the first: other scores
        assert beyond[f"saliency-best/darwin/inherit/seed{k}/gen0"]["mae"] != \
            beyond[f"saliency-default/darwin/inherit/seed{k}/gen0"]["mae"]
        record = json.loads((work / "results" / "best-effort" / f"seed{k}" / "gen4" /
                             "summary.json").read_text())
        assert record["epochs"] == best["inherit_epochs"]
    metrics = json.loads((work / "results" / "metrics.json").read_text())
    assert beyond["saliency-default/darwin/inherit/seed0/gen4"] == metrics["gen4"]
    for key, entry in beyond.items():
        task = key.split("/")[0]
        for metric in METRICS.get(task, {"accuracy"}):
            assert 0 <= entry[metric] <= 1, (key, metric)
        assert isinstance(entry["synapses"], int) and entry["reduction"] >= 1
    for k, g in itertools.product(small["seeds"], small["generations"]):   # offspring-sized
        size = beyond[f"saliency-default/darwin/inherit/seed{k}/{g}"]["synapses"]
        dense = beyond[f"saliency-default/small-dense/newborn/seed{k}/{g}"]["synapses"]
        assert abs(dense - size) <= 0.25 * size, (k, g, dense, size)
    for task, seed, g in itertools.product(study["tasks"], study["seeds"], range(1, 5)):
        # the baselines keep exactly Darwin's synapse count (per layer: tests/experiment/test_study.py)
        budget = beyond[f"{task}/darwin/inherit/seed{seed}/gen{g}"]["synapses"]
        for method in ("magnitude/inherit", "random/inherit", "lottery/rewind"):
            assert beyond[f"{task}/{method}/seed{seed}/gen{g}"]["synapses"] == budget
        assert budget < beyond[f"{task}/darwin/inherit/seed{seed}/gen{g - 1}"]["synapses"]
        arm = beyond[f"{task}/darwin-{other_z}/inherit/seed{seed}/gen{g}"]   # its own budget
        assert arm["synapses"] < beyond[f"{task}/darwin-{other_z}/inherit/seed{seed}/gen{g - 1}"][
            "synapses"]
    for task, seed in itertools.product(study["tasks"], study["seeds"]):   # the same ancestor
        arm, darwin = (beyond[f"{task}/{m}/inherit/seed{seed}/gen0"]
                       for m in (f"darwin-{other_z}", "darwin"))
        assert {k: v for k, v in arm.items() if k != "train_seconds"} == \
            {k: v for k, v in darwin.items() if k != "train_seconds"}
    for k in replicate:   # a replicate is another ancestor, lineage and control: other scores
        for g in range(5):
            mine = beyond[f"saliency-default/darwin/inherit/seed{k}/gen{g}"]
            assert mine["mae"] != beyond[f"saliency-default/darwin/inherit/seed0/gen{g}"]["mae"]
            control = beyond[f"saliency-default/dense-control/inherit/seed{k}/gen{g}"]
            assert control["synapses"] == beyond[
                f"saliency-default/dense-control/inherit/seed{k}/gen0"]["synapses"]


def test_the_sweep_point_is_a_lineage_in_one_environment(smoke):
    work, _ = smoke
    sweep = yaml.safe_load((work / "params.yaml").read_text())["sweep"]
    point = json.loads((work / "results" / "sweep.json").read_text())
    assert point["factor"] == sweep["factor"] and point["task"] == sweep["task"]
    generations = [f"gen{g}" for g in range(sweep["generations"] + 1)]
    assert [k for k in point if k.startswith("gen")] == generations
    synapses = [point[g]["synapses"] for g in generations]
    assert all(a > b for a, b in zip(synapses, synapses[1:]))
    assert all(0 <= point[g]["accuracy"] <= 1 for g in generations)


def test_study_outputs_and_status(smoke):
    work, _ = smoke
    study = yaml.safe_load((work / "params.yaml").read_text())["study"]
    for name in [*(f"study_{t}" for t in study["tasks"]), "beyond"]:
        notebook = json.loads((work / "book" / "experiment" / f"{name}.ipynb").read_text())
        outputs = [o for c in notebook["cells"] for o in c.get("outputs", [])]
        assert outputs and not any(o["output_type"] == "error" for o in outputs), name
    assert (work / "results" / "beyond" / "methods.png").stat().st_size > 10_000
    assert json.loads(run([BIN / "dvc", "status", "--json", "beyond/dvc.yaml"],
                           work).stdout) == {}
    again = run([BIN / "dvc", "repro", "beyond/dvc.yaml"], work)
    assert "Running stage" not in again.stdout
    shown = run([BIN / "dvc", "metrics", "show", "--json"], work).stdout
    workspace = next(iter(json.loads(shown).values()))["data"]   # the one revision shown
    summary = workspace["results/beyond_summary.json"]["data"]
    assert set(summary) == set(study["tasks"])          # the small summary metric, per task
    assert "results/beyond.json" not in shown           # the full results: a plain output
