"""``python -m evosynth estimate``: what the main job will run and how long it will take here."""

from ..cli import Command, arg


def _run(params, args):
    from ..experiment.estimate import committed_seconds, measure_step, plan, report, stages_to_run
    stages = stages_to_run(".", everything=args.all)
    step = measure_step(params)
    print(report(plan(params, stages, step, committed_seconds(".")), step))


COMMAND = Command(
    "estimate", "what `dvc repro` will run, and about how long it takes on this machine",
    "Times a few training steps of the ancestor's network here (the precision this machine "
    "runs: train.precision auto resolved), and scales them by the steps of every training "
    "stage of dvc.yaml that `dvc repro` would run (dvc status); the other stages take what "
    "they took in the committed run. bash scripts/main.sh prints it before it starts.", _run,
    (arg("--all", action="store_true",
         help="every stage, as `dvc repro --force` runs them (default: the stale ones)"),),
    group=2, order=0,
    epilog="example: python -m evosynth estimate --all")
