"""Shared fixtures and hooks: small known networks, the smoke run of the pipeline with its
book, and the ``needs_raw_data`` marker. Plain helpers are in tests/support.py.

The smoke run (profiles/smoke.yaml through DVC and papermill in a scratch copy of the project:
the default pipeline, then the study pipeline) and the book built from it are session-scoped:
tests/pipeline/test_pipeline.py, tests/pipeline/test_study_pipeline.py and tests/book/test_book_render.py share one
run (about three minutes on 2 CPU cores) and one build. Every test that uses them is marked
``slow`` and ``needs_raw_data`` (checked at collection).
"""

import json
import shutil

import pytest
import torch

from evosynth import make_shapes

from support import (BIN, BOOK, PIPELINE, RAW_DATA_MISSING, RAW_FASHION, RESEEDED, ROOT,
                     SMOKE_TESTED, SmallNet, commit_smoke_copy, copy_project, copy_smoke, run,
                     write_params, write_tables)

#: The session fixtures that run the smoke pipeline (DVC, papermill, jupyter-book).
SMOKE_FIXTURES = {"smoke", "smoke_book", "smoke_git", "reseeded"}


def _skip_without_raw_data() -> None:
    if not RAW_FASHION.is_dir():
        pytest.skip(RAW_DATA_MISSING)


def pytest_runtest_setup(item):
    """Skip a test marked ``needs_raw_data`` when data/raw/fashion-mnist is missing."""
    if item.get_closest_marker("needs_raw_data") is not None:
        _skip_without_raw_data()


def pytest_collection_modifyitems(config, items):
    """A test that uses the smoke run must say so: ``slow`` and ``needs_raw_data``."""
    unmarked = [item.nodeid for item in items if SMOKE_FIXTURES & set(item.fixturenames)
                and not (item.get_closest_marker("slow")
                         and item.get_closest_marker("needs_raw_data"))]
    if unmarked:
        raise pytest.UsageError("tests using the smoke run must be marked slow and "
                                "needs_raw_data:\n  " + "\n  ".join(unmarked))


@pytest.fixture
def generator() -> torch.Generator:
    return torch.Generator().manual_seed(1234)


@pytest.fixture
def small_net() -> SmallNet:
    torch.manual_seed(0)
    return SmallNet()


@pytest.fixture(scope="module")
def shapes():
    """24 seeded 16x16 ``shapes`` images and masks, as tensors."""
    return make_shapes(24, size=16, seed=0).tensors()


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    """A scratch copy of the project with the smoke profile (its campaign reduced:
    :func:`support.reduced_campaign`) as params.yaml, reproduced."""
    _skip_without_raw_data()
    work = copy_project(tmp_path_factory.mktemp("smoke"), PIPELINE + BOOK)
    write_params(work / "params.yaml", SMOKE_TESTED)     # the smoke profile, reduced campaign
    write_tables(work / "beyond" / "dvc.yaml", SMOKE_TESTED)
    # the smoke campaign scores every network of its best-effort recipe itself: no archived
    # scores (results/best-effort/archived_scores.json holds the committed campaign's)
    archive = work / "results" / "best-effort" / "archived_scores.json"
    archive.parent.mkdir(parents=True)
    archive.write_text(json.dumps({"scores": {}}))
    # the committed F(E) sweep (dvc experiments, not a stage) that the book's chapter shows
    shutil.copytree(ROOT / "results" / "sweep", work / "results" / "sweep")
    # the committed run's reproduction check, metrics diff and verdict (made by hand after a
    # run: python -m evosynth verify / dvc metrics diff / python -m evosynth verdict), which
    # the Reproducibility page and the Overview include
    for name in ("reproduction.md", "reproduction_metrics_diff.md", "verdict.md",
                 "verdict_summary.md"):
        shutil.copy(ROOT / "results" / name, work / "results" / name)
    run([BIN / "dvc", "init", "--no-scm", "-q"], work)
    run([BIN / "dvc", "commit", "--force", "-q", "data.dvc"], work)
    first = run([BIN / "dvc", "repro"], work)
    # The study pipeline (not part of the default `dvc repro`), on the smoke profile's tasks;
    # its output is kept for tests/pipeline/test_study_pipeline.py.
    study = run([BIN / "dvc", "repro", "beyond/dvc.yaml"], work)
    (work / "study-repro.log").write_text(study.stdout)
    return work, first.stdout


@pytest.fixture(scope="session")
def smoke_book(smoke):
    """The book built from the smoke run with ``-W`` (no warnings allowed): its HTML folder."""
    work, _ = smoke
    build = run([BIN / "jupyter-book", "build", str(work), "-W", "--keep-going"], work,
                check=False)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-2000:]
    return work / "_build" / "html"


@pytest.fixture(scope="session")
def smoke_git(smoke, tmp_path_factory):
    """A copy of the smoke run (with its DVC cache) made a git repository by
    :func:`support.commit_smoke_copy`: the publisher of tests/pipeline/test_remote.py, the committed
    project of tests/book/test_book_from_git.py. The ``smoke`` folder itself is left as it is."""
    work, _ = smoke
    return commit_smoke_copy(copy_smoke(work, tmp_path_factory.mktemp("smoke-git") / "project"))


@pytest.fixture(scope="session")
def reseeded(smoke, tmp_path_factory):
    """A git copy of the smoke run after ``dvc exp run -n gen3-seed33 -S
    generation.lineage.gen3.seed=33`` (the workspace holds the experiment): one rerun shared by
    tests/pipeline/test_pipeline.py (which stages a new seed reruns) and tests/pipeline/test_plots.py (``dvc plots
    diff`` of HEAD against the experiment). Returns (folder, the experiment's output)."""
    work, _ = smoke
    repo = copy_smoke(work, tmp_path_factory.mktemp("reseeded") / "project")
    # the repository's offline plots template, as the real .dvc/config says
    shutil.copy(ROOT / ".dvc" / "plots.html", repo / ".dvc" / "plots.html")
    run([BIN / "dvc", "config", "plots.html_template", "plots.html"], repo)
    commit_smoke_copy(repo, "the smoke run")
    experiment = run([BIN / "dvc", "exp", "run", "-n", RESEEDED,
                      "-S", "generation.lineage.gen3.seed=33"], repo)
    return repo, experiment.stdout
