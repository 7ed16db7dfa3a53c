"""parents/: the best-effort networks that trainings still to run start from can travel in git.
A machine that trains them (``scripts/campaign.sh --new --commit --carry``) commits them there,
one at a time; the next machine, its DVC cache empty, checks them out and trains none of them
again."""

import json
import re
import shutil

import pytest
import yaml

from evosynth.experiment.parents import (REMOTE, _repo, missing_parents, needed_parents, pull,
                                         push)

from support import ROOT, commit_smoke_copy, copy_smoke, git, run

B = "beyond/dvc.yaml:"
FIRST = "best-effort-generation@control-seed0-gen2"
THEN = "best-effort-generation@control-seed0-gen3"
PARENTS = ("best-effort-ancestor@0", "best-effort-generation@control-seed0-gen1")


TOY = """\
stages:
  ancestor:
    cmd: mkdir -p models/best-effort/a && echo a > models/best-effort/a/w
    outs: [models/best-effort/a]
  gen1:
    cmd: mkdir -p models/best-effort/g1 && cat models/best-effort/a/w > models/best-effort/g1/w
    deps: [models/best-effort/a]
    outs: [models/best-effort/g1]
  score1:
    cmd: mkdir -p results && cat models/best-effort/g1/w > results/s1
    deps: [models/best-effort/g1]
    outs: [{results/s1: {cache: false}}]
  gen2:
    cmd: mkdir -p models/best-effort/g2 && cat models/best-effort/g1/w > models/best-effort/g2/w
    deps: [models/best-effort/g1]
    outs: [models/best-effort/g2]
"""


def _toy(tmp_path):
    """A DVC project of three networks in a chain (ancestor, gen1, gen2; gen1 also scored) with
    the repository's remote ``parents``."""
    (tmp_path / "dvc.yaml").write_text(TOY)
    run(["dvc", "init", "--no-scm", "-q"], tmp_path)
    config = (ROOT / ".dvc" / "config").read_text()
    with (tmp_path / ".dvc" / "config").open("a") as mine:     # after its no_scm
        mine.write(config[config.index("['remote"):])
    return tmp_path


def _needed(repo) -> dict[str, str]:
    with _repo(repo) as dvc:
        return needed_parents(dvc)


def test_a_parent_is_kept_while_a_training_still_to_run_starts_from_it(tmp_path):
    repo = _toy(tmp_path)
    assert _needed(repo) == {}                               # nothing committed yet
    run(["dvc", "repro", "score1"], repo)                    # gen2 still to run
    a, g1 = "models/best-effort/a", "models/best-effort/g1"
    assert _needed(repo) == {a: "ancestor", g1: "gen1"}      # the chain gen2 starts from
    assert push(repo) == 2                                   # a file in each of the two
    shutil.rmtree(repo / "models")                           # a new machine
    shutil.rmtree(repo / ".dvc" / "cache")
    assert missing_parents("gen2", repo) == ["ancestor", "gen1"]
    assert sorted(pull(repo)) == [a, g1]
    assert (repo / g1 / "w").read_text() == "a\n" and missing_parents("gen2", repo) == []
    run(["dvc", "repro", "gen2"], repo)
    assert _needed(repo) == {}                               # the lineage finished
    assert push(repo) == 0 and pull(repo) == []


def test_missing_parents_names_a_stage_that_does_not_exist(tmp_path):
    with pytest.raises(ValueError, match="'gen9' is in neither"):
        missing_parents("gen9", _toy(tmp_path))


def _forget_networks(repo) -> None:
    """A new machine: no best-effort network in the workspace nor in DVC's cache (the rest of
    the cache, the prepared data's say, stays: a stage whose output's cache is gone runs again)."""
    shutil.rmtree(repo / "models" / "best-effort")
    shutil.rmtree(repo / ".dvc" / "cache" / "runs", ignore_errors=True)     # DVC's run-cache
    objects = repo / ".dvc" / "cache" / "files" / "md5"
    for entry in yaml.safe_load((repo / "beyond" / "dvc.lock").read_text())["stages"].values():
        for out in entry.get("outs", []):
            if out["path"].startswith("models/best-effort/"):
                listing = objects / out["md5"][:2] / out["md5"][2:]
                files = [e["md5"] for e in json.loads(listing.read_text())] \
                    if listing.is_file() else []
                for md5 in [out["md5"], *files]:
                    (objects / md5[:2] / md5[2:]).unlink(missing_ok=True)


def _stored(repo, md5: str) -> bool:
    """Is the object ``md5`` (a folder's manifest: and each of its files) in parents/?"""
    objects = repo / REMOTE / "files" / "md5"
    path = objects / md5[:2] / md5[2:]
    if not path.is_file():
        return False
    return all((objects / e["md5"][:2] / e["md5"][2:]).is_file()
               for e in json.loads(path.read_text())) if md5.endswith(".dir") else True


@pytest.mark.slow
@pytest.mark.needs_raw_data
def test_parents_committed_on_one_machine_are_not_trained_again_on_the_next(smoke, tmp_path):
    work, _ = smoke
    repo = copy_smoke(work, tmp_path / "project")
    shutil.copytree(ROOT / "scripts", repo / "scripts")
    shutil.copy(ROOT / ".dvc" / "config", repo / ".dvc" / "config")   # the remote `parents`
    shutil.copytree(ROOT / REMOTE, repo / REMOTE)                     # its README alone
    (repo / REMOTE / "files").exists() and shutil.rmtree(repo / REMOTE / "files")
    repo = commit_smoke_copy(repo)
    git(repo, "config", "user.name", "evosynth tests")                 # campaign.sh commits
    git(repo, "config", "user.email", "tests@example.org")
    # FIRST, THEN and their scores never ran; their parents ran on a machine gone since
    lock_path = repo / "beyond" / "dvc.lock"
    lock = yaml.safe_load(lock_path.read_text())
    for name in (FIRST, THEN):
        for stage in (name, name.replace("best-effort-generation@", "best-effort-test-score@")):
            lock["stages"].pop(stage)
    lock_path.write_text(yaml.safe_dump(lock, sort_keys=False))
    _forget_networks(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "FIRST and THEN never ran")

    done = run(["bash", "scripts/campaign.sh", "--new", "--commit", "--carry", "--any-kind",
                B + FIRST], repo)
    for parent in PARENTS:          # trained again one at a time, same bits, records put back
        assert re.search(rf"== [\d:]+ {re.escape(B + parent)} \(a parent of {re.escape(B + FIRST)}",
                         done.stdout), done.stdout[-3000:]
        assert f"{B}{parent} ran again" in done.stdout
    lock = yaml.safe_load(lock_path.read_text())["stages"]
    for name in (*PARENTS, FIRST):  # each network another training starts from, committed
        (md5,) = [out["md5"] for out in lock[name]["outs"] if out["path"].startswith("models/")]
        assert _stored(repo, md5), name
    assert git(repo, "status", "--porcelain").stdout.strip() == ""
    assert git(repo, "ls-files", REMOTE + "/files").stdout.strip()

    _forget_networks(repo)           # the next machine
    done = run(["bash", "scripts/campaign.sh", "--new", "--any-kind", B + THEN], repo)
    assert "parents: 3 network(s) checked out" in done.stdout, done.stdout[-3000:]
    ran = re.findall(r"Running stage '([^']+)'", done.stdout)
    assert B + THEN in ran
    assert not {B + name for name in (*PARENTS, FIRST)} & set(ran), ran
    assert "ran again" not in done.stdout
