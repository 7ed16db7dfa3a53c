"""The committed record as the book reads it: one run per book, and which run a page shows."""

import json
import sys

import pytest
import yaml

from support import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import artifact  # noqa: E402 (book/_ext/artifact.py, the book's own code)


def _lock(path, stages):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"schema": "2.0", "stages": stages}))


def _project(root, gen0="aaa.dir", metrics="bbb", beyond_gen0="aaa.dir", dep="models/gen0"):
    _lock(root / "dvc.lock", {
        "ancestor": {"outs": [{"path": "models/gen0", "md5": gen0}]},
        "evaluate": {"deps": [{"path": "models/gen0", "md5": gen0}],
                     "outs": [{"path": "results/metrics.json", "md5": metrics}]}})
    _lock(root / "beyond" / "dvc.lock", {
        "structured-gen1": {"deps": [{"path": dep, "md5": beyond_gen0},
                                     {"path": "src/evosynth/evolution.py", "md5": "ccc"}]},
        "beyond": {"deps": [{"path": "results/metrics.json", "md5": metrics}]}})
    return root


def test_consistent_runs_pass(tmp_path):
    assert sorted(artifact.check_consistency(_project(tmp_path))) == ["beyond", "structured-gen1"]


def test_beyond_made_from_another_ancestor_fails_naming_what_to_rerun(tmp_path):
    root = _project(tmp_path, beyond_gen0="zzz.dir")
    with pytest.raises(artifact.MixedRunsError) as error:
        artifact.check_consistency(root)
    message = str(error.value)
    assert "structured-gen1 read models/gen0" in message
    assert "dvc repro beyond/dvc.yaml" in message
    assert "beyond read" not in message  # the metrics agree


def test_a_file_inside_a_default_output_cannot_be_compared(tmp_path):
    root = _project(tmp_path, dep="models/gen0/network.pt", beyond_gen0="123")
    with pytest.raises(artifact.MixedRunsError, match="inside the default pipeline's output "
                                                      "models/gen0"):
        artifact.check_consistency(root)


def test_missing_lock_file_is_named(tmp_path):
    _lock(tmp_path / "dvc.lock", {})
    with pytest.raises(FileNotFoundError, match="beyond/dvc.lock"):
        artifact.check_consistency(tmp_path)


def _summary(root, folder, name, **machine):
    path = root / folder / name / "summary.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"generation": name, "machine": machine}))


MACHINE = {"cpu": "Xeon", "cpu_capability": "AVX512", "torch_threads": 2, "gpu": "none",
           "python": "3.11.7", "torch": "2.14.1", "numpy": "2.3.4", "lock_sha256": "ab" * 32,
           "commit": "0123456789abcdef", "finished": "2026-11-28T14:00:00Z"}


def test_run_statement_names_commit_machine_capability_and_lock(tmp_path):
    for k in range(3):
        _summary(tmp_path, "results", f"gen{k}", **{**MACHINE,
                                                    "finished": f"2026-11-28T14:0{k}:00Z"})
    _summary(tmp_path, "results", "gen10", **MACHINE)   # sorted numerically, not as text
    machines = artifact.lineage_machines(tmp_path)
    assert list(machines) == ["gen0", "gen1", "gen2", "gen10"]
    text = artifact.run_statement(machines)
    assert "(gen0–gen10): code of commit `0123456789`" in text
    assert "Xeon (PyTorch CPU capability AVX512, 2 threads, GPU: none)" in text
    assert "between 2026-11-28T14:00:00Z and 2026-11-28T14:02:00Z" in text
    assert f"`{'ab' * 6}`" in text and " for gen" not in text


def test_run_statement_says_when_stages_ran_on_different_machines(tmp_path):
    _summary(tmp_path, "results", "gen0", **{**MACHINE, "cpu": "EPYC", "cpu_capability": "AVX2",
                                             "commit": "fedcba9876543210+dirty"})
    _summary(tmp_path, "results", "gen1", **MACHINE)
    text = artifact.run_statement(artifact.lineage_machines(tmp_path))
    assert "EPYC (PyTorch CPU capability AVX2, 2 threads, GPU: none) for gen0" in text
    assert "Xeon (PyTorch CPU capability AVX512, 2 threads, GPU: none) for gen1" in text
    assert "`fedcba9876` (with uncommitted changes)" in text


def test_lineage_without_records_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no training record"):
        artifact.lineage_machines(tmp_path, "structured")
    with pytest.raises(ValueError, match="unknown lineage 'nope'"):
        artifact.lineage_machines(tmp_path, "nope")


def test_notebook_and_experiment_statements(tmp_path):
    notebook = tmp_path / "study_x.ipynb"
    notebook.write_text(json.dumps({"metadata": {"papermill": {
        "start_time": "2026-11-25T12:53:35.5+00:00", "end_time": "2026-11-25T13:09:26.4+00:00"}}}))
    text = artifact.notebook_statement([notebook])
    assert "`study_x` 2026-11-25T12:53:35–2026-11-25T13:09:26 UTC" in text
    assert "of `study_x` were not recorded" in text
    recorded = tmp_path / "study_y.ipynb"
    recorded.write_text(json.dumps({"metadata": {}, "cells": [{"outputs": [{
        "metadata": {"scrapbook": {"name": artifact.MACHINE_GLUE}},
        "data": {"application/papermill.record/text/plain": repr(MACHINE)}}]}]}))
    text = artifact.notebook_statement([recorded])
    assert "Where: (study_y): code of commit `0123456789`" in text
    assert "AVX512" in text and "not recorded" not in text
    experiments = tmp_path / "experiments.json"
    experiments.write_text(json.dumps([
        {"rev": "workspace", "experiments": None},
        {"rev": "81d293c5abcdef", "experiments": [
            {"revs": [{"name": "super-pith", "data": {"timestamp": "2026-11-25T14:05:04"}}]}]}]))
    text = artifact.experiments_statement(experiments)
    assert "1 DVC experiments on baseline commit `81d293c5ab`" in text
    assert "`super-pith` 2026-11-25T14:05:04" in text
    with pytest.raises(FileNotFoundError, match="missing.ipynb"):
        artifact.notebook_statement([tmp_path / "missing.ipynb"])


def test_a_replicate_lineage_reads_its_own_records():
    assert artifact.lineage_folder("seed2") == "results/seeds/seed2"
    assert artifact.lineage_folder("seed2-control") == "results/seeds/seed2/control"
    assert artifact.lineage_folder("control") == "results/control"
    with pytest.raises(ValueError, match="unknown lineage 'seedx'"):
        artifact.lineage_folder("seedx")
    assert artifact.lineage_folder("seed1-newborn") == "results/seeds/seed1/newborn"
    assert artifact.lineage_folder("seed1-small-dense") == "results/seeds/seed1/small-dense"
    assert artifact.lineage_folder("small-dense") == "results/small-dense"
    with pytest.raises(ValueError, match="unknown lineage 'default' of seed 1"):
        artifact.lineage_folder("seed1-default")


def test_the_campaign_table_names_every_lineage_and_seed_with_its_machine_kind(tmp_path):
    def record(folder, gen, bf16):
        path = tmp_path / folder / gen / "summary.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"train": {"precision": "bf16"}, "machine": {
            "cpu": "Intel(R) Xeon(R)", "cpu_bf16": bf16, "finished": f"2026-12-03T1{gen[-1]}"}}))
    for gen in ("gen0", "gen1", "gen2"):
        record("results", gen, "amx")
    record("results/control", "gen1", "amx")
    record("results/seeds/seed3", "gen0", "none")      # another kind of machine
    record("results/seeds/seed3/control", "gen1", "none")
    runs = {run["lineage"]: run for run in artifact.campaign_runs(tmp_path)}
    assert list(runs) == ["default", "control", "seed3", "seed3-control"]
    assert runs["default"]["generations"] == ["gen0", "gen1", "gen2"]
    assert runs["seed3"]["machines"] == ["Intel(R) Xeon(R) (bf16: none)"]
    assert runs["control"]["precision"] == ["bf16"]
    table = artifact.campaign_statement(tmp_path)
    assert "| `seed3-control` | `results/seeds/seed3/control` | gen1 |" in table
    assert "(bf16: amx)" in table and table.count("\n") == 5


def _records(root, folder, generations, **machine):
    for k in generations:
        path = root / folder / f"gen{k}" / "summary.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"generation": f"gen{k}", "precision": machine.pop(
            "precision", "bf16") if k == generations[-1] else "bf16", "train_seconds": 60.0,
            "machine": machine}))


def test_a_book_of_one_run_says_nothing_and_one_of_two_runs_says_which_page_shows_which(tmp_path):
    root = _project(tmp_path)
    assert artifact.mixed_runs(root) == []
    assert artifact.which_run(root, "both", []) == ""
    root = _project(tmp_path, gen0="rerun.dir")        # the default pipeline rerun elsewhere
    problems = artifact.mixed_runs(root)
    assert problems == ["structured-gen1 read models/gen0 (md5 aaa.dir), the default run's is "
                        "rerun.dir"]
    _records(root, "results", [0, 1], cpu="AMD EPYC", cpu_bf16="none",
             finished="2026-12-06T10:00:00Z")
    _records(root, "results/control", [1], cpu="Xeon", cpu_bf16="amx", commit="abcdef1234567",
             finished="2026-12-03T10:00:00Z")
    rerun = ("this checkout's rerun of the default pipeline (finished 2026-12-06T10:00:00Z on "
             "AMD EPYC, bf16 kind none, in bf16; 2 min of training)")
    campaign = ("the committed campaign (trained from the committed default pipeline by commit "
                "`abcdef1234` on Xeon (bf16: amx))")
    assert artifact.which_run(root, "pipeline", problems).startswith(f"**This page shows {rerun}.**")
    assert campaign in artifact.which_run(root, "pipeline", problems)
    assert artifact.which_run(root, "campaign", problems).startswith(
        f"**This page shows {campaign}**, not {rerun}.")
    both = artifact.which_run(root, "both", problems)
    assert both.startswith("**This page shows two runs.**") and rerun in both and campaign in both
    assert "(1 of them)" in both
    with pytest.raises(ValueError, match="shows must be one of pipeline, campaign, both"):
        artifact.which_run(root, "rerun", problems)
