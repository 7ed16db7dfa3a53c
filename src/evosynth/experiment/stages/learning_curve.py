"""Stages ``learning-curve@<budget>`` and ``learning-curve-summary`` (``beyond/dvc.yaml``): the
dense network's validation learning curve, from which the ancestor's epochs are chosen
(:mod:`evosynth.experiment.curve`). Only the train and validation splits are read."""

from __future__ import annotations

import json
from typing import Any

from ...method.atomic import atomic_write, write_json
from ..config import LearningCurveParams, Params, ParamsError
from ..curve import chosen_budget, curve_scores, draw_learning_curve
from ...method.data import SaliencySet
from ...method.lineage import make_ancestor
from ...method.models import SaliencyNet
from ..paths import Paths
from ..provenance import describe_kind, machine_summary
from ...method.training import evaluate
from ..cli import Command, arg, main, show


def _section(params: Params) -> LearningCurveParams:
    if params.learning_curve is None:
        raise ParamsError("params.yaml has no learning_curve section (budgets, tolerance)")
    return params.learning_curve


def learning_curve_point(params: Params, budget: int, paths: Paths = Paths(),
                         progress: bool = True) -> dict[str, Any]:
    """Train the ancestor's network and recipe for ``budget`` epochs (one of
    ``learning_curve.budgets``), scoring the validation split after every epoch; writes and
    returns its record (the recipe, the per-epoch history, the final validation scores, the
    machine). The network itself is not kept."""
    budgets = _section(params).budgets
    if budget not in budgets:
        raise ParamsError(f"budget {budget} is not in learning_curve.budgets "
                          f"({', '.join(map(str, budgets))})")
    p = params.ancestor
    train = p.train.model_copy(update={"epochs": budget})
    model = p.model.to_config()
    train_set = SaliencySet.load(paths.split("train")).tensors()
    val_set = SaliencySet.load(paths.split("val")).tensors()
    result = make_ancestor(lambda: SaliencyNet(model), train_set, train.to_config(),
                           init_seed=p.init_seed,
                           validate=lambda net: evaluate(net, val_set,
                                                         device=train.device).summary(),
                           progress=progress, description=f"{budget} epochs")
    s = result.summary
    record = {"budget": budget, "init_seed": p.init_seed, "train": train.model_dump(),
              "model": p.model.model_dump(), "synapses": s["synapses"], "val": s["val"],
              "history": s["history"], "losses": s["losses"], "device": s["device"],
              "precision": s["precision"], "train_seconds": s["train_seconds"],
              "machine": machine_summary()}
    write_json(paths.learning_curve_point(budget), record)
    return record


def learning_curve_summary(params: Params, paths: Paths = Paths()) -> dict[str, Any]:
    """Read every budget's record, apply the rule, draw the figure; writes and returns the
    summary (each budget's final validation score and time, the best, the chosen budget, and
    whether ``ancestor.train.epochs`` is it)."""
    section = _section(params)
    points = []
    for budget in section.budgets:
        path = paths.learning_curve_point(budget)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: run the stage learning-curve@{budget} first")
        points.append(json.loads(path.read_text()))
    scores = curve_scores(points)
    chosen = chosen_budget(scores, section.tolerance)
    draw_learning_curve(points, section.tolerance, paths.learning_curve_figure)
    summary = {
        "metric": "val/f_beta_adaptive (final epoch)",
        "rule": f"the smallest budget within {section.tolerance:g} of the best budget's score",
        "tolerance": section.tolerance,
        "budgets": {str(b): {"f_beta_adaptive": scores[b],
                             "train_seconds": p["train_seconds"]}
                    for b, p in zip(section.budgets, points)},
        "best": max(scores, key=scores.get), "chosen": chosen,
        "ancestor_epochs": params.ancestor.train.epochs,
        "ancestor_follows_rule": params.ancestor.train.epochs == chosen,
        "machines": sorted({describe_kind(p["machine"]) for p in points}),
    }
    write_json(paths.learning_curve_summary, summary)
    atomic_write(paths.learning_curve_table, lambda tmp: tmp.write_text(curve_table(summary)))
    return summary


def curve_table(summary: dict[str, Any]) -> str:
    """The summary as the Markdown table the book includes: each budget's final validation
    score, its training time and whether the rule chose it."""
    rows = ["| budget (epochs) | validation adaptive F-beta | below the best | train minutes "
            "| chosen |", "|---:|---:|---:|---:|---|"]
    best = summary["budgets"][str(summary["best"])]["f_beta_adaptive"]
    for budget, entry in summary["budgets"].items():
        rows.append(f"| {budget} | {entry['f_beta_adaptive']:.4f} | "
                    f"{entry['f_beta_adaptive'] - best:+.4f} | "
                    f"{entry['train_seconds'] / 60:.1f} | "
                    f"{'**yes**' if int(budget) == summary['chosen'] else ''} |")
    return "\n".join(rows) + (
        f"\n\nRule: {summary['rule']} (tolerance {summary['tolerance']:g}). Trained on "
        f"{'; '.join(summary['machines'])}.\n")


# -- the command line: `python -m evosynth learning-curve`, or this module run as a program --

def _command(params, args):
    if args.budget is not None:
        record = learning_curve_point(params, args.budget)
        show({"budget": record["budget"], "val": record["val"],
              "train_seconds": record["train_seconds"]})
    else:
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
    "only the train and validation splits.", _command,
    (arg("--budget", type=int, default=None,
         help="one budget of learning_curve.budgets (default: summarise every budget)"),),
    group=1, order=0)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
