"""Stage ``sweep`` (``beyond/dvc.yaml``): one point of the F(E) sweep (``scripts/sweep.sh``
queues one DVC experiment per factor)."""

from __future__ import annotations

from typing import Any

from ...method.atomic import write_json
from ..config import Params
from ...method.genetics import ConstantEnvironment
from ..paths import Paths
from ..study import run_seed
from .study import study_task
from ..cli import Command, main


def sweep(params: Params, paths: Paths = Paths(), progress: bool = True) -> dict[str, Any]:
    """One point of the F(E) sweep: ``sweep.task``'s ``darwin/inherit`` lineage with every
    generation in the constant environment ``sweep.factor``; writes and returns it."""
    if params.sweep is None:
        raise ValueError("params.yaml has no sweep section")
    sw = params.sweep
    task = study_task(params, sw.task, paths)
    results = run_seed(task, sw.seed, [ConstantEnvironment(sw.factor)] * sw.generations,
                       ["darwin/inherit"], params.generation.normalization, rewind_steps=0,
                       progress=progress)
    point = {"task": sw.task, "factor": sw.factor, "seed": sw.seed,
             **{k.rsplit("/", 1)[1]: v for k, v in results.items()}}
    write_json(paths.sweep, point)
    return point


# -- the command line: `python -m evosynth sweep`, or this module run as a program --

def _command(params, args):
    sweep(params)


COMMAND = Command("sweep", "stage sweep: one point of the F(E) sweep",
                  "Train the darwin/inherit lineage of study task sweep.task with every "
                  "generation in the constant environment sweep.factor; write "
                  "results/sweep.json. scripts/sweep.sh queues one DVC experiment per factor.",
                  _command, group=1, order=4)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
