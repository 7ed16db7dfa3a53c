"""``python -m evosynth z-arm``: the stage ``z-arm@<task>``."""

from ..cli import Command, arg


def _run(params, args):
    from ..experiment.stages.study import z_arm
    print(f"{len(z_arm(params, args.task))} results")


COMMAND = Command("z-arm", "stage z-arm: the study's Darwin lineage with the other Z",
                  "darwin/inherit of study task TASK with the normaliser Z of P(s|w) that "
                  "generation.normalization does not name (layer for global, and back), every "
                  "seed: results/study/TASK-z-arm.json.", _run,
                  (arg("task", help="a task of study.tasks"),), group=1, order=1)
