"""The smoke profile through DVC and papermill, end to end, and the book built from it; a
``dvc repro`` killed mid-training restarts the stage cleanly."""

import copy
import csv
import hashlib
import json
import random
import re
import shutil
import signal
import subprocess
import time

import psutil
import pytest
import torch
import yaml

from evosynth import SaliencySet, load_checkpoint

from support import BIN, SMOKE, bin_env, copy_project, run, wait_for, write_params

pytestmark = [pytest.mark.slow, pytest.mark.needs_raw_data]


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
    show = run([BIN / "dvc", "metrics", "show", "--json"], work).stdout
    assert "gen4" in show


def _digests(work, names) -> dict[str, str]:
    """sha256 of every file under ``models/<name>`` and of ``results/<name>/summary.json``."""
    files = [f for name in names for f in sorted((work / "models" / name).rglob("*"))
             if f.is_file()] + [work / "results" / name / "summary.json" for name in names]
    return {str(f.relative_to(work)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def test_second_repro_does_nothing_and_one_generation_reruns_alone(smoke, reseeded):
    """A second ``dvc repro`` runs nothing; an experiment with a new seed for gen3 (conftest's
    ``reseeded``, in a git copy of the smoke run) reruns gen3, what descends from it and the
    evaluation, nothing upstream. That a rerun with the same parameters comes back bit for bit
    is tests/pipeline/test_remote.py's forced rerun."""
    work, _ = smoke
    again = run([BIN / "dvc", "repro"], work)
    assert _stages_run(again.stdout) == set()
    assert json.loads(run([BIN / "dvc", "status", "--json"], work).stdout) == {}
    repo, output = reseeded
    assert _stages_run(output) == {"generation@gen3", "generation@gen4", "evaluate"}
    changed, untouched = ("gen3", "gen4"), ("gen0", "gen1", "gen2")
    original, reseeded_digests = _digests(work, changed), _digests(repo, changed)
    assert all(reseeded_digests[f] != original[f] for f in original
               if f.startswith("models/") and f.endswith(".pt")), "the new seed changed nothing"
    assert _digests(repo, untouched) == _digests(work, untouched)
    assert json.loads(run([BIN / "dvc", "status", "--json", "dvc.yaml"], repo).stdout) == {}


def test_bytecode_beside_the_sources_stales_no_stage(smoke):
    """Python writes __pycache__/ beside the modules it imports (unless told not to); a stage
    whose `deps:` name a source folder (src/evosynth/method/genetics) must not go stale for it
    (.dvcignore)."""
    work, _ = smoke
    run([BIN / "python", "-m", "compileall", "-q", "src"], work)
    caches = list((work / "src").rglob("__pycache__"))
    try:
        assert any(c.parent.name == "genetics" for c in caches), caches
        assert json.loads(run([BIN / "dvc", "status", "--json"], work).stdout) == {}
    finally:
        for cache in caches:
            shutil.rmtree(cache)


def test_book_builds_from_the_smoke_run_without_warnings(smoke, smoke_book):
    work, _ = smoke
    html = smoke_book
    metrics = json.loads((work / "results" / "metrics.json").read_text())
    index = (html / "book" / "index.html").read_text()
    assert f"{metrics['gen4']['reduction']:.1f}" in index  # the glued headline number
    assert (html / "book" / "experiment" / "evaluate.html").is_file()


def _kill_tree(pid: int) -> None:
    parent = psutil.Process(pid)
    processes = [parent, *parent.children(recursive=True)]   # dvc, papermill, the kernel
    for process in processes:
        try:
            process.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(processes, timeout=30)


def test_dvc_repro_killed_mid_training_restarts_the_stage_cleanly(tmp_path):
    """SIGKILL to dvc, papermill and the kernel while the ancestor trains; then repro again."""
    work = tmp_path / "project"
    work.mkdir()
    copy_project(work)
    params = copy.deepcopy(SMOKE)
    params["ancestor"]["train"]["epochs"] = 8     # 48 steps: long enough to kill mid-way
    write_params(work / "params.yaml", params)
    env = bin_env()
    for args in (["dvc", "init", "--no-scm", "-q"], ["dvc", "commit", "--force", "-q",
                                                     "data.dvc"]):
        assert run([BIN / args[0], *args[1:]], work, check=False, env=env).returncode == 0

    log = tmp_path / "repro.log"
    with open(log, "w") as out:
        repro = subprocess.Popen([BIN / "dvc", "repro", "ancestor"], cwd=work, env=env,
                                 stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(log, "ancestor:   0%", repro, timeout=240)   # the training bar has started
        time.sleep(random.Random(1).uniform(0.1, 0.5))
    finally:
        _kill_tree(repro.pid)
    assert "Updating lock file 'dvc.lock'" in log.read_text()   # prepare had finished ...
    assert not (work / "results" / "gen0" / "summary.json").exists(), "killed too late"

    # Whatever the kill left is whole: no checkpoint or split can be half-written.
    for checkpoint in (work / "models").rglob("*.pt"):
        torch.load(checkpoint, map_location="cpu", weights_only=True)
    for split in (work / "data" / "prepared").glob("*.npz"):
        SaliencySet.load(split)

    again = run([BIN / "dvc", "repro", "ancestor"], work, check=False, env=env)
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-2000:]
    assert "Running stage 'ancestor'" in again.stdout
    assert "Running stage 'prepare'" not in again.stdout         # finished stages are kept
    state = load_checkpoint(work / "models" / "gen0" / "network.pt")
    assert state["generation"] == "gen0" and state["masks"].count() > 0
    assert json.loads((work / "results" / "gen0" / "summary.json").read_text())["synapses"] \
        == state["masks"].count()
    leftovers = [p for p in work.rglob("*.tmp") if ".dvc" not in p.parts]
    assert leftovers == []
    status = run([BIN / "dvc", "status", "ancestor", "--json"], work, check=False, env=env)
    assert status.returncode == 0 and json.loads(status.stdout) == {}
