"""The DVC remote round trip, and the reproduction check after a rerun.

A publisher (the smoke run, committed to git by the ``smoke_git`` fixture) pushes its DVC
cache to a local directory remote; a fresh clone (the committed files only: no models/, no
data/prepared, no cache) pulls it, and then nothing is left to rerun, every network loads and
the book builds. In another clone, ``dvc repro --force`` reruns the default pipeline on this
machine and ``python -m evosynth verify`` finds every generation bit-identical to the committed
results; edited results make it fail.
"""

import json
import re

import pytest

from evosynth import load_checkpoint

from support import BIN, build_book, git, run

pytestmark = [pytest.mark.slow, pytest.mark.needs_raw_data]

GENERATIONS = [f"gen{k}" for k in range(5)]


def dvc(project, *args, check=True):
    return run([BIN / "dvc", *args], project, check=check)


def _stages_run(output: str) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", output))


@pytest.fixture(scope="module")
def remote(smoke_git, tmp_path_factory):
    """The publisher with a local directory remote (committed as the default remote in
    .dvc/config) to which it pushed everything: (publisher, remote folder)."""
    remote = tmp_path_factory.mktemp("dvc-remote") / "store"
    dvc(smoke_git, "remote", "add", "-d", "local", str(remote))
    git(smoke_git, "commit", "-q", "-m", "a local directory remote", ".dvc/config")
    dvc(smoke_git, "push")
    return smoke_git, remote


def pulled_clone(publisher, dest):
    """``git clone`` of the publisher (nothing DVC caches comes with it), then ``dvc pull``."""
    git(dest.parent, "clone", "-q", str(publisher), str(dest))
    for output in ("models", "data/prepared", "data/raw", ".dvc/cache",
                   "results/evaluate/examples.npz"):
        assert not (dest / output).exists(), f"{output} came with git clone"
    dvc(dest, "pull")
    return dest


@pytest.fixture(scope="module")
def clone(remote, tmp_path_factory):
    publisher, _ = remote
    return pulled_clone(publisher, tmp_path_factory.mktemp("pulled") / "clone")


def test_push_fills_the_remote(remote):
    _, store = remote
    assert store.is_dir() and any(path.is_file() for path in store.rglob("*"))


def test_pull_leaves_nothing_to_rerun(clone):
    status = dvc(clone, "status", "--json")
    assert json.loads(status.stdout or "{}") == {}, status.stdout
    for pipeline in ("dvc.yaml", "beyond/dvc.yaml"):
        repro = dvc(clone, "repro", pipeline)
        assert not _stages_run(repro.stdout), f"dvc repro {pipeline} ran stages:\n{repro.stdout}"


def test_pulled_networks_load(clone):
    parent = None
    for generation in GENERATIONS:
        state = load_checkpoint(clone / "models" / generation / "network.pt")
        masks = state["masks"]
        assert state["model"] and masks, f"{generation}: no weights or no masks"
        if parent is not None:
            assert masks.is_subset_of(parent) and masks.count() < parent.count(), generation
        parent = masks


def test_book_builds_in_the_pulled_clone(clone):
    build = build_book(clone)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-2000:]
    assert (clone / "_build" / "html" / "book" / "results.html").is_file()


def _verdicts(output: str) -> dict[str, str]:
    """``{"gen0": "bit-identical", ...}`` from the verdict lines of verify's text report."""
    return dict(re.findall(r"^(gen\d+): (bit-identical|within tolerance|not reproduced) \(",
                           output, re.M))


def test_verify_after_a_rerun_then_edited_results(remote, tmp_path):
    """A rerun of the default pipeline on this machine reproduces the committed results bit
    for bit (metrics and models/genK hashes); results edited afterwards are not reproduced."""
    publisher, _ = remote
    project = pulled_clone(publisher, tmp_path / "clone")
    rerun = dvc(project, "repro", "--force", "dvc.yaml")
    assert {"prepare", "ancestor", "evaluate"} <= _stages_run(rerun.stdout)

    check = run([BIN / "python", "-m", "evosynth", "verify"], project, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert _verdicts(check.stdout) == {g: "bit-identical" for g in GENERATIONS}, check.stdout
    assert "REPRODUCED: 5 bit-identical, 0 within tolerance, 0 not reproduced" in check.stdout

    metrics_file = project / "results" / "metrics.json"
    metrics = json.loads(metrics_file.read_text())
    metrics["gen2"]["f_beta_adaptive"] += 0.5
    metrics_file.write_text(json.dumps(metrics, indent=2))
    check = run([BIN / "python", "-m", "evosynth", "verify"], project, check=False)
    assert check.returncode == 1, check.stdout + check.stderr
    verdicts = _verdicts(check.stdout)
    assert verdicts.pop("gen2") == "not reproduced", check.stdout
    assert verdicts == {g: "bit-identical" for g in GENERATIONS if g != "gen2"}, check.stdout
    assert "NOT REPRODUCED" in check.stdout and "f_beta_adaptive off by" in check.stdout
