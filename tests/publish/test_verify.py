"""The reproduction check (``python -m evosynth verify``) on a scratch git repository.

The scratch repository commits copies of the project's results/metrics.json, dvc.lock and
results/study/saliency.json; each test then changes the working tree (a metric, a model hash,
a generation, a file) and checks the verdicts, the report and the exit status.
"""

import dataclasses
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from evosynth.publish import verify
from evosynth.__main__ import main

from support import ROOT

FILES = ("results/metrics.json", "dvc.lock", "results/study/saliency.json")
GIT = ["git", "-c", "user.name=verify test", "-c", "user.email=verify@example.org",
       "-c", "commit.gpgsign=false"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with a first commit without the results and a second one with them."""
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "README.md").write_text("scratch\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "first: no results yet")
    git(repo, "tag", "empty")
    for name in FILES:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, repo / name)
    git(repo, "add", *FILES)
    git(repo, "commit", "-q", "-m", "results")
    return repo


def metrics(repo: Path) -> dict:
    return json.loads((repo / "results/metrics.json").read_text())


def write_metrics(repo: Path, data: dict) -> None:
    (repo / "results/metrics.json").write_text(json.dumps(data, indent=2))


def verdicts(report: verify.Report) -> dict[str, str]:
    return {row.generation: row.verdict for row in report.rows}


def run_cli(repo: Path, capsys, *extra: str) -> tuple[int, str, str]:
    status = main(["verify", "--root", str(repo), *extra])
    out, err = capsys.readouterr()
    return status, out, err


def test_unchanged_working_tree_is_bit_identical(repo, capsys):
    report = verify.verify(repo)
    generations = sorted(metrics(repo))
    assert [row.generation for row in report.rows] == generations == \
        ["gen0", "gen1", "gen2", "gen3", "gen4"]
    assert set(verdicts(report).values()) == {verify.BIT_IDENTICAL}
    for row in report.rows:
        assert row.hash_committed == row.hash_now and row.hash_now.endswith(".dir")
        assert [m.metric for m in row.metrics] == list(verify.METRICS)
        assert all(m.exact and m.difference == 0 for m in row.metrics)
    status, out, err = run_cli(repo, capsys)
    assert status == 0 and err == ""
    assert out.count(verify.BIT_IDENTICAL) >= 5
    assert "REPRODUCED: 5 bit-identical, 0 within tolerance, 0 not reproduced" in out
    assert "saliency/darwin/inherit/seed*/gen*" in out and "k = 3" in out


def test_last_digits_changed_is_within_tolerance(repo, capsys):
    data = metrics(repo)
    data["gen2"]["f_beta_max"] += 1e-6
    data["gen3"]["mae"] -= 1e-9
    write_metrics(repo, data)
    report = verify.verify(repo)
    assert verdicts(report) == {"gen0": verify.BIT_IDENTICAL, "gen1": verify.BIT_IDENTICAL,
                                "gen2": verify.WITHIN_TOLERANCE,
                                "gen3": verify.WITHIN_TOLERANCE, "gen4": verify.BIT_IDENTICAL}
    gen2 = report.rows[2]
    changed = {m.metric: m for m in gen2.metrics if not m.exact}
    assert list(changed) == ["f_beta_max"]
    assert changed["f_beta_max"].difference == pytest.approx(1e-6)
    assert "f_beta_max differ within the tolerance" in gen2.reason
    status, out, _ = run_cli(repo, capsys)
    assert status == 0
    assert "REPRODUCED: 3 bit-identical, 2 within tolerance, 0 not reproduced" in out


def test_metric_off_by_0_2_is_not_reproduced(repo, capsys):
    data = metrics(repo)
    data["gen3"]["f_beta_adaptive"] -= 0.2
    write_metrics(repo, data)
    report = verify.verify(repo)
    assert verdicts(report)["gen3"] == verify.NOT_REPRODUCED
    assert "f_beta_adaptive off by 0.2" in report.rows[3].reason
    assert [v for g, v in verdicts(report).items() if g != "gen3"] == [verify.BIT_IDENTICAL] * 4
    assert not report.reproduced and report.exit_status == 1
    status, out, _ = run_cli(repo, capsys)
    assert status == 1
    assert "gen3: not reproduced (f_beta_adaptive off by 0.2" in out
    assert "NOT REPRODUCED: 4 bit-identical, 0 within tolerance, 1 not reproduced" in out


def test_synapses_beyond_the_relative_tolerance_is_not_reproduced(repo):
    data = metrics(repo)
    tolerance = verify.verify(repo).tolerance
    data["gen1"]["synapses"] = round(data["gen1"]["synapses"] * (1 + 2 * tolerance.relative))
    data["gen2"]["synapses"] = data["gen2"]["synapses"] + 1  # well inside
    write_metrics(repo, data)
    found = verdicts(verify.verify(repo))
    assert found["gen1"] == verify.NOT_REPRODUCED
    assert found["gen2"] == verify.WITHIN_TOLERANCE


def test_model_hash_changed_with_equal_metrics_is_not_bit_identical(repo, capsys):
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    out = next(o for o in lock["stages"]["generation@gen2"]["outs"] if o["path"] == "models/gen2")
    out["md5"] = "0" * 32 + ".dir"
    (repo / "dvc.lock").write_text(yaml.safe_dump(lock, sort_keys=False))
    report = verify.verify(repo)
    row = report.rows[2]
    assert row.verdict == verify.WITHIN_TOLERANCE != verify.BIT_IDENTICAL
    assert all(m.exact for m in row.metrics)
    assert row.hash_now == "0" * 32 + ".dir" != row.hash_committed
    assert "hash differs" in row.reason
    assert [r.verdict for r in report.rows if r.generation != "gen2"] == \
        [verify.BIT_IDENTICAL] * 4
    status, text, _ = run_cli(repo, capsys)
    assert status == 0
    assert "models/gen2 md5  " in text and "differs" in text


def test_missing_model_hash_is_judged_on_the_metrics_alone(repo):
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    stage = lock["stages"]["generation@gen4"]
    stage["outs"] = [o for o in stage["outs"] if o["path"] != "models/gen4"]
    (repo / "dvc.lock").write_text(yaml.safe_dump(lock, sort_keys=False))
    row = verify.verify(repo).rows[4]
    assert row.verdict == verify.BIT_IDENTICAL
    assert row.hash_now is None and row.hash_committed is not None
    assert "no models/gen4 hash in the working tree dvc.lock" in row.reason
    assert "judged on the metrics alone" in row.reason


def test_missing_and_extra_generations_are_not_reproduced(repo, capsys):
    data = metrics(repo)
    del data["gen4"]
    data["gen5"] = dict(data["gen3"])
    write_metrics(repo, data)
    report = verify.verify(repo)
    found = {row.generation: row for row in report.rows}
    assert list(found) == ["gen0", "gen1", "gen2", "gen3", "gen4", "gen5"]
    assert found["gen4"].verdict == verify.NOT_REPRODUCED
    assert "missing in the working tree" in found["gen4"].reason
    assert found["gen5"].verdict == verify.NOT_REPRODUCED
    assert "not in the committed" in found["gen5"].reason
    status, _, _ = run_cli(repo, capsys)
    assert status == 1


def test_missing_metric_is_not_reproduced(repo):
    data = metrics(repo)
    del data["gen1"]["mae"]
    write_metrics(repo, data)
    row = verify.verify(repo).rows[1]
    assert row.verdict == verify.NOT_REPRODUCED and "mae missing" in row.reason


@pytest.mark.parametrize("name", ["results/metrics.json", "dvc.lock"])
def test_file_missing_in_working_tree_is_a_user_error(repo, capsys, name):
    (repo / name).unlink()
    status, out, err = run_cli(repo, capsys)
    assert status == 2 and out == ""
    assert err.startswith("evosynth: error: ") and err.count("\n") == 1
    assert f"{name}: missing in the working tree" in err


def test_file_missing_at_revision_is_a_user_error(repo, capsys):
    status, _, err = run_cli(repo, capsys, "--rev", "empty")
    assert status == 2
    assert "results/metrics.json: not in revision empty" in err and err.count("\n") == 1


def test_bad_revision_and_not_a_repository_are_user_errors(repo, tmp_path, capsys):
    status, _, err = run_cli(repo, capsys, "--rev", "no-such-rev")
    assert status == 2 and "bad revision 'no-such-rev'" in err
    plain = tmp_path / "plain"
    plain.mkdir()
    status, _, err = run_cli(plain, capsys)
    assert status == 2 and "not inside a git working tree" in err


def test_command_line_user_error_has_no_traceback(repo):
    (repo / "results/metrics.json").unlink()
    done = subprocess.run([sys.executable, "-m", "evosynth", "verify", "--root", str(repo)],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"evosynth: error: results/metrics.json: missing in the working tree {repo} "
        "(run the pipeline, or give --root)"]


def test_tolerance_is_derived_from_the_seed_spread(repo):
    study = json.loads((repo / "results/study/saliency.json").read_text())
    by_generation = {}
    for seed in range(3):
        for generation in range(5):
            run = study[f"saliency/darwin/inherit/seed{seed}/gen{generation}"]
            by_generation.setdefault(generation, []).append(run)

    def largest_std(metric):
        return max(np.std([run[metric] for run in runs], ddof=1)
                   for runs in by_generation.values())

    def largest_cv():
        return max(np.std(r := [run["reduction"] for run in runs], ddof=1) / np.mean(r)
                   for runs in by_generation.values())

    tolerance = verify.verify(repo).tolerance
    assert verify.K == 3 and tolerance.k == 3
    assert tolerance.f_beta_adaptive == pytest.approx(3 * largest_std("f_beta_adaptive"),
                                                      rel=1e-12)
    assert tolerance.f_beta_max == pytest.approx(3 * largest_std("f_beta_max"), rel=1e-12)
    assert tolerance.mae == pytest.approx(3 * largest_std("mae"), rel=1e-12)
    assert tolerance.relative == pytest.approx(3 * largest_cv(), rel=1e-12)
    assert all(value > 0 for value in (tolerance.f_beta_adaptive, tolerance.f_beta_max,
                                       tolerance.mae, tolerance.relative))
    assert "results/study/saliency.json" in tolerance.source
    assert "saliency/darwin/inherit/seed*/gen*" in tolerance.source
    assert "seeds 0, 1, 2" in tolerance.source and "k = 3" in tolerance.source
    with pytest.raises(dataclasses.FrozenInstanceError):
        tolerance.mae = 1.0
    assert tolerance.allowed("synapses", 1000) == pytest.approx(1000 * tolerance.relative)
    assert tolerance.allowed("mae", 0.5) == tolerance.mae


def test_tolerance_needs_two_seeds():
    study = {"saliency/darwin/inherit/seed0/gen0": {"f_beta_adaptive": 0.5, "f_beta_max": 0.6,
                                                    "mae": 0.1, "reduction": 1.0}}
    with pytest.raises(verify.VerifyError, match="at least 2"):
        verify.derive_tolerance(study)
    with pytest.raises(verify.VerifyError, match="no saliency/darwin/inherit"):
        verify.derive_tolerance({})
    two = {**study, "saliency/darwin/inherit/seed1/gen0": {
        "f_beta_adaptive": 0.7, "f_beta_max": 0.6, "mae": 0.3, "reduction": 1.0}}
    derived = verify.derive_tolerance(two, k=2)
    assert derived.f_beta_adaptive == pytest.approx(2 * statistics.stdev([0.5, 0.7]))
    assert derived.f_beta_max == 0 and derived.relative == 0


def test_the_default_networks_own_seeds_set_the_tolerance_when_committed(repo):
    """With two or more seeds of the default network in results/beyond.json, their spread is
    the tolerance; with one (or no beyond.json) the seed study's is."""
    beyond = {f"saliency-default/darwin/inherit/seed{s}/gen{g}": {
        "f_beta_adaptive": 0.8 + 0.01 * s * g, "f_beta_max": 0.85, "mae": 0.07,
        "reduction": 3.0 ** g} for s in (0, 1) for g in range(5)}
    (repo / verify.BEYOND_FILE).write_text(json.dumps(
        {k: v for k, v in beyond.items() if "/seed0/" in k}))
    git(repo, "add", verify.BEYOND_FILE)
    git(repo, "commit", "-q", "-m", "one seed of the default network")
    assert "results/study/saliency.json" in verify.verify(repo).tolerance.source
    (repo / verify.BEYOND_FILE).write_text(json.dumps(beyond))
    git(repo, "commit", "-q", "-am", "two seeds")
    tolerance = verify.verify(repo).tolerance
    assert "results/beyond.json" in tolerance.source
    assert "saliency-default/darwin/inherit/seed*/gen*" in tolerance.source
    assert tolerance.f_beta_adaptive == pytest.approx(3 * statistics.stdev([0.8, 0.84]))
    assert tolerance.f_beta_max == 0 and tolerance.relative == 0


def test_json_and_markdown_reports(repo, tmp_path, capsys):
    data = metrics(repo)
    data["gen1"]["mae"] += 0.3
    write_metrics(repo, data)
    target = tmp_path / "out" / "verify.json"
    status, out, _ = run_cli(repo, capsys, "--markdown", "--json", str(target))
    assert status == 1
    assert out.startswith("## Reproduction check")
    assert "| gen | metric | committed | now | |diff| | allowed | verdict |".replace(
        "|diff|", "\\|diff\\|") in out
    assert "- **gen1**: not reproduced" in out
    report = json.loads(target.read_text())
    assert report["reproduced"] is False
    assert report["commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert [row["verdict"] for row in report["rows"]] == [
        verify.BIT_IDENTICAL, verify.NOT_REPRODUCED, verify.BIT_IDENTICAL,
        verify.BIT_IDENTICAL, verify.BIT_IDENTICAL]
    assert report["tolerance"]["k"] == 3 and "saliency.json" in report["tolerance"]["source"]
    assert not list(target.parent.glob(".*.tmp"))  # written atomically, nothing left over


def test_help_describes_the_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["verify", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for option in ("--rev", "--root", "--markdown", "--json"):
        assert option in text
    assert "bit-identical" in text and "not reproduced" in text
