"""scripts/campaign.sh stops between two stages when ``.campaign-stop`` is there: the stage that
runs goes on to its end (a best-effort network: with its scores and their merge), the next one
does not start, the file is removed so that the same command later goes on. DVC is replaced by
a script that records its calls (and, asked to, asks for the stop while a stage "runs").
``--networks N`` stops the same way once N networks have trained."""

import os
import shutil
import subprocess
from pathlib import Path

from support import ROOT

FAKE_DVC = """#!/usr/bin/env bash
echo "$*" >> dvc.calls
if [ "$1" = repro ] && [ -n "${STOP_DURING_FIRST:-}" ]; then touch .campaign-stop; fi
"""
STAGES = [f"beyond/dvc.yaml:generation@default-seed3-gen{g}" for g in (1, 2)]
B = "beyond/dvc.yaml:"
BEST = [f"{B}best-effort-generation@newborn-seed4-gen{g}" for g in (2, 3)]


def _campaign(tmp_path: Path, stop_before: bool = False, stop_during_first: bool = False,
              stages: list[str] = STAGES, options: tuple[str, ...] = ()):
    work, bin_dir = tmp_path / "work", tmp_path / "bin"
    (work / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "campaign.sh", work / "scripts")
    bin_dir.mkdir()
    (bin_dir / "dvc").write_text(FAKE_DVC)
    (bin_dir / "dvc").chmod(0o755)
    if stop_before:
        (work / ".campaign-stop").touch()
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    if stop_during_first:
        env["STOP_DURING_FIRST"] = "1"
    done = subprocess.run(["bash", "scripts/campaign.sh", "--any-kind", *options, *stages], cwd=work,
                          env=env, capture_output=True, text=True)
    calls = work / "dvc.calls"
    return done, calls.read_text().splitlines() if calls.exists() else [], work


def test_without_the_file_every_stage_runs(tmp_path):
    done, calls, _ = _campaign(tmp_path)
    assert done.returncode == 0, done.stderr
    assert calls == [f"repro --single-item {stage}" for stage in STAGES]
    assert "stopped" not in done.stdout


def test_the_file_stops_the_campaign_before_its_first_stage_and_is_removed(tmp_path):
    done, calls, work = _campaign(tmp_path, stop_before=True)
    assert done.returncode == 0, done.stderr
    assert calls == []
    assert f"stopped before {STAGES[0]}" in done.stdout
    assert not (work / ".campaign-stop").exists()


def test_a_stop_asked_during_a_stage_lets_it_finish_and_starts_no_other(tmp_path):
    done, calls, work = _campaign(tmp_path, stop_during_first=True)
    assert done.returncode == 0, done.stderr
    assert calls == [f"repro --single-item {STAGES[0]}"]
    assert f"stopped before {STAGES[1]}" in done.stdout
    assert not (work / ".campaign-stop").exists()


def test_a_stop_lets_the_network_trained_be_scored_and_merged_first(tmp_path):
    """Best-effort: the stop waits for the scores of the network being trained and their
    merge, then starts no other training (and merges nothing more)."""
    done, calls, work = _campaign(tmp_path, stop_during_first=True, stages=BEST)
    assert done.returncode == 0, done.stderr
    assert calls == [f"repro --single-item {BEST[0]}",
                     f"repro --single-item {B}best-effort-test-score@newborn-seed4-gen2",
                     f"repro --single-item {B}best-effort-test-score-summary"]
    assert f"stopped before {BEST[1]}" in done.stdout
    assert not (work / ".campaign-stop").exists()


def test_a_stop_before_a_best_effort_group_runs_nothing_of_it(tmp_path):
    done, calls, _ = _campaign(tmp_path, stop_before=True, stages=BEST)
    assert done.returncode == 0, done.stderr
    assert calls == []


def test_networks_1_trains_one_network_with_its_scores_and_their_merge(tmp_path):
    done, calls, work = _campaign(tmp_path, stages=BEST, options=("--networks", "1"))
    assert done.returncode == 0, done.stderr
    assert calls == [f"repro --single-item {BEST[0]}",
                     f"repro --single-item {B}best-effort-test-score@newborn-seed4-gen2",
                     f"repro --single-item {B}best-effort-test-score-summary"]
    assert f"stopped before {BEST[1]} (1 networks trained" in done.stdout


def test_networks_counts_across_groups_and_a_count_not_reached_runs_everything(tmp_path):
    done, calls, _ = _campaign(tmp_path, stages=[*STAGES, BEST[0]], options=("--networks", "2"))
    assert done.returncode == 0, done.stderr
    assert calls == [f"repro --single-item {stage}" for stage in STAGES]
    done, calls, _ = _campaign(tmp_path / "all", stages=STAGES, options=("--networks", "5"))
    assert calls == [f"repro --single-item {stage}" for stage in STAGES]
    assert "stopped" not in done.stdout


def test_networks_without_a_positive_whole_number_is_a_clear_error(tmp_path):
    for value in (("0",), ("two",), ()):
        done, calls, _ = _campaign(tmp_path / f"v{len(value)}{''.join(value)}", stages=[],
                                   options=("--networks", *value))
        assert done.returncode == 2
        assert "--networks needs a positive whole number" in done.stderr
        assert calls == []


def test_help_prints_the_usage_and_runs_nothing(tmp_path):
    done, calls, _ = _campaign(tmp_path, options=("--help",))
    assert done.returncode == 0, done.stderr
    assert "--networks N" in done.stdout and "touch .campaign-stop" in done.stdout
    assert "set -euo" not in done.stdout
    assert calls == []
