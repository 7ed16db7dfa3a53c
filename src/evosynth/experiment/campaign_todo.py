"""Command ``campaign-todo``: which campaign stages never ran, and put back what a rerun rewrote.

The campaign spans machines and sessions, and a network lives in the DVC cache of the machine
that trained it (a parent, one that others start from, also in ``parents/``:
:mod:`evosynth.experiment.parents`). A stage whose parent is in neither place can still run:
``dvc repro STAGE`` (not ``--single-item``) first trains the parent again. What a session on a
rare machine kind should run is therefore the stages that never ran (no lock entry), each with
whatever parents it needs, and nothing else: not a lineage committed long ago merely because
its networks are not here. ``scripts/campaign.sh --new`` asks this command for those stages.

A parent trained again on its seed's kind gives the committed network bit for bit, but its
records (``results/...``: wall-clock times, the commit) are new. After each stage,
``campaign-todo --restore HEAD`` checks every lock entry committed at ``HEAD``: a network (an
output in DVC's cache) that differs stops the campaign (another machine kind); records that
differ are put back as committed (``git checkout``) and the entry written again by DVC
(``dvc commit``), so that the committed run stays the one on record and only the new stages
come out new.

A scoring stage (``best-effort-test-score@<network>``) has also run when its network's scores
are archived (``results/best-effort/archived_scores.json``: scored before those stages
existed).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

import yaml

from .cli import Command, arg, main
from .paths import Paths
from .stages.test_score import archived_scores

__all__ = ["LOCKS", "changed_entries", "committed_entries", "never_run", "restore_records"]

#: Each pipeline file and its lock file (a stage of ``beyond/dvc.yaml`` is named with that
#: prefix, one of ``dvc.yaml`` without one).
LOCKS = {"dvc.yaml": "dvc.lock", "beyond/dvc.yaml": "beyond/dvc.lock"}
#: The scoring stages of the best-effort recipe, one per network (its key after the ``@``).
SCORE_STAGE = "best-effort-test-score@"


def _split(stage: str) -> tuple[str, str]:
    """``(pipeline file, stage name)`` of ``beyond/dvc.yaml:NAME`` or ``NAME``."""
    pipeline, _, name = stage.rpartition(":")
    pipeline = pipeline or "dvc.yaml"
    if pipeline not in LOCKS:
        raise ValueError(f"stage {stage!r}: its pipeline must be one of {sorted(LOCKS)}")
    return pipeline, name


def _entries(text: str | None) -> dict[str, dict]:
    """The stage entries of a lock file's text (none for a missing file)."""
    return (yaml.safe_load(text) or {}).get("stages", {}) if text else {}


def committed_entries(root: str | Path = ".", rev: str | None = None) -> dict[str, dict]:
    """Every stage's lock entry, named as ``campaign.sh`` names stages, in the working tree of
    ``root`` or (``rev``) at that git revision."""
    root, entries = Path(root), {}
    for pipeline, lock in LOCKS.items():
        if rev is None:
            path = root / lock
            text = path.read_text() if path.is_file() else None
        else:
            shown = subprocess.run(["git", "show", f"{rev}:{lock}"], cwd=root,
                                   capture_output=True, text=True)
            text = shown.stdout if shown.returncode == 0 else None
        prefix = "" if pipeline == "dvc.yaml" else f"{pipeline}:"
        entries.update({prefix + name: entry for name, entry in _entries(text).items()})
    return entries


def never_run(stages: Iterable[str], root: str | Path = ".") -> list[str]:
    """The stages of ``stages`` (in their order) that never ran: no lock entry and, for a
    scoring stage, no archived scores of its network. A whole pipeline (``dvc.yaml``) is kept:
    ``dvc repro`` of it runs only what it lacks."""
    root = Path(root)
    entries = committed_entries(root)
    archived = {network.key
                for network in archived_scores(Paths(root).for_recipe("best-effort"))}
    todo = []
    for stage in stages:
        if stage in LOCKS:
            todo.append(stage)
            continue
        pipeline, name = _split(stage)
        key = stage if pipeline != "dvc.yaml" else name
        if key in entries:
            continue
        if name.startswith(SCORE_STAGE) and name.removeprefix(SCORE_STAGE) in archived:
            continue
        todo.append(stage)
    return todo


def changed_entries(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """The stages whose lock entry in ``before`` is gone or different in ``after`` (new
    entries are not changes)."""
    return [name for name, entry in before.items() if after.get(name) != entry]


def _tracked(root: Path, rev: str, path: str) -> bool:
    """Is ``path`` (a file or folder) in git at ``rev``?"""
    listed = subprocess.run(["git", "ls-tree", "-r", "--name-only", rev, "--", path], cwd=root,
                            capture_output=True, text=True, check=True)
    return bool(listed.stdout.strip())


def restore_records(root: str | Path = ".", rev: str = "HEAD") -> list[str]:
    """Put back the committed run where a stage ran again: for every lock entry committed at
    ``rev`` that the working tree's lock changed, its outputs in git (records) are checked out
    from ``rev`` and DVC writes its entry again (``dvc commit``). The stages restored, in lock
    order. Raises ``ValueError`` (nothing restored) where an entry's dependencies or an
    output outside git (a network, in DVC's cache) changed: not the same bits."""
    root = Path(root)
    before, after = committed_entries(root, rev), committed_entries(root)
    changed = changed_entries(before, after)
    records: dict[str, list[str]] = {}
    for stage in changed:
        old, new = before[stage], after.get(stage)
        if new is None:
            raise ValueError(f"{stage}: its lock entry of {rev} is gone")
        if old.get("deps") != new.get("deps") or old.get("params") != new.get("params"):
            raise ValueError(f"{stage}: its dependencies differ from {rev}'s lock entry: run "
                             "with other code, data or parameters")
        outs = {out["path"]: out for out in new.get("outs", [])}
        records[stage] = []
        for out in old.get("outs", []):
            if outs.get(out["path"]) == out:
                continue
            if not _tracked(root, rev, out["path"]):
                raise ValueError(
                    f"{stage}: {out['path']} differs from {rev}'s lock entry ({out.get('md5')} "
                    f"there, {outs.get(out['path'], {}).get('md5')} here): trained again, it "
                    "did not give the committed bits (another machine kind?)")
            records[stage].append(out["path"])
    for stage, paths in records.items():
        if paths:
            subprocess.run(["git", "checkout", rev, "--", *paths], cwd=root, check=True)
        subprocess.run(["dvc", "commit", "--force", "--quiet", stage], cwd=root, check=True)
    still = changed_entries(before, committed_entries(root))
    if still:
        raise ValueError(f"lock entries still unlike {rev}'s after restoring: {still}")
    return changed


# -- the command line: `python -m evosynth campaign-todo`, or this module as a program --

def _command(params, args):
    if args.restore is not None:
        for stage in restore_records(args.root, args.restore):
            print(f"campaign-todo: {stage} ran again: its networks are {args.restore}'s bit for "
                  f"bit; its records put back as {args.restore} has them")
        return 0
    for stage in never_run(args.stages, args.root):
        print(stage)
    return 0


COMMAND = Command(
    "campaign-todo", "which campaign stages never ran; put back the records a rerun rewrote",
    "Print the STAGEs (in their order) that never ran: no dvc.lock entry and, for a "
    "best-effort scoring stage, no archived scores of its network. With --restore REV "
    "instead: every lock entry committed at git revision REV that the working tree changed "
    "(a parent trained again) must keep its networks bit for bit (else error, status 2); its "
    "records (wall-clock times) are checked out from REV and the entry written again.",
    _command,
    (arg("stages", nargs="*", metavar="STAGE",
         help="stage names (beyond/dvc.yaml:NAME for the beyond pipeline), e.g. from "
              "`bash scripts/campaign.sh --list best3`"),
     arg("--restore", metavar="REV", help="check and restore the lock entries of REV instead"),
     arg("--root", default=".", help="repository root (default: %(default)s)")),
    params=False, group=2, order=5,
    epilog="scripts/campaign.sh --new runs only the stages never run (each with `dvc repro`, "
           "which trains again the parents this machine's cache lacks) and runs --restore HEAD "
           "after each")


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
