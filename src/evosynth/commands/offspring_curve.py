"""``python -m evosynth offspring-curve``: the stages ``offspring-curve@<curve>-<budget>`` and
``offspring-curve-summary``."""

from ..cli import Command, arg, show


def _run(params, args):
    if (args.curve is None) != (args.budget is None):
        raise SystemExit("offspring-curve: give both CURVE and --budget, or neither")
    if args.budget is not None:
        from ..experiment.stages.offspring_curve import offspring_curve_point
        record = offspring_curve_point(params, args.curve, args.budget)
        show({"curve": record["curve"], "budget": record["budget"], "val": record["val"],
              "precision": record["precision"], "train_seconds": record["train_seconds"]})
    else:
        from ..experiment.stages.offspring_curve import offspring_curve_summary
        summary = offspring_curve_summary(params)
        show({k: summary[k] for k in ("epochs", "extend", "to_run")})


COMMAND = Command(
    "offspring-curve", "stages offspring-curve: the offspring's validation learning curve",
    "With CURVE (<init>-<gen>, e.g. inherit-gen4) and --budget B: generation <gen> of the "
    "default lineage drawn from its parent in the committed lineage, its weights <init>, trained "
    "B epochs and scored on the validation split after every epoch, into "
    "results/offspring_curve/<curve>-budgetB.json (the network is not kept). Without: apply the "
    "rule pre-registered in claims.yaml to every curve measured so far (the smallest budget "
    "within offspring_curve.tolerance of the best; the larger pick over the generations per "
    "init), write results/offspring_curve.json and .md and draw results/offspring_curve.png. "
    "Reads only the train and validation splits.", _run,
    (arg("curve", nargs="?", default=None, help="<init>-<gen>, one of offspring_curve's curves"),
     arg("--budget", type=int, default=None, help="one of the curve's budgets of epochs")),
    group=1, order=1,
    epilog="example: python -m evosynth offspring-curve inherit-gen4 --budget 48")
