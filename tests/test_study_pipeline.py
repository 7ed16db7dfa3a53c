"""The study pipeline (studies/dvc.yaml) on the smoke profile: every task, method, seed and
generation in results/beyond.json, baselines at Darwin's budgets, a clean `dvc status`."""

import itertools
import json
import re

import pytest
import yaml

from conftest import BIN, ROOT, _run

pytestmark = pytest.mark.skipif(not (ROOT / "data" / "raw" / "fashion-mnist").is_dir(),
                                reason="raw data not fetched (bash scripts/setup.sh)")

METRICS = {"saliency": {"f_beta_adaptive", "f_beta_max", "mae"}}


def test_beyond_holds_every_task_method_seed_and_generation(smoke):
    work, _ = smoke
    study = yaml.safe_load((work / "params.yaml").read_text())["study"]
    ran = set(re.findall(r"Running stage '([^']+)'", (work / "study-repro.log").read_text()))
    assert ran == {*(f"studies/dvc.yaml:study@{t}" for t in study["tasks"]),
                   "studies/dvc.yaml:beyond"}
    beyond = json.loads((work / "results" / "beyond.json").read_text())
    expected = {f"{t}/{m}/seed{s}/gen{g}" for t, m, s, g in itertools.product(
        study["tasks"], study["methods"], study["seeds"], range(5))}
    assert set(beyond) == expected
    for key, entry in beyond.items():
        task = key.split("/")[0]
        for metric in METRICS.get(task, {"accuracy"}):
            assert 0 <= entry[metric] <= 1, (key, metric)
        assert isinstance(entry["synapses"], int) and entry["reduction"] >= 1
    for task, seed, g in itertools.product(study["tasks"], study["seeds"], range(1, 5)):
        budget = beyond[f"{task}/darwin/inherit/seed{seed}/gen{g}"]["synapses"]
        for method in ("magnitude/inherit", "random/inherit", "lottery/rewind"):
            assert beyond[f"{task}/{method}/seed{seed}/gen{g}"]["synapses"] == budget
        assert budget < beyond[f"{task}/darwin/inherit/seed{seed}/gen{g - 1}"]["synapses"]


def test_study_outputs_and_status(smoke):
    work, _ = smoke
    study = yaml.safe_load((work / "params.yaml").read_text())["study"]
    for name in [*(f"study_{t}" for t in study["tasks"]), "beyond"]:
        notebook = json.loads((work / "book" / "experiment" / f"{name}.ipynb").read_text())
        outputs = [o for c in notebook["cells"] for o in c.get("outputs", [])]
        assert outputs and not any(o["output_type"] == "error" for o in outputs), name
    assert (work / "results" / "beyond" / "methods.png").stat().st_size > 10_000
    assert json.loads(_run([BIN / "dvc", "status", "--json", "studies/dvc.yaml"],
                           work).stdout) == {}
    again = _run([BIN / "dvc", "repro", "studies/dvc.yaml"], work)
    assert "Running stage" not in again.stdout
    assert "beyond.json" in _run([BIN / "dvc", "metrics", "show"], work).stdout
