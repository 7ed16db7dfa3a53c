"""The book from a fresh clone: built from the committed outputs alone; after a rerun of the
default pipeline whose outputs differ, built with every page saying which run it shows; and
refused, for a release, when it mixes runs.

What the Pages workflow (.github/workflows/book.yml) does on a clean checkout of main: set-up,
then ``jupyter-book build . -W --keep-going`` with no pipeline run (no models/, no
data/prepared, no DVC cache). The Results page must show the committed results/metrics.json.
After ``bash scripts/main.sh`` on another machine kind, the default pipeline's outputs are not
those the campaign read (beyond/dvc.lock against dvc.lock): the book builds with ``-W``, the
default pipeline's pages name the rerun, the campaign's the committed run; with
``EVOSYNTH_ONE_RUN=1`` (the release workflow) the build fails with a message saying to rerun
``dvc repro beyond/dvc.yaml`` (book/_ext/evosynth_book.py, evosynth.publish.runs.mixed_runs).

The first two tests run on a clone of this repository's HEAD (what CI checks out); the last one
runs the cheap checks on a git-committed copy of the smoke run (``smoke_git``), which is
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


def simulate_rerun(project: Path) -> str:
    """What ``bash scripts/main.sh`` leaves on a machine of another kind: the default
    pipeline's outputs with other hashes (dvc.lock) and its training records naming that
    machine (results/genK/summary.json: a CPU without bf16, in fp32). Returns the CPU's name."""
    cpu = "AMD EPYC 7551P (a simulated rerun)"
    lock_file = project / "dvc.lock"
    lock = yaml.safe_load(lock_file.read_text())
    for stage in lock["stages"].values():
        for out in stage.get("outs") or []:
            if str(out["path"]).startswith("models/") and out.get("md5"):
                out["md5"] = ("0" if out["md5"][0] != "0" else "1") + out["md5"][1:]
    lock_file.write_text(yaml.safe_dump(lock, sort_keys=False))
    for summary in (project / "results").glob("gen*/summary.json"):
        record = json.loads(summary.read_text())
        record["machine"].update(cpu=cpu, cpu_bf16="none", finished="2026-12-06T10:00:00Z")
        record["precision"] = "fp32"
        summary.write_text(json.dumps(record))
    return cpu


def _text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


def check_a_rerun_builds_naming_it(project: Path) -> None:
    """After :func:`simulate_rerun`, the book builds with ``-W``: the default pipeline's pages
    say they show the rerun (its machine, bf16 kind and precision), the campaign's that they
    show the committed run, the pages with both say which numbers come from which; with
    ``EVOSYNTH_ONE_RUN=1`` the build fails, naming what to rerun."""
    cpu = simulate_rerun(project)
    build = build_book(project)
    assert build.returncode == 0, "a rerun's book did not build:\n" + _output(build)[-6000:]
    html_dir = project / "_build" / "html" / "book"
    rerun = f"this checkout's rerun of the default pipeline (finished 2026-12-06T10:00:00Z on " \
            f"{cpu}, bf16 kind none, in fp32"
    ancestor = _text(html_dir / "experiment" / "ancestor.html")
    assert f"This page shows {rerun}" in ancestor, ancestor[:3000]
    assert "This page shows the committed campaign" in _text(html_dir / "beyond.html")
    for page in ("index", "results", "discussion"):
        text = _text(html_dir / f"{page}.html")
        assert "This page shows two runs" in text and rerun in text, page
    for page in ("glossary", "own_model"):     # no results: nothing to say
        assert "This page shows" not in _text(html_dir / f"{page}.html"), page
    strict = build_book(project, env={"EVOSYNTH_ONE_RUN": "1"})
    output = _output(strict)
    assert strict.returncode != 0, "a release built a book of two runs:\n" + output[-3000:]
    assert "dvc repro beyond/dvc.yaml" in output and "models/gen0" in output, output[-3000:]


def check_stale_fails_a_release(project: Path) -> None:
    """A beyond/dvc.lock made stale by :func:`make_stale` fails a release's build
    (``EVOSYNTH_ONE_RUN=1``), naming the stage and what to rerun."""
    stage, path = make_stale(project)
    build = build_book(project, env={"EVOSYNTH_ONE_RUN": "1"})
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
def test_a_rerun_on_another_machine_ends_in_a_book_that_says_which_run_each_page_shows(
        tmp_path):
    """A clone of HEAD after a simulated rerun of the default pipeline whose hashes differ:
    the book builds with -W and names the rerun on its pages; a release's build refuses it."""
    check_a_rerun_builds_naming_it(fresh_clone(ROOT, tmp_path / "clone"))


@pytest.mark.needs_raw_data
def test_book_from_git_on_the_smoke_run(smoke_git, tmp_path):
    """The same checks on a fresh clone of the committed smoke run (consistent by
    construction): it builds and shows its metrics; made stale, a release's build fails."""
    clone = fresh_clone(smoke_git, tmp_path / "clone")
    check_builds_from_git(clone)
    check_stale_fails_a_release(clone)
