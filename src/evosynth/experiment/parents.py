"""Command ``parents``: the best-effort networks that trainings still to run start from, in git.

A network lives in the DVC cache of the machine that trained it, and a session's machine can be
new: its cache empty. A lineage longer than one session (on a CPU without native bf16: an
ancestor of two hours, then four generations of as long) would then never finish, each session
training the same parents again. So every best-effort network (an output under
``models/best-effort/``) that a training not yet run starts from, directly or through its
parents (a seed's ancestor, a lineage's generations so far: ``dvc repro`` wants the whole
chain), can go into ``parents/``, a DVC remote inside the repository (``.dvc/config``: remote
``parents``), committed with its stage by ``scripts/campaign.sh --commit --carry``. That costs
the repository about 45 MB a dense network (``network.pt`` and ``rewind.pt``): carry only a
lineage that one session cannot finish. A new machine pulls
them back before its first stage (``parents --pull``); DVC then finds those stages up to date
(their outputs as the lock has them) and trains only what never ran. A network whose parent is
in neither place is trained again first, parent by parent, each pushed as it finishes
(``parents --missing STAGE`` lists them, oldest first), so a chain trained again also spans
sessions. The networks a lineage ends with (generation 4, the small dense networks) start
nothing and stay out, as do those of a lineage whose every stage ran: each network is scored
where it is trained, and its scores travel in git.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

from .cli import Command, arg, main

__all__ = ["PREFIX", "REMOTE", "missing_parents", "needed_parents", "pull", "push"]

#: The DVC remote (``.dvc/config``) and folder that hold the parents.
REMOTE = "parents"
#: Where the best-effort networks are (a stage's network output: a folder under it).
PREFIX = "models/best-effort/"


@contextlib.contextmanager
def _repo(root: str | Path) -> Iterator:
    from dvc.repo import Repo  # DVC loads in a second: only the commands that need it

    with Repo(str(root)) as repo:
        yield repo


def _networks(stage) -> list:
    """The DVC-cached outputs of ``stage`` under :data:`PREFIX` (its network)."""
    return [out for out in stage.outs if out.use_cache and out.def_path.startswith(PREFIX)]


def _name(stage, repo) -> str:
    """The stage as DVC names it from the repository's root (``beyond/dvc.yaml:NAME``,
    ``NAME`` in ``dvc.yaml``), wherever this process runs."""
    file = Path(os.path.relpath(stage.path, repo.root_dir)).as_posix()
    name = getattr(stage, "name", None)                     # none: a .dvc file
    return file if not name else name if file == "dvc.yaml" else f"{file}:{name}"


def needed_parents(repo) -> dict[str, str]:
    """``{output path: stage}`` of every committed best-effort network that a training not yet
    run starts from, directly or through its parents: the networks ``parents/`` must hold."""
    import networkx as nx

    needed: dict[str, str] = {}
    for stage in repo.index.stages:
        if not any(not out.hash_info for out in _networks(stage)):
            continue                                # trains no network, or ran
        for upstream in nx.dfs_postorder_nodes(repo.index.graph, stage):
            if upstream is not stage:
                needed.update({out.def_path: _name(upstream, repo)
                               for out in _networks(upstream) if out.hash_info})
    return needed


def _object(root: Path, value: str) -> Path:
    """Where DVC keeps the object of hash ``value`` in ``parents/`` (a DVC 3 remote's layout)."""
    return root / REMOTE / "files" / "md5" / value[:2] / value[2:]


def _stored(root: Path, out) -> bool:
    """Is every object of ``out`` (a folder: its manifest and each file) in ``parents/``?"""
    manifest = _object(root, out.hash_info.value)
    if not manifest.is_file():
        return False
    if not out.hash_info.isdir:
        return True
    return all(_object(root, entry["md5"]).is_file() for entry in json.loads(manifest.read_text()))


def _quietly(call, *args, **kwargs):
    """DVC's call with its progress bars kept off the campaign's log."""
    with contextlib.redirect_stderr(io.StringIO()):
        return call(*args, **kwargs)


def pull(root: str | Path = ".") -> list[str]:
    """Check out from ``parents/`` every needed parent (:func:`needed_parents`) that this
    working tree lacks and ``parents/`` holds (the others stay missing: trained again when
    needed). The paths pulled."""
    root = Path(root)
    with _repo(root) as repo:
        outs = {out.def_path: out for stage in repo.index.stages for out in _networks(stage)}
        wanted = [path for path in needed_parents(repo)
                  if not (root / path).exists() and _stored(root, outs[path])]
        if wanted:
            _quietly(repo.pull, targets=[str(root.resolve() / p) for p in wanted], remote=REMOTE)
    return wanted


def push(root: str | Path = ".") -> int:
    """Copy every needed parent (:func:`needed_parents`) of this working tree into
    ``parents/`` (those already there are skipped). How many files were added."""
    root = Path(root)
    with _repo(root) as repo:
        here = [str(root.resolve() / path) for path in needed_parents(repo)
                if (root / path).exists()]
        return _quietly(repo.push, targets=here, remote=REMOTE) if here else 0


def missing_parents(stage: str, root: str | Path = ".") -> list[str]:
    """The stages upstream of ``stage`` (named as DVC names them) whose network is not in the
    working tree, oldest first: what ``dvc repro STAGE`` would train again. Pull first."""
    import networkx as nx

    root = Path(root)
    with _repo(root) as repo:
        stages = {_name(s, repo): s for s in repo.index.stages}
        if stage not in stages:
            raise ValueError(f"stage {stage!r} is in neither dvc.yaml nor beyond/dvc.yaml "
                             "(a stage of beyond/dvc.yaml: beyond/dvc.yaml:NAME)")
        upstream = nx.dfs_postorder_nodes(repo.index.graph, stages[stage])
        return [_name(s, repo) for s in upstream if s is not stages[stage]
                and any(not (root / out.def_path).exists() for out in _networks(s))]


# -- the command line: `python -m evosynth parents`, or this module as a program --

def _command(params, args):
    if args.pull:
        pulled = pull(args.root)
        print(f"parents: {len(pulled)} network(s) checked out from {REMOTE}/"
              + "".join(f"\n  {path}" for path in pulled))
    if args.push:
        print(f"parents: {push(args.root)} file(s) added to {REMOTE}/")
    for stage in args.missing or ():
        for parent in missing_parents(stage, args.root):
            print(parent)
    return 0


COMMAND = Command(
    "parents", "carry in git (parents/) the networks that trainings still to run start from",
    "--pull checks out from parents/ (a DVC remote in the repository) every committed "
    "best-effort network that a training not yet run starts from (directly or through its "
    "parents) and this working tree lacks; --push copies those of the working tree into it "
    "(commit parents/ then); --missing STAGE prints the stages upstream of "
    "STAGE whose network is still missing, oldest first (what DVC would train again).",
    _command,
    (arg("--pull", action="store_true", help="check out the committed parents this tree lacks"),
     arg("--push", action="store_true", help="add this tree's parents to parents/"),
     arg("--missing", nargs="+", metavar="STAGE",
         help="print the upstream stages of STAGE whose network is missing"),
     arg("--root", default=".", help="repository root (default: %(default)s)")),
    params=False, group=2, order=5,
    epilog="scripts/campaign.sh pulls them before its first stage and (--commit) pushes and "
           "commits them after each")


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
