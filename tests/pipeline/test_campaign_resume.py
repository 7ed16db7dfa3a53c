"""A campaign stage that never ran, on a machine whose DVC cache lacks its parents (another
session's, another machine's): ``scripts/campaign.sh --new`` trains the parents again, runs the
stage and its scores, and leaves every committed lock entry and record as it was."""

import json
import shutil

import pytest
import yaml

from evosynth.experiment.campaign_todo import changed_entries, committed_entries

from support import BIN, ROOT, commit_smoke_copy, copy_smoke, git, run

B = "beyond/dvc.yaml:"
TARGET = "best-effort-generation@control-seed0-gen2"
SCORES = "best-effort-test-score@control-seed0-gen2"
PARENTS = ("best-effort-ancestor@0", "best-effort-generation@control-seed0-gen1")

pytestmark = [pytest.mark.slow, pytest.mark.needs_raw_data]


def _forget(repo, out: dict) -> None:
    """Remove the output ``out`` (a lock entry's) from the workspace and from DVC's cache."""
    path = repo / out["path"]
    shutil.rmtree(path) if path.is_dir() else path.unlink()
    objects = repo / ".dvc" / "cache" / "files" / "md5"
    md5 = out["md5"]
    listing = objects / md5[:2] / md5[2:]
    hashes = [entry["md5"] for entry in json.loads(listing.read_text())] \
        if md5.endswith(".dir") and listing.is_file() else []
    for name in [md5, *hashes]:
        (objects / name[:2] / name[2:]).unlink(missing_ok=True)


def test_a_stage_never_run_here_trains_its_missing_parents_again_and_keeps_the_run(
        smoke, tmp_path):
    work, _ = smoke
    repo = commit_smoke_copy(copy_smoke(work, tmp_path / "project"))
    shutil.copytree(ROOT / "scripts", repo / "scripts")
    # the state this machine meets: the target and its scores never ran; their parents ran on
    # another machine, whose records are committed but whose networks are neither in this
    # workspace nor in this cache
    lock_path = repo / "beyond" / "dvc.lock"
    lock = yaml.safe_load(lock_path.read_text())
    gone = [lock["stages"].pop(name) for name in (TARGET, SCORES)]
    for out in [out for entry in gone for out in entry["outs"]] + [
            out for name in PARENTS for out in lock["stages"][name]["outs"]
            if out["path"].startswith("models/")]:
        _forget(repo, out)
    lock_path.write_text(yaml.safe_dump(lock, sort_keys=False))
    git(repo, "add", "-A", "beyond", "results")
    git(repo, "commit", "-q", "-m", "the target never ran; its parents ran elsewhere")
    committed = committed_entries(repo, "HEAD")

    listed = run(["bash", "scripts/campaign.sh", "--list", "--new", B + TARGET], repo)
    assert listed.stdout.split() == [B + TARGET, B + SCORES]

    done = run(["bash", "scripts/campaign.sh", "--new", "--any-kind", B + TARGET], repo)
    for parent in PARENTS:                    # trained again, same bits, records put back
        assert f"{B}{parent} ran again" in done.stdout, done.stdout[-3000:]
    after = committed_entries(repo)
    assert changed_entries(committed, after) == []
    assert {B + TARGET, B + SCORES} <= set(after) - set(committed)
    records = git(repo, "status", "--porcelain", "--", "results").stdout.splitlines()
    assert records and all(line.startswith("?? ") for line in records), records  # only new ones
    status = run([BIN / "dvc", "status", B + TARGET, B + SCORES], repo)
    assert "up to date" in status.stdout, status.stdout
