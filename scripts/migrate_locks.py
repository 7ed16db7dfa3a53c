"""Rename lock entries and rewrite their commands after a restructure, without rerunning.

    python scripts/migrate_locks.py                 # migrate dvc.lock and beyond/dvc.lock
    python scripts/migrate_locks.py --check         # only list what would change (exit 1 if any)

Issue 34 moved each stage's command into its stage module and named every stage of
beyond/dvc.yaml as the module it runs: the stage ``offspring`` became ``generation``,
``best-effort-offspring`` ``best-effort-generation`` and ``best-effort-metrics``
``best-effort-campaign-metrics``; a stage's ``cmd`` runs its module
(``python -m evosynth generation ...`` became ``python -m evosynth.experiment.stages.generation
...``). DVC keys a lock entry by the stage's name (``name@key`` for a ``foreach`` item) and
compares its recorded ``cmd``; this renames the entries and rewrites their ``cmd`` so that
DVC finds them, and leaves every hash, dependency and output as the run recorded it. (The code
dependencies' hashes are re-recorded by ``scripts/relock.py`` once the bit-identity proof is
done.)

Deterministic, idempotent and rerunnable: an entry already migrated is left as it is, so after
rebasing on a newer ``main`` (which keeps adding entries under the old names) take ``main``'s
lock files and run it again. Should both an old-named entry and its new-named one be present
(a lock merged by hand), the old-named one is the newer run (only the old layout writes old
names): it replaces the other, and the script says so.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from dvc.utils.serialize import dumps_yaml, parse_yaml_for_update

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ("dvc.lock", "beyond/dvc.lock")

#: Stage renames (the part of a lock key before ``@``).
RENAMES = {"offspring": "generation", "best-effort-offspring": "best-effort-generation",
           "best-effort-metrics": "best-effort-campaign-metrics"}
#: ``python -m evosynth COMMAND`` -> ``python -m evosynth.experiment.stages.MODULE``.
OLD_CMD = re.compile(r"python -m evosynth (?P<command>[a-z][a-z0-9-]*)")


def new_name(name: str) -> str:
    stage, at, key = name.partition("@")
    return RENAMES.get(stage, stage) + at + key


def new_cmd(cmd: str) -> str:
    return OLD_CMD.sub(lambda m: "python -m evosynth.experiment.stages."
                       + m.group("command").replace("-", "_"), cmd)


def migrate(text: str, path: str = "dvc.lock") -> tuple[str, list[str]]:
    """The lock ``text`` migrated, and one line per change."""
    data = parse_yaml_for_update(text, path)
    stages = data.get("stages") or {}
    changes: list[str] = []
    migrated = {}
    for name, entry in stages.items():
        target = new_name(name)
        if target != name:
            if target in stages:
                changes.append(f"{name} -> {target} (replaces the entry already there)")
            else:
                changes.append(f"{name} -> {target}")
        elif target in migrated:
            continue          # an old-named entry of this stage came first and replaced it
        cmd = entry.get("cmd") if isinstance(entry, dict) else None
        if isinstance(cmd, str) and new_cmd(cmd) != cmd:
            entry["cmd"] = new_cmd(cmd)
            changes.append(f"{target}: cmd {entry['cmd']}")
        migrated[target] = entry
    if not changes:
        return text, []
    # the entries keep the lock's order; a replaced one takes the place of the first of the two
    stages.clear()
    stages.update(migrated)
    return dumps_yaml(data), changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report only, write nothing")
    parser.add_argument("locks", nargs="*", default=LOCKS, help="(default: %(default)s)")
    args = parser.parse_args()
    pending = False
    for lock in args.locks:
        path = ROOT / lock
        text = path.read_text()
        new, changes = migrate(text, lock)
        print(f"{lock}: {len(changes)} change(s)" + "".join(f"\n  {c}" for c in changes))
        if changes and not args.check:
            path.write_text(new)
        pending |= bool(changes)
    sys.exit(1 if args.check and pending else 0)


if __name__ == "__main__":
    main()
