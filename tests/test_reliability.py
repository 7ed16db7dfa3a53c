"""Reliability: bad input, interruption, determinism and safe loading.

Each test here guards one protection (see the README's "When something goes wrong"):

* a missing data path fails at validation, naming the key and value (``check`` and the
  ``prepare`` stage), and the image size must fit the network;
* a failing ``prepare`` writes nothing;
* a process killed with SIGKILL while writing checkpoints leaves no corrupt file, and the
  next write removes its temporary files; a ``dvc repro`` killed mid-training restarts the
  stage cleanly;
* two runs with the same seeds are bit-identical on CPU, a different synthesis seed gives a
  different offspring;
* checkpoints are loaded only with ``weights_only=True``: an arbitrary pickle is refused.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
import torch
import yaml
from PIL import Image

from evosynth import DataError, SaliencySet, load_checkpoint, save_checkpoint
from evosynth.stages.ancestor import ancestor
from evosynth.stages.evaluate import evaluate
from evosynth.stages.generation import generation
from evosynth.stages.prepare import prepare
from evosynth.checks import check_data, check_setup
from evosynth.config import ParamsError, parse_params
from evosynth.atomic import stale_temp_files, write_json
from evosynth.paths import Paths

from conftest import copy_project

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SMOKE = yaml.safe_load((ROOT / "profiles" / "smoke.yaml").read_text())
HAVE_RAW = (ROOT / "data" / "raw" / "fashion-mnist").is_dir()


def _tiny(**prepare) -> dict:
    """The smoke profile on a tiny ``shapes`` data set and network: seconds on a CPU."""
    data = copy.deepcopy(SMOKE)
    data["prepare"].update({"dataset": "shapes", "image_size": 16, "n_train": 24, "n_val": 8,
                            "n_test": 8, **prepare})
    data["ancestor"]["model"].update({"patch": 1, "widths": [4, 8], "bottleneck_width": 8})
    data["ancestor"]["train"].update({"epochs": 2, "batch_size": 8, "device": "cpu"})
    data["generation"]["train"].update({"epochs": 2, "batch_size": 8, "device": "cpu"})
    data["generation"]["init"] = "newborn"
    data["generation"]["lineage"] = {"gen1": {"parent": "gen0", "seed": 1, "environment": {
        "kind": "constant", "factor": 0.6}}}
    return data


def _write_params(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _write_folder_dataset(root: Path, stems=("a", "b", "c", "d", "e", "f")) -> None:
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(0)
    for stem in stems:
        Image.fromarray(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(
            root / "images" / f"{stem}.png")
        mask = np.zeros((20, 20), np.uint8)
        mask[5:15, 4:12] = 255
        Image.fromarray(mask).save(root / "masks" / f"{stem}.png")
    for split, names in zip(("train", "val", "test"), (stems[:2], stems[2:4], stems[4:])):
        (root / f"{split}.txt").write_text("\n".join(names) + "\n")


# -- parameters: a missing data path fails at validation -----------------------------------
@pytest.mark.parametrize("change,message", [
    ({"dataset": "fashion-composite", "raw": "no/such/raw"},
     r"prepare\.raw = 'no/such/raw': folder not found"),
    ({"dataset": "folder", "folder": {"root": "no/such/set"}},
     r"prepare\.folder\.root = 'no/such/set': folder not found"),
])
def test_missing_data_path_fails_check_naming_key_and_value(tmp_path, monkeypatch, change,
                                                            message):
    monkeypatch.chdir(tmp_path)
    params = _write_params(tmp_path / "p.yaml", _tiny(**change))
    with pytest.raises(ParamsError, match=message):
        check_setup(params)


def test_folder_data_set_paths_are_checked_key_by_key(tmp_path):
    _write_folder_dataset(tmp_path / "set")
    prepare = parse_params(_tiny(dataset="folder", folder={"root": str(tmp_path / "set")}))
    assert check_data(prepare.prepare, read=True) == f"folder {tmp_path / 'set'} (2/2/2 images)"
    (tmp_path / "set" / "val.txt").unlink()
    with pytest.raises(ParamsError, match=r"prepare\.folder\.val_split = 'val': .*val\.txt not"):
        check_data(prepare.prepare)
    shutil.rmtree(tmp_path / "set" / "masks")
    with pytest.raises(ParamsError, match=r"prepare\.folder\.mask_dir = 'masks'"):
        check_data(prepare.prepare)


def test_check_command_reports_a_missing_data_path(tmp_path):
    params = _write_params(tmp_path / "p.yaml", _tiny(dataset="fashion-composite",
                                                      raw=str(tmp_path / "raw")))
    done = subprocess.run([sys.executable, "-m", "evosynth", "check", "--params", str(params)],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert f"prepare.raw = '{tmp_path / 'raw'}': folder not found" in done.stderr
    assert "fetch-data" in done.stderr


def test_prepare_stage_checks_data_paths_before_any_work(tmp_path, monkeypatch):
    """The stage runs the same check first: the message names the key, nothing is written."""
    monkeypatch.chdir(tmp_path)
    params = parse_params(_tiny(dataset="fashion-composite", raw="no/such/raw"))
    with pytest.raises(ParamsError, match=r"prepare\.raw = 'no/such/raw'"):
        prepare(params, Paths(tmp_path))
    assert not (tmp_path / "data").exists()


def test_image_size_must_fit_the_network():
    data = _tiny(image_size=20)
    data["ancestor"]["model"]["widths"] = [4, 8, 16]   # patch 1: sides divisible by 8
    with pytest.raises(ParamsError, match=r"prepare\.image_size = 20 must be divisible by .* = 8"):
        parse_params(data)
    data["ancestor"]["model"]["widths"] = [4, 8]       # divisible by 4
    assert parse_params(data).prepare.image_size == 20


# -- data: a bad data set writes nothing ---------------------------------------------------
def test_bad_file_in_a_later_split_fails_prepare_without_writing_any_split(tmp_path):
    _write_folder_dataset(tmp_path / "set")
    (tmp_path / "set" / "masks" / "f.png").write_bytes(b"not a png")  # in the test split
    params = parse_params(_tiny(dataset="folder", folder={"root": str(tmp_path / "set")}))
    paths = Paths(tmp_path / "out")
    with pytest.raises(DataError, match=r"f\.png: not a readable mask"):
        prepare(params, paths)
    assert not paths.prepared.exists() or list(paths.prepared.iterdir()) == []


# -- interruption ----------------------------------------------------------------------------
_WRITER = """
import sys
from torch import nn
from evosynth import save_checkpoint
model = nn.Sequential(nn.Linear(256, 4096), nn.Linear(4096, 256))   # 2.1M weights, 8 MB
print("writing", flush=True)
step = 0
while True:
    save_checkpoint(sys.argv[1], model, None, step=step)
    step += 1
"""


def _wait_for(path: Path, text: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared:\n{path.read_text()[-4000:]}")
        time.sleep(0.05)


def test_sigkill_while_writing_checkpoints_never_leaves_a_corrupt_one(tmp_path):
    """A writer killed at random moments: the checkpoint is always whole (or absent)."""
    target, log = tmp_path / "ckpt" / "network.pt", tmp_path / "writer.log"
    rng = random.Random(0)
    leftovers = 0
    for _ in range(3):
        with open(log, "w") as out:
            writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdout=out,
                                      stderr=subprocess.STDOUT)
        _wait_for(log, "writing", writer, timeout=60)
        time.sleep(rng.uniform(0.2, 0.8))
        writer.send_signal(signal.SIGKILL)
        assert writer.wait() == -signal.SIGKILL, log.read_text()   # killed, not crashed
        if target.exists():
            state = load_checkpoint(target)     # never a truncated file
            assert state["model"]["0.weight"].shape == (4096, 256)
            assert isinstance(state["step"], int)
        leftovers += len(stale_temp_files(target))
    # The killed writers' temporary files are gone after the next write of the same file.
    save_checkpoint(target, torch.nn.Linear(2, 2), None)
    assert [p.name for p in target.parent.iterdir()] == ["network.pt"], leftovers


def test_next_write_removes_temp_files_of_dead_writers_only(tmp_path):
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f".out.json.{dead}.k2x_9abc.tmp"
        busy = tmp_path / f".out.json.{sleeper.pid}.q1w2e3r4.tmp"   # a writer still running
        other = tmp_path / f".other.json.{dead}.k2x_9abc.tmp"       # another file's
        for path in (stale, busy, other):
            path.write_text("half")
        assert stale_temp_files(tmp_path / "out.json") == [stale]
        write_json(tmp_path / "out.json", {"ok": 1})
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            [busy.name, other.name, "out.json"])
    finally:
        sleeper.kill()
        sleeper.wait()


def _run(args, cwd, env):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)


def _kill_tree(pid: int) -> None:
    parent = psutil.Process(pid)
    processes = [parent, *parent.children(recursive=True)]   # dvc, papermill, the kernel
    for process in processes:
        try:
            process.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(processes, timeout=30)


@pytest.mark.skipif(not HAVE_RAW, reason="raw data not fetched (bash scripts/setup.sh)")
def test_dvc_repro_killed_mid_training_restarts_the_stage_cleanly(tmp_path):
    """SIGKILL to dvc, papermill and the kernel while the ancestor trains; then repro again."""
    work = tmp_path / "project"
    work.mkdir()
    copy_project(work)
    params = copy.deepcopy(SMOKE)
    params["ancestor"]["train"]["epochs"] = 8     # 48 steps: long enough to kill mid-way
    _write_params(work / "params.yaml", params)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    for args in (["dvc", "init", "--no-scm", "-q"], ["dvc", "commit", "--force", "-q",
                                                     "data.dvc"]):
        assert _run([BIN / args[0], *args[1:]], work, env).returncode == 0

    log = tmp_path / "repro.log"
    with open(log, "w") as out:
        repro = subprocess.Popen([BIN / "dvc", "repro", "ancestor"], cwd=work, env=env,
                                 stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(log, "ancestor:   0%", repro, timeout=240)   # the training bar has started
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

    again = _run([BIN / "dvc", "repro", "ancestor"], work, env)
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-2000:]
    assert "Running stage 'ancestor'" in again.stdout
    assert "Running stage 'prepare'" not in again.stdout         # finished stages are kept
    state = load_checkpoint(work / "models" / "gen0" / "network.pt")
    assert state["generation"] == "gen0" and state["masks"].count() > 0
    assert json.loads((work / "results" / "gen0" / "summary.json").read_text())["synapses"] \
        == state["masks"].count()
    leftovers = [p for p in work.rglob("*.tmp") if ".dvc" not in p.parts]
    assert leftovers == []
    status = _run([BIN / "dvc", "status", "ancestor", "--json"], work, env)
    assert status.returncode == 0 and json.loads(status.stdout) == {}


# -- determinism -----------------------------------------------------------------------------
def _run_lineage(root: Path, data: dict) -> dict:
    params = parse_params(data)
    paths = Paths(root)
    prepare(params, paths)
    ancestor(params, paths, progress=False)
    generation(params, "gen1", paths, progress=False)
    evaluate(params, paths)
    summary = json.loads(paths.summary("gen1").read_text())
    return {"gen0": load_checkpoint(paths.network("gen0")),
            "gen1": load_checkpoint(paths.network("gen1")),
            # wall times differ from run to run; every other number must not
            "summary": {k: v for k, v in summary.items()
                        if k not in ("train_seconds", "train_seconds_population", "machine",
                                     "history", "candidates")},
            "candidates": [{k: v for k, v in c.items() if k != "train_seconds"}
                           for c in summary["candidates"]],
            "history": [{k: v for k, v in epoch.items() if k != "train/step_seconds"}
                        for epoch in summary["history"]],
            "metrics": paths.metrics.read_text()}


def _same_tensors(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_same_seeds_give_bit_identical_runs_and_another_seed_another_offspring(tmp_path):
    data = _tiny()
    first, second = _run_lineage(tmp_path / "a", data), _run_lineage(tmp_path / "b", data)
    for name in ("gen0", "gen1"):
        assert _same_tensors(first[name]["model"], second[name]["model"])
        assert _same_tensors(first[name]["masks"], second[name]["masks"])
    assert first["summary"] == second["summary"]        # losses, val scores, factor, counts
    assert first["candidates"] == second["candidates"]
    assert first["history"] == second["history"]        # every epoch's loss and val scores
    assert first["metrics"] == second["metrics"]        # test scores, to the last digit

    data["generation"]["lineage"]["gen1"]["seed"] = 2
    other = _run_lineage(tmp_path / "c", data)
    assert _same_tensors(other["gen0"]["model"], first["gen0"]["model"])  # same ancestor
    assert not _same_tensors(other["gen1"]["masks"], first["gen1"]["masks"])
    assert not _same_tensors(other["gen1"]["model"], first["gen1"]["model"])
    assert other["gen1"]["masks"].is_subset_of(first["gen0"]["masks"])


# -- safe loading ----------------------------------------------------------------------------
def _calls(tree: ast.AST, module: str, function: str) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == function
            and isinstance(node.func.value, ast.Name) and node.func.value.id == module]


def _keyword(call: ast.Call, name: str):
    for keyword in call.keywords:
        if keyword.arg == name and isinstance(keyword.value, ast.Constant):
            return keyword.value.value
    return "missing"


def test_package_never_loads_pickles():
    torch_loads, numpy_loads = 0, 0
    for source in sorted((ROOT / "src" / "evosynth").rglob("*.py")):
        tree = ast.parse(source.read_text(), str(source))
        for call in _calls(tree, "torch", "load"):
            torch_loads += 1
            assert _keyword(call, "weights_only") is True, f"{source}:{call.lineno}"
        for call in _calls(tree, "np", "load") + _calls(tree, "numpy", "load"):
            numpy_loads += 1
            assert _keyword(call, "allow_pickle") is False, f"{source}:{call.lineno}"
        for module in ("pickle", "dill", "joblib", "cloudpickle"):
            for function in ("load", "loads", "Unpickler"):
                assert not _calls(tree, module, function), f"{source}: {module}.{function}"
    assert torch_loads >= 2 and numpy_loads >= 1   # the checks above did look at something
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        text = notebook.read_text()
        assert "weights_only=False" not in text and "allow_pickle=True" not in text, notebook


class _Payload:
    """Unpickling this runs code: it creates ``marker`` (what an attacker's file could do)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_checkpoint_holding_an_arbitrary_object_is_refused(tmp_path):
    marker, path = tmp_path / "code-ran", tmp_path / "evil.pt"
    torch.save({"model": {}, "masks": None, "extra": _Payload(marker)}, path)
    with pytest.raises(ValueError, match=r"evil\.pt: refused to load.*weights_only=True"):
        load_checkpoint(path)
    assert not marker.exists()
    torch.save(torch.zeros(3), tmp_path / "tensor.pt")   # safe, but not a checkpoint
    with pytest.raises(ValueError, match=r"tensor\.pt: not an evosynth checkpoint"):
        load_checkpoint(tmp_path / "tensor.pt")
    whole = save_checkpoint(tmp_path / "whole.pt", torch.nn.Linear(64, 64), None).read_bytes()
    (tmp_path / "cut.pt").write_bytes(whole[: len(whole) // 2])   # what a non-atomic write
    with pytest.raises(ValueError, match=r"cut\.pt: not a readable checkpoint"):  # leaves
        load_checkpoint(tmp_path / "cut.pt")
