"""Shared fixtures: small known networks, and the smoke run of the pipeline with its book.

The smoke run (profiles/smoke.yaml through DVC and papermill in a scratch copy of the project:
the default pipeline, then the study pipeline) and the book built from it are session-scoped:
tests/test_pipeline.py, tests/test_study_pipeline.py and tests/test_book_render.py share one
run (about three minutes on 2 CPU cores) and one build.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture
def generator() -> torch.Generator:
    return torch.Generator().manual_seed(1234)


class SmallNet(nn.Module):
    """A known network: conv 3->4 (3x3), conv-transpose 4->2 (2x2), linear 8->5."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.norm = nn.BatchNorm2d(4)
        self.up = nn.ConvTranspose2d(4, 2, 2)
        self.fc = nn.Linear(8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.up(torch.relu(self.norm(self.conv(x))))
        return self.fc(x.mean(dim=(2, 3)).repeat(1, 4))


@pytest.fixture
def small_net() -> SmallNet:
    torch.manual_seed(0)
    return SmallNet()



def _run(args, cwd, check=True):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if check and done.returncode:
        raise AssertionError(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return done


PIPELINE = ("dvc.yaml", "data.dvc", "notebooks", "src", "requirements.lock")
BOOK = ("_config.yml", "_toc.yml", "book", "beyond", "benchmarks", "CITATION.cff")


def copy_project(work: Path, names=PIPELINE) -> Path:
    """Copy what the default pipeline needs (``names``, then ``data/raw``) into ``work``,
    without build outputs and the executed notebooks."""
    for name in names:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns(
                "experiment", "_build", "__pycache__", "*.egg-info"))
        else:
            shutil.copy(source, work / name)
    shutil.copytree(ROOT / "data" / "raw", work / "data" / "raw")
    return work


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    """A scratch copy of the project with the smoke profile as params.yaml, reproduced."""
    if not (ROOT / "data" / "raw" / "fashion-mnist").is_dir():
        pytest.skip("raw data not fetched (bash scripts/setup.sh)")
    work = copy_project(tmp_path_factory.mktemp("smoke"), PIPELINE + BOOK)
    shutil.copy(ROOT / "profiles" / "smoke.yaml", work / "params.yaml")
    # the committed F(E) sweep (dvc experiments, not a stage) that the book's chapter shows
    shutil.copytree(ROOT / "results" / "sweep", work / "results" / "sweep")
    # the committed run's reproduction check and metrics diff (made by hand after a run,
    # python -m evosynth verify / dvc metrics diff), which the Reproducibility page includes
    for name in ("reproduction.md", "reproduction_metrics_diff.md"):
        shutil.copy(ROOT / "results" / name, work / "results" / name)
    _run([BIN / "dvc", "init", "--no-scm", "-q"], work)
    _run([BIN / "dvc", "commit", "--force", "-q", "data.dvc"], work)
    first = _run([BIN / "dvc", "repro"], work)
    # The study pipeline (not part of the default `dvc repro`), on the smoke profile's tasks;
    # its output is kept for tests/test_study_pipeline.py.
    study = _run([BIN / "dvc", "repro", "beyond/dvc.yaml"], work)
    (work / "study-repro.log").write_text(study.stdout)
    return work, first.stdout


@pytest.fixture(scope="session")
def smoke_book(smoke):
    """The book built from the smoke run with ``-W`` (no warnings allowed): its HTML folder."""
    work, _ = smoke
    build = _run([BIN / "jupyter-book", "build", str(work), "-W", "--keep-going"], work,
                 check=False)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-2000:]
    return work / "_build" / "html"


# --- Git-committed copies of a project: tests/test_remote.py, tests/test_book_from_git.py ---

GIT = ["git", "-c", "user.name=evosynth tests", "-c", "user.email=tests@example.org",
       "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]


def git(repo, *args, check=True):
    """``git ARGS`` in ``repo`` with a test identity (no global git config needed)."""
    return _run([*GIT, *args], repo, check=check)


def commit_project(work: Path, message: str = "a run of the pipeline") -> Path:
    """Make the project folder ``work`` (a ``dvc init --no-scm`` copy) a git repository laid
    out like the real one: DVC uses git, and everything is committed except what the
    repository's ignore files leave to DVC's cache (data/raw, data/prepared, models/,
    results/evaluate/examples.npz, .dvc/cache and .dvc/tmp) and the book's _build."""
    for name in (".gitignore", ".dvc/.gitignore", "results/.gitignore"):
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, work / name)
    config = work / ".dvc" / "config"
    config.write_text("".join(line for line in config.read_text().splitlines(keepends=True)
                              if "no_scm" not in line))
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", message)
    return work


def build_book(project: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """``jupyter-book build . -W --keep-going`` in ``project``; the finished process (stdout
    and stderr as text), whatever its exit status."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([BIN / "jupyter-book", "build", ".", "-W", "--keep-going"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def smoke_git(smoke, tmp_path_factory):
    """A copy of the smoke run (with its DVC cache) made a git repository by
    :func:`commit_project`: the publisher of tests/test_remote.py, the committed project of
    tests/test_book_from_git.py. The ``smoke`` folder itself is left as it is."""
    work, _ = smoke

    def skip(folder, names):
        folder = Path(folder)
        if folder == work:
            return {"_build", "study-repro.log"} & set(names)
        if folder == work / ".dvc":
            return {"tmp"} & set(names)
        return set()

    repo = tmp_path_factory.mktemp("smoke-git") / "project"
    shutil.copytree(work, repo, symlinks=True, ignore=skip)
    # committed in the real repository, read by the pipeline (requirements.lock) or the book
    # (CITATION.cff); copied here when the smoke fixture did not
    for name in ("requirements.lock", "CITATION.cff"):
        if not (repo / name).exists():
            shutil.copy(ROOT / name, repo / name)
    return commit_project(repo)
