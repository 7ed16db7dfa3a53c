"""Re-record a lock's code and parameter entries after a change shown not to change any output.

    python scripts/relock.py beyond/dvc.yaml            # rewrite beyond/dvc.lock
    python scripts/relock.py dvc.yaml --check           # only list what would change

A restructure (code moved, a module renamed, a parameter's spelling changed) stales every stage
whose `deps:` or `params:` it touches, although no result changes. After the proof that none
does (the smoke pipeline's checkpoints and metrics and one default generation hashed before and
after on one machine: the developers' guide), this rewrites, for every stage already in the
lock, the hashes of its code deps (paths under src/ and notebooks/, and requirements.lock) and
the values of its params from params.yaml. Every other dep (data, networks, results: what a
stage reads from another) and every output keep the hashes the run recorded; a stage that now
reads a data dep its lock entry lacks is left as it is (stale), since only a run can record it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dvc.dependency.param import ParamsDependency
from dvc.repo import Repo
from dvc.stage.serialize import to_single_stage_lockfile

ROOT = Path(__file__).resolve().parents[1]
CODE = ("src/", "notebooks/", "requirements.lock")


def is_code(path: str) -> bool:
    return path == "requirements.lock" or path.startswith(CODE[:2])


def relock(dvc_file: str, check: bool = False) -> tuple[list[str], list[str]]:
    """Rewrite the lock of ``dvc_file`` (or with ``check`` only report); returns the stages
    whose entry changes, and one line per stage left stale (it reads a data dep that only a
    run can record)."""
    repo = Repo(str(ROOT))
    changed, stale = [], []
    for stage in repo.index.stages:
        if Path(stage.path).resolve() != (ROOT / dvc_file).resolve():
            continue
        before = stage.dvcfile._lockfile.load().get("stages", {}).get(stage.name) \
            if stage.dvcfile._lockfile.exists() else None
        if before is None:
            continue   # never run: nothing to re-record
        new = [Path(dep.fs_path).resolve().relative_to(ROOT).as_posix() for dep in stage.deps
               if not isinstance(dep, ParamsDependency) and not dep.hash_info
               and not is_code(Path(dep.fs_path).resolve().relative_to(ROOT).as_posix())]
        if new:
            stale.append(f"{stage.name} (now reads {', '.join(new)}: only a run can record it)")
            continue
        for dep in stage.deps:
            path = Path(dep.fs_path).resolve().relative_to(ROOT).as_posix() \
                if not isinstance(dep, ParamsDependency) else dep.def_path
            if isinstance(dep, ParamsDependency) or is_code(path):
                dep.save()
        if to_single_stage_lockfile(stage) != before:
            changed.append(stage.name)
            if not check:
                stage.dump(update_pipeline=False)
    return changed, stale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dvc_file", help="dvc.yaml or beyond/dvc.yaml")
    parser.add_argument("--check", action="store_true", help="report only, write nothing")
    args = parser.parse_args()
    changed, stale = relock(args.dvc_file, args.check)
    verb = "would change" if args.check else "re-recorded"
    print(f"{args.dvc_file}: {len(changed)} stage entries {verb}"
          + ("".join(f"\n  {name}" for name in changed)))
    if stale:
        print(f"left stale (rerun them): {len(stale)}" + "".join(f"\n  {s}" for s in stale))
    sys.exit(0)


if __name__ == "__main__":
    main()
