"""Stage ``training-curves`` (``beyond/dvc.yaml``): the default lineage and its dense control,
epoch by epoch, under each training recipe: the validation adaptive F-beta after every epoch of
the ancestor and of each generation in turn, read from the campaign's training records. It
shows where the offspring stop short of their plateau (the first recipe's 12 epochs) and what
training as long as the curves ask gives back (the best-effort recipe).

Seed 0 of the first recipe is the default pipeline, which the main job reruns (its records
change on every rerun), so the first recipe is drawn from its replicate seeds
(``replicate.seeds``); the best-effort recipe from every seed it has trained so far. A lineage
is drawn as far as its generations are trained. Only training records are read (their
validation scores): no network, no test split.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ...method.atomic import atomic_write, write_json
from ..config import Params
from ...hparams import CONTROL, DEFAULT, RECIPES
from ..paths import Paths
from ..cli import Command, main

#: The per-epoch validation score drawn (a key of a record's ``history``).
METRIC = "val/f_beta_adaptive"
#: The arms drawn, each with its colour and its words.
ARMS = {DEFAULT.name: ("C0", DEFAULT.label), CONTROL.name: ("C1", CONTROL.label)}


def _history(record: Path) -> list[float] | None:
    if not record.is_file():
        return None
    return [float(row[METRIC]) for row in json.loads(record.read_text())["history"]]


def lineage_history(where: Paths, section: str, generations: list[str]) -> dict[str, Any]:
    """The validation score after every epoch of the ancestor under ``where`` and of each
    generation of lineage ``section`` in turn, as far as they are trained: ``{"scores": [...],
    "starts": [the index of each generation's first epoch]}``."""
    scores = _history(where.summary("gen0"))
    if scores is None:
        return {"scores": [], "starts": []}
    starts = []
    lineage = where.for_lineage(section)
    for name in generations:
        history = _history(lineage.summary(name))
        if history is None:
            break
        starts.append(len(scores))
        scores += history
    return {"scores": scores, "starts": starts}


def training_curves(params: Params, paths: Paths = Paths()) -> dict[str, Any]:
    """Every seed's default lineage and dense control under each recipe, epoch by epoch;
    writes ``results/training_curves.json`` and draws ``results/training_curves.png``."""
    seeds = {RECIPES[0]: params.replicate.seeds if params.replicate else [],
             RECIPES[1]: params.best_effort.seeds if params.best_effort else []}
    curves: dict[str, Any] = {}
    for recipe, recipe_seeds in seeds.items():
        runs = paths.for_recipe(recipe)
        curves[recipe] = {arm: {f"seed{k}": lineage_history(
            runs.for_run(k), section, params.generation.generations)
            for k in recipe_seeds} for arm, section in ((DEFAULT.name, DEFAULT.section),
                                                        (CONTROL.name, CONTROL.section))}
    summary = {"metric": METRIC, "curves": curves}
    write_json(paths.training_curves, summary)
    draw_training_curves(summary, paths.training_curves_figure)
    return summary


def draw_training_curves(summary: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """One panel per recipe: each seed's lineage and control (thin), their mean over the seeds
    trained that far (thick; the ancestor's epochs, shared by both, in grey), a dotted line
    where each generation starts."""
    import matplotlib.pyplot as plt
    import numpy as np

    recipes = list(summary["curves"])
    fig, axes = plt.subplots(1, len(recipes), figsize=(5.2 * len(recipes), 3.6), sharey=True,
                             squeeze=False)
    for ax, recipe in zip(axes[0], recipes):
        drawn = False
        for arm, (colour, label) in ARMS.items():
            runs = [run for run in summary["curves"][recipe][arm].values() if run["scores"]]
            for run in runs:
                first = run["starts"][0] if run["starts"] else len(run["scores"])
                x = np.arange(1, len(run["scores"]) + 1)
                ax.plot(x[:first], run["scores"][:first], color="0.5", lw=0.5, alpha=0.3)
                ax.plot(x[first - 1:], run["scores"][first - 1:], color=colour, lw=0.6,
                        alpha=0.35)
            if runs:
                drawn = True
                length = min(len(run["scores"]) for run in runs)
                mean = np.mean([run["scores"][:length] for run in runs], axis=0)
                longest = max(runs, key=lambda run: len(run["starts"]))
                first = longest["starts"][0] if longest["starts"] else length
                ax.plot(np.arange(1, min(first, length) + 1), mean[:first], color="0.3", lw=1.5,
                        label="ancestor" if arm == DEFAULT.name else None)
                if length > first:
                    ax.plot(np.arange(first, length + 1), mean[first - 1:], color=colour,
                            lw=1.8, label=f"{label} (mean of {len(runs)} seeds)")
                for g, start in enumerate(longest["starts"], start=1):
                    ax.axvline(start + 0.5, color="0.6", ls=":", lw=0.8)
                    ax.text(start + 1, 0.97, f"gen{g}", transform=ax.get_xaxis_transform(),
                            fontsize=7, color="0.4", va="top")
        if not drawn:
            ax.text(0.5, 0.5, "not trained yet", ha="center", va="center",
                    transform=ax.transAxes, color="0.4")
        ax.set(title=f"{recipe} recipe", xlabel="epoch (ancestor, then each generation)")
        ax.legend(fontsize=7, loc="lower right") if drawn else None
    axes[0][0].set_ylabel("validation adaptive F-beta")
    fig.tight_layout()
    try:
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=150,
                                                          bbox_inches="tight"))
    finally:
        plt.close(fig)


# -- the command line: `python -m evosynth training-curves`, or this module run as a program --

def _command(params, args):
    summary = training_curves(params)
    for recipe, arms in summary["curves"].items():
        for arm, seeds in arms.items():
            trained = {seed: len(run["starts"]) for seed, run in seeds.items() if run["scores"]}
            print(f"{recipe} {arm}: generations trained per seed {trained or 'none yet'}")


COMMAND = Command(
    "training-curves", "stage training-curves: the lineage and its control, epoch by epoch",
    "Read the training records of the default lineage and its dense control under each recipe "
    "(the first recipe's replicate seeds, every best-effort seed trained so far) and draw the "
    "validation adaptive F-beta after every epoch of the ancestor and of each generation in "
    "turn: results/training_curves.json and .png. Reads no network and no test split.", _command,
    group=1, order=5)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
