"""A release names one committed run: CITATION.cff's version and commit (evosynth.publish.release), on
the real repository and on hand-made histories, one per problem it must find."""

import datetime as dt
import subprocess

import pytest
import yaml

from evosynth.publish.release import release_problems

from support import ROOT, git

CFF = {"cff-version": "1.2.0", "message": "cite it", "title": "t", "type": "software",
       "authors": [{"name": "someone"}], "url": "https://example.org/book/"}


def _shallow(root) -> bool:
    done = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=root,
                          capture_output=True, text=True)
    return done.stdout.strip() == "true"


def test_the_repository_is_the_release_its_citation_names():
    """HEAD's records are the cited run's (the cited commit is needed, unless the clone is
    shallow: then version, url and the form of the commit are still checked)."""
    assert release_problems(ROOT, history=not _shallow(ROOT)) == []


@pytest.fixture
def released(tmp_path):
    """A repository whose run (results/, dvc.lock) is commit A and whose CITATION.cff (commit
    B) names A: (root, A)."""
    root = tmp_path / "repo"
    (root / "results").mkdir(parents=True)
    git(root.parent, "init", "-q", str(root))
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.2.0"\n')
    (root / "results" / "metrics.json").write_text('{"gen4": 0.7}\n')
    (root / "dvc.lock").write_text("stages: {ancestor: {outs: [{path: models/gen0, md5: a.dir}]}}\n")
    (root / "beyond").mkdir()
    (root / "beyond" / "dvc.lock").write_text(
        "stages: {small: {deps: [{path: models/gen0, md5: a.dir}]}}\n")
    (root / "CITATION.cff").write_text(yaml.safe_dump(CFF))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the run")
    run = git(root, "rev-parse", "HEAD").stdout.strip()
    write_cff(root, commit=run)
    git(root, "commit", "-q", "-am", "cite the run")
    return root, run


def write_cff(root, **fields):
    cff = yaml.safe_load((root / "CITATION.cff").read_text())
    cff.setdefault("version", "1.2.0")
    cff.setdefault("date-released", dt.date.today())
    cff.update(fields)
    (root / "CITATION.cff").write_text(yaml.safe_dump(cff))


def test_a_release_has_no_problems(released):
    root, _ = released
    assert release_problems(root) == []


def test_changed_results_are_not_the_cited_run(released):
    root, run = released
    (root / "results" / "metrics.json").write_text('{"gen4": 0.8}\n')
    git(root, "commit", "-q", "-am", "a new run")
    [problem] = release_problems(root)
    assert f"records changed since CITATION.cff commit {run[:12]} (results/metrics.json)" in problem
    assert release_problems(root, history=False) == []   # a shallow clone cannot tell


def test_a_release_refuses_a_book_of_two_runs(released):
    """A rerun of the default pipeline (another hash of models/gen0 in dvc.lock) that the
    campaign (beyond/dvc.lock) did not read: the book would mix runs, so it is no release."""
    root, _ = released
    lock = root / "dvc.lock"
    lock.write_text(lock.read_text().replace("a.dir", "b.dir"))
    problems = release_problems(root, history=False)
    assert problems == ["the book would mix two runs: small read models/gen0 (md5 a.dir), the "
                        "default run's is b.dir"]


@pytest.mark.parametrize("fields, expected", [
    ({"version": "1.1.0"}, "CITATION.cff version '1.1.0' is not pyproject.toml's '1.2.0'"),
    ({"url": ""}, "CITATION.cff has no 'url'"),
    ({"commit": "HEAD"}, "CITATION.cff 'commit' is 'HEAD': expected the 40-hex commit"),
    ({"commit": "0" * 40}, "is not in this repository's history"),
    ({"date-released": dt.date(2000, 1, 1)}, "date-released 2000-01-01 is older than its run"),
])
def test_each_problem_is_named(released, fields, expected):
    root, _ = released
    write_cff(root, **fields)
    problems = release_problems(root)
    assert len(problems) == 1 and expected in problems[0], problems
