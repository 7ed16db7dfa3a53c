"""``python -m evosynth study``: one task of the study without its notebook."""

from ..cli import Command, arg


def _run(params, args):
    from ..experiment.stages.study import study
    print(f"{len(study(params, args.task))} results")


COMMAND = Command("study", "stage study: Darwin against pruning baselines on one task",
                  "Every method and seed of study task TASK: results/study/TASK.json.", _run,
                  (arg("task", help="a task of study.tasks"),), group=1, order=0)
