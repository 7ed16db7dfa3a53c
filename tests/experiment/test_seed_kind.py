"""Each seed's arms on one machine kind (evosynth.experiment.seed_kind): a campaign stage that
trains from a seed's ancestor is refused on a machine of another kind than that ancestor's."""

import json
import re

import pytest

from evosynth.experiment.cli import main
from evosynth.experiment.seed_kind import COMMAND, KIND_KEYS, kind_mismatch, seed_of_stage

from support import ROOT

AMX = {"cpu": "Intel(R) Xeon(R) Processor", "cpu_capability": "AVX512", "cpu_bf16": "amx",
       "torch_threads": 2, "gpu": "none", "commit": "a" * 40, "finished": "2026-12-06T03:27:23Z"}
ZEN3 = {**AMX, "cpu": "AMD EPYC", "cpu_capability": "AVX2", "cpu_bf16": "none"}


def _rendered() -> dict[str, dict]:
    """beyond/dvc.yaml's stages as DVC resolves them (foreach expanded, ``${...}`` filled)."""
    dvc_repo = pytest.importorskip("dvc.repo")
    from dvc.dvcfile import load_file
    with dvc_repo.Repo(ROOT) as repo:
        return load_file(repo, "beyond/dvc.yaml").resolver.resolve()["stages"]


def test_every_stage_of_the_campaign_is_read_as_its_command_runs_it():
    """An offspring or small dense stage belongs to the seed and recipe its command trains
    (``--seed``, ``--recipe``); every other stage, ancestors included, to none."""
    stages = _rendered()
    seeded = 0
    for name, stage in stages.items():
        cmd = stage["cmd"]
        if re.search(r"stages\.(generation|small_dense) ", cmd):
            recipe = "best-effort" if "--recipe best-effort" in cmd else "first"
            expected = (recipe, int(re.search(r"--seed (\d+)", cmd).group(1)))
            seeded += 1
        else:
            expected = None
        assert seed_of_stage(name) == expected, (name, cmd)
        assert seed_of_stage(f"beyond/dvc.yaml:{name}") == expected, name
    assert seeded > 100, f"only {seeded} offspring and small dense stages"
    assert seed_of_stage("generation@gen1") is None           # the default pipeline's


def _project(tmp_path, machine, folder="results/best-effort/seed4/gen0"):
    record = tmp_path / folder / "summary.json"
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"machine": machine, "precision": "fp32"}))
    return tmp_path


def test_a_stage_runs_on_its_ancestors_kind_and_is_refused_on_another(tmp_path):
    root = _project(tmp_path, ZEN3)
    stage = "beyond/dvc.yaml:best-effort-generation@control-seed4-gen2"
    later = {**ZEN3, "commit": "b" * 40, "finished": "2026-12-07T10:00:00Z", "python": "x"}
    assert kind_mismatch(stage, root, here=later) is None       # only the kind counts
    for key in KIND_KEYS:
        other = {**ZEN3, key: AMX[key] if AMX[key] != ZEN3[key] else 4}
        problem = kind_mismatch(stage, root, here=other)
        assert problem and stage in problem and "seed 4 of the best-effort recipe" in problem
        assert f"{key} {ZEN3[key]!r} here {other[key]!r}" in problem
        assert "results/best-effort/seed4/gen0/summary.json" in problem
    assert kind_mismatch("best-effort-small-dense@seed4-gen1", root, here=AMX)
    # other seeds and recipes, ancestors, stages that train nothing: never refused
    for free in ("best-effort-generation@default-seed3-gen1", "generation@default-seed4-gen1",
                 "best-effort-ancestor@4", "best-effort-test-score@default-seed4-gen1",
                 "best-effort-test-score-summary", "learning-curve@96"):
        assert kind_mismatch(free, root, here=AMX) is None, free


def test_the_first_recipes_seed_zero_is_the_default_pipelines_ancestor(tmp_path):
    root = _project(tmp_path, AMX, folder="results/gen0")
    assert kind_mismatch("generation@control-gen1", root, here=AMX) is None
    assert "seed 0 of the first recipe" in kind_mismatch("generation@newborn-gen3", root,
                                                         here=ZEN3)
    root = _project(tmp_path, AMX, folder="results/seeds/seed2/gen0")
    assert kind_mismatch("small-dense@seed2-gen4", root, here=ZEN3)


def test_the_command_prints_each_refusal_and_fails(tmp_path, capsys, monkeypatch):
    root = _project(tmp_path, {**AMX, "cpu": "a CPU of no machine here"})
    monkeypatch.chdir(tmp_path)
    assert main(COMMAND, ["best-effort-ancestor@4", "--root", str(root)]) == 0
    assert main(COMMAND, ["best-effort-generation@default-seed4-gen1",
                          "best-effort-generation@default-seed3-gen1", "--root", str(root)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("seed-kind: best-effort-generation@default-seed4")
