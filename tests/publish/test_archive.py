"""The archive of a run (``python -m evosynth archive``): its manifest, its refusals, and the
round trip a reader makes: unpack, clone the bundle, ``dvc pull`` from the archive's store,
and every network of both pipelines is back with ``dvc status`` clean (smoke profile)."""

import json
import shutil
import subprocess

import pytest

from evosynth import load_checkpoint
from evosynth.publish.archive import ArchiveError, lock_outputs, make_archive, manifest, verify_manifest

from support import BIN, git, run


def test_manifest_lists_every_file_and_finds_changes(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.bin").write_bytes(b"\x00\x01")
    (tmp_path / "y.txt").write_text("y\n")
    (tmp_path / "MANIFEST.sha256").write_text(manifest(tmp_path))
    lines = (tmp_path / "MANIFEST.sha256").read_text().splitlines()
    assert [line.split("  ")[1] for line in lines] == ["a/x.bin", "y.txt"]
    check = subprocess.run(["sha256sum", "-c", "MANIFEST.sha256"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr   # the standard tool agrees
    assert verify_manifest(tmp_path) == []
    (tmp_path / "y.txt").write_text("z\n")
    (tmp_path / "a" / "x.bin").unlink()
    (tmp_path / "new").write_text("")
    assert verify_manifest(tmp_path) == ["missing: a/x.bin", "not in the manifest: new",
                                         "changed: y.txt"]


def test_lock_outputs_reads_both_locks_with_paths_from_the_root(tmp_path):
    (tmp_path / "beyond").mkdir()
    (tmp_path / "dvc.lock").write_text(
        "schema: '2.0'\nstages:\n  ancestor:\n    outs:\n    - path: models/gen0\n"
        "      md5: abc.dir\n      size: 3\n")
    (tmp_path / "beyond" / "dvc.yaml").write_text(   # its paths are relative to the wdir
        "stages:\n  small:\n    foreach: [a]\n    do:\n      wdir: ..\n      cmd: x\n")
    (tmp_path / "beyond" / "dvc.lock").write_text(
        "schema: '2.0'\nstages:\n  small@a:\n    outs:\n    - path: models/small\n"
        "      md5: def.dir\n      size: 4\n")
    assert lock_outputs(tmp_path) == [
        {"lock": "dvc.lock", "stage": "ancestor", "path": "models/gen0", "md5": "abc.dir",
         "size": 3},
        {"lock": "beyond/dvc.lock", "stage": "small@a", "path": "models/small", "md5": "def.dir",
         "size": 4}]
    (tmp_path / "beyond" / "dvc.lock").unlink()
    with pytest.raises(ArchiveError, match=r"beyond/dvc.lock not found"):
        lock_outputs(tmp_path)


def test_refusals_name_the_problem_and_leave_nothing(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "dvc.lock").write_text("stages: {}\n")
    git(repo, "add", "dvc.lock")
    git(repo, "commit", "-q", "-m", "a lock")
    existing = tmp_path / "taken"
    existing.mkdir()
    with pytest.raises(ArchiveError, match="already exists"):
        make_archive(existing, repo, book=None)
    with pytest.raises(ArchiveError, match=r"no built book .*index.html.*--no-book"):
        make_archive(tmp_path / "out", repo)
    (repo / "dvc.lock").write_text("stages: {edited: {}}\n")
    with pytest.raises(ArchiveError, match="tracked files differ from the commit"):
        make_archive(tmp_path / "out", repo, book=None)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["repo", "taken"]


@pytest.mark.slow
@pytest.mark.needs_raw_data
def test_unpacked_archive_restores_every_network(smoke_git, tmp_path):
    """The smoke run archived (no book) and packed; unpacked elsewhere, its manifest holds, and
    a clone of its bundle pulls every DVC output of both locks from its store: nothing stale,
    the same hashes, every network loads."""
    made = run([BIN / "python", "-m", "evosynth", "archive", str(tmp_path / "run-1"),
                "--no-book", "--tar"], smoke_git)
    assert "archive written" in made.stdout
    assert not list(tmp_path.glob(".*partial"))
    assert not (smoke_git / ".dvc" / "config.local").exists() or \
        "archive-" not in (smoke_git / ".dvc" / "config.local").read_text()

    reader = tmp_path / "reader"
    reader.mkdir()
    shutil.unpack_archive(tmp_path / "run-1.tar", reader)
    unpacked = reader / "run-1"
    assert verify_manifest(unpacked) == []
    info = json.loads((unpacked / "archive.json").read_text())
    head = git(smoke_git, "rev-parse", "HEAD").stdout.strip()
    assert info["commit"] == head and info["book"] is False
    models = [out for out in info["outputs"] if out["path"].startswith("models/")]
    assert {out["lock"] for out in models} == {"dvc.lock", "beyond/dvc.lock"}

    git(reader, "clone", "-q", str(unpacked / "repository.bundle"), "evosynth")
    clone = reader / "evosynth"
    assert git(clone, "rev-parse", "HEAD").stdout.strip() == head
    assert not (clone / "models").exists()
    run([BIN / "dvc", "remote", "add", "--local", "archive", str(unpacked / "dvc-store")], clone)
    run([BIN / "dvc", "pull", "-r", "archive"], clone)
    status = run([BIN / "dvc", "status", "--json"], clone)
    assert json.loads(status.stdout or "{}") == {}, status.stdout
    assert lock_outputs(clone) == info["outputs"]
    for out in models:
        for network in (clone / out["path"]).rglob("network.pt"):
            assert load_checkpoint(network)["masks"], network
