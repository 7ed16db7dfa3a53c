"""Command ``seed-kind``: may a campaign stage run on this machine?

Every seed's arms train on one machine kind (``beyond/dvc.yaml``): runs on two kinds round
differently, so an offspring trained on another kind than its ancestor would mix two kinds'
arithmetic in one seed. The kind a seed belongs to is the one its ancestor was trained on, as
its training record says (``results/.../gen0/summary.json``: the CPU, its capability, its
bf16 unit, the threads, the GPU). ``scripts/campaign.sh`` asks this before every stage.

An ancestor stage itself is never refused: training a seed's ancestor again on another kind
makes that seed's offspring stale, and they then follow it to the new kind.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..hparams import RECIPES
from .cli import Command, arg, main
from .paths import Paths
from .provenance import describe_kind, machine_summary

__all__ = ["KIND_KEYS", "kind_mismatch", "seed_of_stage"]

#: What makes two machines one kind: a training on either computes the same bits.
KIND_KEYS = ("cpu", "cpu_capability", "cpu_bf16", "torch_threads", "gpu")

#: The offspring and small dense stages of a seed (``beyond/dvc.yaml``), by recipe: the
#: first recipe's seed 0 is the default pipeline's lineages (``generation@control-gen1``).
_STAGES = (
    (RECIPES[1], re.compile(r"best-effort-(?:generation@[a-z]+-|small-dense@)seed(\d+)-gen\d+")),
    (RECIPES[0], re.compile(r"(?:generation@[a-z]+-|small-dense@)seed(\d+)-gen\d+")),
    (RECIPES[0], re.compile(r"generation@[a-z]+-gen\d+")),
)


def seed_of_stage(stage: str) -> tuple[str, int] | None:
    """``(recipe, seed)`` of a campaign stage that trains from a seed's ancestor (an offspring
    or a small dense network; ``beyond/dvc.yaml:`` may lead), ``None`` for any other stage."""
    name = stage.rsplit(":", 1)[-1]
    for recipe, pattern in _STAGES:
        match = pattern.fullmatch(name)
        if match:
            return recipe, int(match.group(1)) if match.groups() else 0
    return None


def _kind(machine: dict) -> dict:
    return {key: machine.get(key) for key in KIND_KEYS}


def kind_mismatch(stage: str, root: str | Path = ".", here: dict | None = None) -> str | None:
    """Why ``stage`` must not run on the machine ``here`` (default: this one), or ``None``
    where it may: it trains no seed's network from an ancestor, the seed's ancestor has no
    record yet, or that record names this machine's kind."""
    seed = seed_of_stage(stage)
    if seed is None:
        return None
    recipe, k = seed
    record = Paths(Path(root)).for_recipe(recipe).for_run(k).summary("gen0")
    if not record.is_file():
        return None
    ancestor = json.loads(record.read_text())["machine"]
    here = machine_summary() if here is None else here
    if _kind(ancestor) == _kind(here):
        return None
    differ = ", ".join(f"{key} {ancestor.get(key)!r} here {here.get(key)!r}"
                       for key in KIND_KEYS if ancestor.get(key) != here.get(key))
    return (f"{stage}: seed {k} of the {recipe} recipe belongs to the kind its ancestor was "
            f"trained on ({describe_kind(ancestor)}, {record}), not this machine's "
            f"({describe_kind(here)}): {differ}. Run it on that kind, or train the seed's "
            f"ancestor again here first (its offspring then follow).")


# -- the command line: `python -m evosynth seed-kind STAGE...`, or this module as a program --

def _command(params, args):
    problems = [p for p in (kind_mismatch(stage, args.root) for stage in args.stages) if p]
    for problem in problems:
        print(f"seed-kind: {problem}")
    return 1 if problems else 0


COMMAND = Command(
    "seed-kind", "may these campaign stages run on this machine (each seed on one kind)?",
    "Each seed's arms train on the machine kind of its ancestor (CPU, capability, bf16 unit, "
    "threads, GPU: its training record). Exit status: 0 every stage given may run here, 1 "
    "not (each refusal printed with the two kinds).", _command,
    (arg("stages", nargs="+", metavar="STAGE",
         help="stage names of beyond/dvc.yaml (e.g. best-effort-generation@default-seed4-gen1)"),
     arg("--root", default=".", help="repository root (default: %(default)s)")),
    params=False, group=2, order=5,
    epilog="scripts/campaign.sh asks it before every stage")


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
