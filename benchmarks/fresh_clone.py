"""A fresh clone of this repository's HEAD in a scratch folder, as a newcomer has it
(``main_job.py`` and ``test_suite.py`` time the README's two commands there), and the check of
their records' names (one record per machine kind)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def record_name(name: str) -> str:
    """``name`` when it can name a record file (``amx``, ``zen3``), else a clear error."""
    if not name:
        raise SystemExit("--name: required (the record's file name, one per machine kind, "
                         "e.g. zen3)")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise SystemExit(f"--name {name!r}: expected lower-case letters, digits, - or _")
    return name


@contextmanager
def fresh_clone(prefix: str, keep: bool = False, root: Path = ROOT) -> Iterator[tuple[Path, str]]:
    """Clone ``root``'s HEAD into a new scratch folder; yield the clone and its commit; remove
    the scratch folder afterwards, unless ``keep``."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        clone = scratch / "evosynth"
        subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, text=True,
                                capture_output=True, check=True).stdout.strip()
        yield clone, commit
    finally:
        if keep:
            print(f"scratch clone kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
