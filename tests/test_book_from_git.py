"""The book from a fresh clone: built from the committed outputs alone, and refused when the
beyond pipeline's results are stale.

What the Pages workflow (.github/workflows/book.yml) does on a clean checkout of main: set-up,
then ``jupyter-book build . -W --keep-going`` with no pipeline run (no models/, no
data/prepared, no DVC cache). The Results page must show the committed results/metrics.json;
a beyond/dvc.lock whose recorded inputs are not the committed outputs of the default pipeline
(dvc.lock) must fail the build with a message saying to rerun ``dvc repro beyond/dvc.yaml``
(book/_ext/evosynth_book.py, evosynth.artifact.check_consistency).

The first two tests run on a clone of this repository's HEAD (what CI checks out); the last one
runs the same checks on a git-committed copy of the smoke run (``smoke_git``), which is
consistent by construction, so the checks themselves are tested whatever state HEAD is in.
"""

import html
import json
import os
import re
from pathlib import Path

import pytest
import yaml

from support import ROOT, build_book, git

pytestmark = pytest.mark.slow

#: The generations of the Results page's table (book/results.md) beside the paper's values.
GENERATIONS = [f"gen{k}" for k in range(5)]


def fresh_clone(source: Path, dest: Path) -> Path:
    """``git clone source dest`` (the committed HEAD only); the set-up is the environment:
    ``.venv`` of ``source`` linked into the clone, as scripts/setup.sh would make it."""
    git(dest.parent, "clone", "-q", str(source), str(dest))
    if (source / ".venv").is_dir():
        os.symlink(source / ".venv", dest / ".venv")
    return dest


def _output(build) -> str:
    return build.stdout + build.stderr


def _table_rows(page: str) -> list[list[str]]:
    """The text of every cell of every HTML table row of ``page``."""
    rows = []
    for row in re.findall(r"<tr\b.*?</tr>", page, re.S):
        cells = re.findall(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", row, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
    return rows


def check_builds_from_git(project: Path) -> None:
    """In a fresh clone ``project``: no pipeline outputs there, the book builds with ``-W``,
    and the Results page's table shows results/metrics.json as book/results.md formats it
    (reduction ``:.1f`` then ×, both F-measures ``:.3f``) for every generation."""
    for output in ("models", "data/prepared", ".dvc/cache"):
        assert not (project / output).exists(), f"{output} in a fresh clone"
    build = build_book(project)
    assert build.returncode == 0, (f"jupyter-book build . -W failed in a fresh clone of "
                                   f"{project.name}:\n" + _output(build)[-6000:])
    metrics = json.loads((project / "results" / "metrics.json").read_text())
    assert set(GENERATIONS) <= set(metrics), f"results/metrics.json has {sorted(metrics)}"
    page = (project / "_build" / "html" / "book" / "results.html").read_text()
    rows = _table_rows(page)
    for generation in GENERATIONS:
        values = metrics[generation]
        expected = [f"{values['reduction']:.1f}×", f"{values['f_beta_adaptive']:.3f}",
                    f"{values['f_beta_max']:.3f}"]
        shown = [row for row in rows
                 if len(row) == 5 and row[0].split()[:1] == [generation]]
        assert shown, f"no row for {generation} in the Results page's table"
        assert shown[0][2:] == expected, (f"{generation}: the Results page shows {shown[0][2:]}"
                                          f", results/metrics.json holds {expected}")


def make_stale(project: Path) -> tuple[str, str]:
    """Change, in ``project``'s beyond/dvc.lock, the md5 that one stage recorded for a
    dependency that is an output of the default pipeline (dvc.lock); return (stage, path)."""
    outs = {str(out["path"]).rstrip("/")
            for stage in yaml.safe_load((project / "dvc.lock").read_text())["stages"].values()
            for out in stage.get("outs") or []}
    lock_file = project / "beyond" / "dvc.lock"
    lock = yaml.safe_load(lock_file.read_text())
    for name, stage in lock["stages"].items():
        for dep in stage.get("deps") or []:
            path = str(dep["path"]).rstrip("/")
            if path in outs and dep.get("md5"):
                md5 = dep["md5"]
                dep["md5"] = ("0" if md5[0] != "0" else "1") + md5[1:]
                lock_file.write_text(yaml.safe_dump(lock, sort_keys=False))
                return name, path
    raise AssertionError("no stage of beyond/dvc.lock records a dependency that is an output "
                         "of the default pipeline (dvc.lock)")


def check_stale_fails(project: Path) -> None:
    """A beyond/dvc.lock made stale by :func:`make_stale` fails the build, naming the stage
    and what to rerun."""
    stage, path = make_stale(project)
    build = build_book(project)
    output = _output(build)
    assert build.returncode != 0, (f"the book built although beyond/dvc.lock's {stage} read "
                                   f"another {path}:\n" + output[-3000:])
    assert "dvc repro beyond/dvc.yaml" in output, output[-3000:]
    assert stage in output and path in output, output[-3000:]


needs_git_checkout = pytest.mark.skipif(not (ROOT / ".git").exists(),
                                        reason=f"{ROOT} is not a git checkout")


@needs_git_checkout
def test_book_builds_from_a_fresh_clone(tmp_path):
    """A clone of HEAD, set up, no pipeline run: the book builds with -W and shows the
    committed results/metrics.json."""
    check_builds_from_git(fresh_clone(ROOT, tmp_path / "clone"))


@needs_git_checkout
def test_stale_beyond_pipeline_fails_the_build(tmp_path):
    """A clone of HEAD whose beyond/dvc.lock read another output of the default pipeline than
    dvc.lock's: the build fails and says to rerun `dvc repro beyond/dvc.yaml`."""
    check_stale_fails(fresh_clone(ROOT, tmp_path / "clone"))


@pytest.mark.needs_raw_data
def test_book_from_git_on_the_smoke_run(smoke_git, tmp_path):
    """The same checks on a fresh clone of the committed smoke run (consistent by
    construction): it builds and shows its metrics; made stale, it fails."""
    clone = fresh_clone(smoke_git, tmp_path / "clone")
    check_builds_from_git(clone)
    check_stale_fails(clone)
