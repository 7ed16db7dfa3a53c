"""Stages ``offspring-curve@<init>-<gen>-<budget>`` and ``offspring-curve-summary``
(``beyond/dvc.yaml``): the offspring's validation learning curve, from which the best-effort
recipe's offspring epochs are chosen by the rule pre-registered in ``claims.yaml``.

A point is generation ``gen`` of the default lineage (the ``generation`` section: its
environment, synthesis seed, normaliser Z and training, but its epochs), drawn from its parent
in the committed lineage (``models/<parent>``), its weights ``init`` (``inherit`` or
``newborn``), trained ``budget`` epochs with its own schedule and scored on the validation split
after every epoch. The network is not kept. Only the train and validation splits are read.
"""

from __future__ import annotations

import json
from typing import Any

from ...method.atomic import atomic_write, write_json
from ...method.checkpoints import load_checkpoint, load_network
from ..config import OffspringCurveParams, Params, ParamsError
from ..curve import chosen_budget, curve_scores, draw_offspring_curves
from ...method.data import SaliencySet
from ...method.genetics import Masks
from ...method.lineage import make_generation
from ...method.models import SaliencyNet
from ..paths import Paths
from ..provenance import describe_kind, machine_summary
from ...method.training import evaluate
from .generation import recipe
from ..cli import Command, arg, main, show


def _section(params: Params) -> OffspringCurveParams:
    if params.offspring_curve is None:
        raise ParamsError("params.yaml has no offspring_curve section (budgets, extend, "
                          "tolerance, generations, inits)")
    section = params.offspring_curve
    missing = [g for g in section.generations if g not in params.generation.lineage]
    if missing:
        raise ParamsError(f"offspring_curve.generations {missing} are not generations of "
                          f"generation.lineage ({', '.join(params.generation.lineage)})")
    return section


def offspring_curve_point(params: Params, curve: str, budget: int, paths: Paths = Paths(),
                          progress: bool = True) -> dict[str, Any]:
    """Train curve ``curve`` (``<init>-<gen>``, one of ``offspring_curve``'s curves) for
    ``budget`` epochs (one of its budgets); writes and returns its record (the recipe, the
    per-epoch history, the final validation scores, the machine)."""
    section = _section(params)
    if curve not in section.curves():
        raise ParamsError(f"curve {curve!r} is not one of offspring_curve's curves "
                          f"({', '.join(section.curves())})")
    if budget not in section.budgets_of(curve):
        raise ParamsError(f"budget {budget} is not a budget of curve {curve} "
                          f"({', '.join(map(str, section.budgets_of(curve)))})")
    init, name = curve.split("-", 1)
    g = params.generation
    spec = g.offspring(name)
    lineage = g.model_copy(update={"init": init, "lineage": {
        name: spec.model_copy(update={"epochs": budget})}})
    how = recipe(lineage, name)
    parent_state = load_checkpoint(paths.network(spec.parent))
    parent = load_network(parent_state, params.ancestor.model.to_config())
    parent_masks = parent_state["masks"] if parent_state.get("masks") is not None \
        else Masks.ones_like(parent)
    train_set = SaliencySet.load(paths.split("train")).tensors()
    val_set = SaliencySet.load(paths.split("val")).tensors()
    result = make_generation(
        parent, parent_masks, how, train_set, build=lambda: SaliencyNet(parent.config),
        validate=lambda net: evaluate(net, val_set, device=how.train.device).summary(),
        progress=progress, description=f"{curve}, {budget} epochs")
    s = result.summary
    record = {"curve": curve, "init": init, "generation": name, "parent": spec.parent,
              "budget": budget, "train": lineage.train_for(name).model_dump(),
              "seed": s["seed"], "synapses": s["synapses"],
              "parent_synapses": s["parent_synapses"], "val": s["val"],
              "history": s["history"], "losses": s["losses"], "device": s["device"],
              "precision": s["precision"], "train_seconds": s["train_seconds"],
              "machine": machine_summary()}
    write_json(paths.offspring_curve_point(curve, budget), record)
    return record


def offspring_curve_summary(params: Params, paths: Paths = Paths()) -> dict[str, Any]:
    """Read every point measured so far, apply the rule to each whole curve and choose each
    init's epochs (the larger pick over its generations); draw the figure; writes and returns
    the summary. A curve with a point missing, or whose pick is its largest budget and is not
    yet extended, chooses nothing (``to_run`` names what to run, ``extend`` what to list under
    ``offspring_curve.extended``)."""
    section = _section(params)
    curves, points, to_run, extend = {}, [], [], []
    for curve in section.curves():
        budgets = section.budgets_of(curve)
        found = {}
        for budget in budgets:
            path = paths.offspring_curve_point(curve, budget)
            if path.is_file():
                found[budget] = json.loads(path.read_text())
            else:
                to_run.append(f"offspring-curve@{curve}-{budget}")
        points += found.values()
        scores = curve_scores(list(found.values())) if found else {}
        entry: dict[str, Any] = {
            "budgets": {str(b): {"f_beta_adaptive": scores[b],
                                 "train_seconds": found[b]["train_seconds"]}
                        for b in budgets if b in found},
            "complete": len(found) == len(budgets), "chosen": None, "at_edge": False}
        if entry["complete"]:
            pick = chosen_budget(scores, section.tolerance)
            entry["at_edge"] = pick == budgets[-1]
            if entry["at_edge"] and curve not in section.extended:
                extend.append(curve)
            else:
                entry["chosen"] = pick
        curves[curve] = entry
    epochs = {}
    for init in section.inits:
        picks = [curves[f"{init}-{g}"]["chosen"] for g in section.generations]
        epochs[init] = None if None in picks else max(picks)
    summary = {
        "metric": "val/f_beta_adaptive (final epoch)",
        "rule": f"on each curve, the smallest budget within {section.tolerance:g} of the best; "
                f"each init's epochs: the larger pick over {', '.join(section.generations)}",
        "tolerance": section.tolerance, "curves": curves, "epochs": epochs,
        "to_run": to_run, "extend": extend,
        "machines": sorted({describe_kind(p["machine"]) for p in points}),
    }
    write_json(paths.offspring_curve_summary, summary)
    atomic_write(paths.offspring_curve_table,
                 lambda tmp: tmp.write_text(offspring_curve_table(summary)))
    if points:
        draw_offspring_curves(points, {c: e["chosen"] for c, e in curves.items()},
                              section.tolerance, paths.offspring_curve_figure)
    return summary


def offspring_curve_table(summary: dict[str, Any]) -> str:
    """The summary as the Markdown table the book includes: each curve's budgets, its final
    validation scores, the gap to the curve's best and the pick."""
    rows = ["| curve | budget (epochs) | validation adaptive F-beta | below the curve's best | "
            "train minutes | chosen |", "|---|---:|---:|---:|---:|---|"]
    for curve, entry in summary["curves"].items():
        scores = {b: e["f_beta_adaptive"] for b, e in entry["budgets"].items()}
        best = max(scores.values()) if scores else None
        for budget, e in entry["budgets"].items():
            mark = "**yes**" if entry["chosen"] == int(budget) else ""
            rows.append(f"| {curve} | {budget} | {e['f_beta_adaptive']:.4f} | "
                        f"{e['f_beta_adaptive'] - best:+.4f} | {e['train_seconds'] / 60:.1f} | "
                        f"{mark} |")
        if not entry["complete"]:
            rows.append(f"| {curve} | | | | | not yet measured in full |")
    epochs = "; ".join(f"{init}: {'to be measured' if e is None else f'{e} epochs'}"
                       for init, e in summary["epochs"].items())
    text = "\n".join(rows) + f"\n\nRule: {summary['rule']}. Offspring epochs: {epochs}."
    if summary["extend"]:
        text += (f" At the edge (pick = largest budget): {', '.join(summary['extend'])}; "
                 "list them under offspring_curve.extended.")
    if summary["to_run"]:
        text += f" Still to run: {', '.join(summary['to_run'])}."
    machines = "; ".join(summary["machines"]) or "no machine yet"
    return text + f" Trained on {machines}.\n"


# -- the command line: `python -m evosynth offspring-curve`, or this module run as a program --

def _command(params, args):
    if (args.curve is None) != (args.budget is None):
        raise SystemExit("offspring-curve: give both CURVE and --budget, or neither")
    if args.budget is not None:
        record = offspring_curve_point(params, args.curve, args.budget)
        show({"curve": record["curve"], "budget": record["budget"], "val": record["val"],
              "precision": record["precision"], "train_seconds": record["train_seconds"]})
    else:
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
    "Reads only the train and validation splits.", _command,
    (arg("curve", nargs="?", default=None, help="<init>-<gen>, one of offspring_curve's curves"),
     arg("--budget", type=int, default=None, help="one of the curve's budgets of epochs")),
    group=1, order=1,
    epilog="example: python -m evosynth offspring-curve inherit-gen4 --budget 48")


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
