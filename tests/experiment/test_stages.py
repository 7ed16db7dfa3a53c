"""The stages (evosynth.experiment.stages): checks before any work, nothing written on a bad data set, and
bit-identical runs for the same seeds."""

import json
from pathlib import Path

import pytest
import torch

from evosynth import DataError, load_checkpoint
from evosynth.experiment.config import ParamsError, parse_params
from evosynth.experiment.paths import Paths
from evosynth.experiment.stages.ancestor import ancestor
from evosynth.experiment.stages.evaluate import evaluate
from evosynth.experiment.stages.generation import generation
from evosynth.experiment.stages.prepare import prepare

from support import tiny_params, write_folder_dataset


def test_prepare_stage_checks_data_paths_before_any_work(tmp_path, monkeypatch):
    """The stage runs the same check first: the message names the key, nothing is written."""
    monkeypatch.chdir(tmp_path)
    params = parse_params(tiny_params(dataset="fashion-composite", raw="no/such/raw"))
    with pytest.raises(ParamsError, match=r"prepare\.raw = 'no/such/raw'"):
        prepare(params, Paths(tmp_path))
    assert not (tmp_path / "data").exists()


def test_bad_file_in_a_later_split_fails_prepare_without_writing_any_split(tmp_path):
    write_folder_dataset(tmp_path / "set")
    (tmp_path / "set" / "masks" / "f.png").write_bytes(b"not a png")  # in the test split
    params = parse_params(tiny_params(dataset="folder", folder={"root": str(tmp_path / "set")}))
    paths = Paths(tmp_path / "out")
    with pytest.raises(DataError, match=r"f\.png: not a readable mask"):
        prepare(params, paths)
    assert not paths.prepared.exists() or list(paths.prepared.iterdir()) == []


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
    data = tiny_params()
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


def test_the_z_arm_is_darwin_with_the_other_normaliser_from_the_same_ancestors(tmp_path):
    from evosynth.experiment.stages.study import other_z, study, z_arm_method
    from evosynth.experiment.stages.z_arm import z_arm
    data = tiny_params()
    data["study"]["seeds"] = [0]
    params = parse_params(data)
    paths = Paths(tmp_path)
    prepare(params, paths)
    assert params.generation.normalization == "layer" and other_z(params) == "global"
    arm = z_arm(params, "saliency", paths, progress=False)
    darwin = study(params.model_copy(update={"study": params.study.model_copy(
        update={"methods": ["darwin/inherit"]})}), "saliency", paths, progress=False)
    assert z_arm_method(params) == "darwin-global/inherit"
    assert sorted(arm) == sorted(k.replace("/darwin/", "/darwin-global/") for k in darwin)
    assert json.loads(paths.study("saliency-z-arm").read_text()) == arm
    same = lambda entry: {k: v for k, v in entry.items() if k != "train_seconds"}  # noqa: E731
    key = "saliency/darwin{}/inherit/seed0/gen{}"
    assert same(arm[key.format("-global", 0)]) == same(darwin[key.format("", 0)])  # one ancestor
    assert same(arm[key.format("-global", 1)]) != same(darwin[key.format("", 1)])  # another Z


@pytest.mark.parametrize("kind,ran", [("none", "fp32"), ("amx", "bf16")])
def test_a_stage_with_auto_precision_trains_as_the_cpu_allows_and_records_it(
        tmp_path, monkeypatch, kind, ran):
    """``precision: auto`` on a CPU without native bf16 (the detected kind forced) trains in
    fp32; the record names both the kind and the precision that ran."""
    monkeypatch.setenv("EVOSYNTH_CPU_BF16", kind)
    data = tiny_params()
    data["ancestor"]["train"]["precision"] = "auto"
    params = parse_params(data)
    paths = Paths(tmp_path)
    prepare(params, paths)
    ancestor(params, paths, progress=False)
    record = json.loads(paths.summary("gen0").read_text())
    assert record["train"]["precision"] == "auto" and record["precision"] == ran
    assert record["machine"]["cpu_bf16"] == kind
    assert record["machine"]["cpu_bf16_forced_by"] == "EVOSYNTH_CPU_BF16"
