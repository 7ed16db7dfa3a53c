"""``python -m evosynth learning-curve``: the stages ``learning-curve@<budget>`` and
``learning-curve-summary``."""

from ..cli import Command, arg, show


def _run(params, args):
    if args.budget is not None:
        from ..experiment.stages.learning_curve import learning_curve_point
        record = learning_curve_point(params, args.budget)
        show({"budget": record["budget"], "val": record["val"],
              "train_seconds": record["train_seconds"]})
    else:
        from ..experiment.stages.learning_curve import learning_curve_summary
        summary = learning_curve_summary(params)
        show({k: summary[k] for k in ("budgets", "chosen", "ancestor_epochs",
                                      "ancestor_follows_rule")})
        if not summary["ancestor_follows_rule"]:
            print(f"ancestor.train.epochs = {summary['ancestor_epochs']} (the first recipe) is "
                  f"not the rule's choice {summary['chosen']} on the whole curve: the "
                  "best-effort recipe's ancestors train that many epochs (claims.yaml)")


COMMAND = Command(
    "learning-curve", "stages learning-curve: the dense network's validation learning curve",
    "With --budget B (one of learning_curve.budgets): train the ancestor's network and recipe "
    "for B epochs, scoring the validation split after every epoch, into "
    "results/learning_curve/budgetB.json (the network is not kept). Without: read every "
    "budget's record, choose the ancestor's epochs by the rule (the smallest budget within "
    "learning_curve.tolerance of the best final validation adaptive F-beta), draw "
    "results/learning_curve/curve.png and write results/learning_curve/summary.json. Reads "
    "only the train and validation splits.", _run,
    (arg("--budget", type=int, default=None,
         help="one budget of learning_curve.budgets (default: summarise every budget)"),),
    group=1, order=0)
