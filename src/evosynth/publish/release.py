"""A release is a results set: the version names one committed run of both pipelines.

``CITATION.cff`` carries the version (equal to ``pyproject.toml``'s), the ``commit`` that
completed the run (its last results commit) and a ``date-released`` no older than that commit.
:func:`release_problems` checks that the working tree's records (both lock files, ``params.yaml``
and ``results/``) are exactly those of that commit, so that a tag of HEAD, the archive of
:mod:`evosynth.publish.archive` and the citation all name the same run. The release workflow
(``.github/workflows/release.yml``) runs ``python -m evosynth release-check`` before it tags.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import subprocess
import tomllib
from pathlib import Path

from .citation import load_citation
from ..experiment.cli import Command, arg, main

__all__ = ["RECORDS", "release_problems", "run_version"]

#: What a run is: the files whose content at HEAD must equal their content at the cited commit.
RECORDS = ("dvc.lock", "beyond/dvc.lock", "params.yaml", "results")


def run_version(root: str | os.PathLike[str] = ".") -> str:
    """The version of ``pyproject.toml`` (the one source of the version)."""
    path = Path(root) / "pyproject.toml"
    return str(tomllib.loads(path.read_text(encoding="utf-8"))["project"]["version"])


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)


def release_problems(root: str | os.PathLike[str] = ".", history: bool = True) -> list[str]:
    """What keeps the repository at ``root`` from being the release its ``CITATION.cff`` names
    (empty: none). ``history=False`` skips the checks that need the cited commit in git (a
    shallow clone has only HEAD)."""
    from .runs import mixed_runs
    root = Path(root)
    cff = load_citation(root / "CITATION.cff")
    problems = [f"the book would mix two runs: {p}" for p in mixed_runs(root)]
    version = run_version(root)
    if str(cff.get("version")) != version:
        problems.append(f"CITATION.cff version {cff.get('version')!r} is not pyproject.toml's "
                        f"{version!r}")
    if not str(cff.get("url", "")).startswith("https://"):
        problems.append("CITATION.cff has no 'url' (the book's address, https://...)")
    commit = str(cff.get("commit", ""))
    if not re.fullmatch(r"[0-9a-f]{40}", commit):
        problems.append(f"CITATION.cff 'commit' is {commit!r}: expected the 40-hex commit that "
                        "completed the run")
        return problems
    if not history:
        return problems
    if _git(root, "cat-file", "-e", f"{commit}^{{commit}}").returncode:
        return problems + [f"CITATION.cff commit {commit} is not in this repository's history"]
    if _git(root, "merge-base", "--is-ancestor", commit, "HEAD").returncode:
        problems.append(f"CITATION.cff commit {commit} is not an ancestor of HEAD")
    changed = _git(root, "diff", "--name-only", commit, "--", *RECORDS).stdout.split()
    if changed:
        shown = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8
                                          else "")
        problems.append(f"the records changed since CITATION.cff commit {commit[:12]} ({shown}): "
                        "set 'commit' to the commit that completed the run, and bump the version")
    stamp = _git(root, "show", "-s", "--format=%cI", commit).stdout.strip()
    released = cff.get("date-released")
    if stamp and isinstance(released, _dt.date):
        made = _dt.datetime.fromisoformat(stamp).astimezone(_dt.timezone.utc).date()
        if released < made:
            problems.append(f"CITATION.cff date-released {released} is older than its run "
                            f"(commit {commit[:12]} of {made})")
    elif not isinstance(released, _dt.date):
        problems.append(f"CITATION.cff date-released {released!r} is not a date (YYYY-MM-DD)")
    return problems


# -- the command line: `python -m evosynth release-check`, or this module run as a program --

def _command(params, args):
    problems = release_problems(args.root, history=not args.no_history)
    for problem in problems:
        print(f"release-check: {problem}")
    if problems:
        return 1
    print(f"release-check: version {run_version(args.root)} names the committed run")
    return 0


COMMAND = Command(
    "release-check", "check that CITATION.cff's version and commit name the committed run",
    "Release check: CITATION.cff's version equals pyproject.toml's, it has the book's url, its "
    "commit is an ancestor of HEAD whose records (dvc.lock, beyond/dvc.lock, params.yaml, "
    "results/) equal the working tree's, and its date-released is no older than that commit. "
    "Exit status: 0 a release, 1 not (each problem printed).", _command,
    (arg("--root", default=".", help="repository root (default: %(default)s)"),
     arg("--no-history", action="store_true", help="skip the checks that need the cited "
         "commit (a shallow clone)")),
    params=False, group=2, order=7,
    epilog="run by .github/workflows/release.yml before it tags v<version>")


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
