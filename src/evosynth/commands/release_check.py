"""``python -m evosynth release-check``: does CITATION.cff name the run the tree holds?"""

from ..cli import Command, arg


def _run(params, args):
    from ..publish.release import release_problems, run_version
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
    "Exit status: 0 a release, 1 not (each problem printed).", _run,
    (arg("--root", default=".", help="repository root (default: %(default)s)"),
     arg("--no-history", action="store_true", help="skip the checks that need the cited "
         "commit (a shallow clone)")),
    params=False, group=2, order=7,
    epilog="run by .github/workflows/release.yml before it tags v<version>")
