"""One run: the beyond pipeline's recorded inputs are the default pipeline's committed outputs.

The beyond pipeline (``beyond/dvc.yaml``) reads outputs of the default pipeline (its prepared
data, its ancestor, its metrics); when the hashes it recorded for them (``beyond/dvc.lock``)
differ from the ones the default pipeline's ``dvc.lock`` holds, its results were made from
another run. ``release-check`` refuses such a tree, and the book's extension
(``book/_ext/artifact.py``) refuses to build it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml


class MixedRunsError(RuntimeError):
    """The beyond pipeline's recorded inputs are not the default pipeline's committed outputs."""


def _stages(lock: Path) -> dict[str, Any]:
    if not lock.is_file():
        raise FileNotFoundError(f"{lock}: DVC lock file not found")
    data = yaml.safe_load(lock.read_text()) or {}
    stages = data.get("stages")
    if not isinstance(stages, dict):
        raise ValueError(f"{lock}: not a DVC lock file (no 'stages' mapping)")
    return stages


def _hashes(entries: Sequence[Mapping[str, Any]] | None) -> dict[str, str]:
    return {str(e["path"]).rstrip("/"): str(e.get("md5", "")) for e in entries or []}


def mixed_runs(root: str | os.PathLike[str] = ".") -> list[str]:
    """Every output of the default pipeline that a beyond stage read (a dependency in
    ``beyond/dvc.lock``) and that is not the one ``dvc.lock`` holds, one line each (empty: the
    book shows one run). After a rerun of the default pipeline on another machine kind, these
    are the outputs the rerun changed."""
    root = Path(root)
    outs: dict[str, str] = {}
    for stage in _stages(root / "dvc.lock").values():
        outs.update(_hashes(stage.get("outs")))
    problems = []
    for name, stage in _stages(root / "beyond" / "dvc.lock").items():
        for path, md5 in _hashes(stage.get("deps")).items():
            if path in outs and md5 != outs[path]:
                problems.append(f"{name} read {path} (md5 {md5[:12]}), the default run's is "
                                f"{outs[path][:12]}")
            inside = [o for o in outs if path.startswith(o + "/")]
            if inside:
                problems.append(f"{name} read {path}, a file inside the default pipeline's "
                                f"output {inside[0]}: its hash cannot be compared (declare the "
                                "whole output as the dependency in beyond/dvc.yaml)")
    return problems


def check_consistency(root: str | os.PathLike[str] = ".") -> list[str]:
    """Check that the book shows one run (:func:`mixed_runs` finds nothing); returns the beyond
    stages checked. A release requires it (``release-check``, the release workflow's book).

    Raises:
        MixedRunsError: naming each stale stage, the output, both hashes and what to rerun.
    """
    problems = mixed_runs(root)
    if problems:
        raise MixedRunsError(
            "the beyond pipeline's results were made from other outputs of the default "
            "pipeline than the committed ones (beyond/dvc.lock against dvc.lock):\n  - "
            + "\n  - ".join(problems)
            + "\nRerun `dvc repro beyond/dvc.yaml` (after `dvc repro`) and commit its results "
            "and beyond/dvc.lock, so that every page shows one run.")
    return list(_stages(Path(root) / "beyond" / "dvc.lock"))
