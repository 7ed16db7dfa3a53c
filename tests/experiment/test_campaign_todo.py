"""Which campaign stages never ran, and the committed run kept when a parent is trained again
(evosynth.experiment.campaign_todo); the whole round trip on the smoke run is
tests/pipeline/test_campaign_resume.py."""

import json
import subprocess

import pytest
import yaml

from evosynth.experiment.campaign_todo import (changed_entries, committed_entries, never_run,
                                               restore_records)
from evosynth.experiment.paths import Paths
from evosynth.experiment.stages.test_score import archived_scores

from support import ROOT

B = "beyond/dvc.yaml:"


def _entry(model_md5: str, record_md5: str = "r1.dir", seed: int = 3) -> dict:
    return {"cmd": f"train {seed}", "deps": [{"path": "data/prepared", "md5": "d.dir"}],
            "outs": [{"path": f"models/best-effort/seed{seed}/gen0", "md5": model_md5},
                     {"path": f"results/best-effort/seed{seed}/gen0", "md5": record_md5}]}


def _project(tmp_path, beyond: dict, main: dict | None = None):
    (tmp_path / "beyond").mkdir()
    (tmp_path / "beyond" / "dvc.lock").write_text(yaml.safe_dump({"schema": "2.0",
                                                                    "stages": beyond}))
    if main is not None:
        (tmp_path / "dvc.lock").write_text(yaml.safe_dump({"schema": "2.0", "stages": main}))
    archive = Paths(tmp_path).for_recipe("best-effort").campaign_metrics.parent
    archive.mkdir(parents=True)
    (archive / "archived_scores.json").write_text(
        (ROOT / "results" / "best-effort" / "archived_scores.json").read_text())
    return tmp_path


def test_the_stages_never_run_are_those_without_a_lock_entry_or_archived_scores(tmp_path):
    archived = {n.key for n in archived_scores(Paths(ROOT).for_recipe("best-effort"))}
    assert {"ancestor-seed0", "default-seed0-gen4"} <= archived          # the committed archive
    root = _project(tmp_path, {"best-effort-ancestor@3": _entry("m1.dir"),
                               "best-effort-generation@control-seed3-gen1": _entry("c1.dir")},
                    main={"prepare": {"cmd": "prepare"}})
    stages = ["dvc.yaml", "prepare", "learning-curve@12",
              f"{B}best-effort-ancestor@3",                     # committed
              f"{B}best-effort-test-score@ancestor-seed0",        # archived scores
              f"{B}best-effort-generation@control-seed3-gen1",   # committed
              f"{B}best-effort-test-score@control-seed3-gen1",   # trained, never scored
              f"{B}best-effort-generation@control-seed3-gen2",   # never run
              f"{B}best-effort-test-score@control-seed3-gen2"]
    assert never_run(stages, root) == [
        "dvc.yaml", "learning-curve@12", f"{B}best-effort-test-score@control-seed3-gen1",
        f"{B}best-effort-generation@control-seed3-gen2",
        f"{B}best-effort-test-score@control-seed3-gen2"]
    with pytest.raises(ValueError, match="pipeline must be one of"):
        never_run(["other/dvc.yaml:stage"], root)


def test_a_changed_entry_is_one_committed_before_and_different_or_gone_after():
    before = {"a": {"md5": 1}, "b": {"md5": 2}, "c": {"md5": 3}}
    after = {"a": {"md5": 1}, "b": {"md5": 9}, "d": {"md5": 4}}      # d: new, not a change
    assert changed_entries(before, after) == ["b", "c"]
    assert changed_entries(before, before) == []


def _git(root, *args):
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True)


def _committed(tmp_path, entry: dict):
    """A git repository whose beyond/dvc.lock commits ``entry`` for seed 3's ancestor, and its
    record folder (in git) beside it."""
    root = _project(tmp_path, {"best-effort-ancestor@3": entry})
    record = root / "results" / "best-effort" / "seed3" / "gen0" / "summary.json"
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"seconds": 100}))
    _git(root, "init", "-q")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty",
         "-m", "start")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "run")
    return root


def _rerun(root, entry: dict, new: dict | None = None):
    stages = {"best-effort-ancestor@3": entry, **(new or {})}
    (root / "beyond" / "dvc.lock").write_text(yaml.safe_dump({"schema": "2.0",
                                                              "stages": stages}))


def test_a_network_trained_again_with_other_bits_stops_the_campaign(tmp_path):
    root = _committed(tmp_path, _entry("m1.dir"))
    _rerun(root, _entry("m2.dir", "r2.dir"))                # the network differs: another kind
    with pytest.raises(ValueError, match=r"models/best-effort/seed3/gen0 differs .*m1\.dir "
                                         r"there, m2\.dir here.*another machine kind"):
        restore_records(root)
    assert committed_entries(root)[f"{B}best-effort-ancestor@3"]["outs"][0]["md5"] == "m2.dir"


def test_a_stage_run_with_other_code_is_not_put_back(tmp_path):
    root = _committed(tmp_path, _entry("m1.dir"))
    changed = _entry("m1.dir", "r2.dir")
    changed["deps"][0]["md5"] = "other.dir"
    _rerun(root, changed)
    with pytest.raises(ValueError, match="dependencies differ"):
        restore_records(root)


def test_new_entries_alone_need_nothing_put_back(tmp_path):
    root = _committed(tmp_path, _entry("m1.dir"))
    _rerun(root, _entry("m1.dir"), {"best-effort-generation@control-seed3-gen2": _entry("c2")})
    assert restore_records(root) == []
