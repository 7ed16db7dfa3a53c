"""Stage ``z-arm@<task>`` (``beyond/dvc.yaml``): the study's Darwin lineage once more with the
other normaliser Z of P(s|w) (:func:`~evosynth.experiment.stages.study.other_z`)."""

from __future__ import annotations

from typing import Any

from ...method.atomic import write_json
from ..config import Params
from ..paths import Paths
from ..study import parse_key, result_key
from .study import other_z, run_study, study_task, z_arm_method
from ..cli import Command, arg, main


def z_arm(params: Params, name: str, paths: Paths = Paths(),
          progress: bool = True) -> dict[str, dict[str, Any]]:
    """Study task ``name`` once more for ``darwin/inherit`` alone, with the other normaliser Z
    (:func:`other_z`): every seed (the study's ancestor seeds: the same ancestors when run on
    the same machine), the same environments and training. Keyed
    ``<task>/darwin-<Z>/inherit/seed<k>/gen<g>``; writes ``results/study/<task>-z-arm.json``
    and returns it."""
    method = z_arm_method(params)
    results: dict[str, dict[str, Any]] = {}
    for key, value in run_study(params, study_task(params, name, paths), ["darwin/inherit"],
                                 other_z(params), progress).items():
        k = parse_key(key)
        results[result_key(k.task, method, k.seed, k.generation)] = value
    write_json(paths.study(f"{name}-z-arm"), results)
    return results


# -- the command line: `python -m evosynth z-arm`, or this module run as a program --

def _command(params, args):
    print(f"{len(z_arm(params, args.task))} results")


COMMAND = Command("z-arm", "stage z-arm: the study's Darwin lineage with the other Z",
                  "darwin/inherit of study task TASK with the normaliser Z of P(s|w) that "
                  "generation.normalization does not name (layer for global, and back), every "
                  "seed: results/study/TASK-z-arm.json.", _command,
                  (arg("task", help="a task of study.tasks"),), group=1, order=1)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
