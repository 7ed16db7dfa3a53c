"""The dense network's validation learning curve and the rule that fixes the ancestor's epochs.

The ancestor is trained with the recipe of ``ancestor.train`` for each budget of
``learning_curve.budgets`` (each budget its own run, with its own full learning-rate schedule,
so a budget's score is what an ancestor trained that long scores). The ancestor's epochs are
the smallest budget whose final validation adaptive F-beta is within ``tolerance`` of the best
budget's (:func:`chosen_budget`): the shortest training that is as good as the longest we
measured. Only the validation split is read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: The score the rule reads (the validation split's, at the end of training).
CURVE_METRIC = "f_beta_adaptive"


def chosen_budget(scores: Mapping[int, float], tolerance: float) -> int:
    """The smallest budget whose score is at least ``max(scores) - tolerance``.

    ``scores`` maps a budget of epochs to its final validation score; raises ``ValueError``
    for an empty curve or a negative tolerance."""
    if not scores:
        raise ValueError("the learning curve has no budget: run its stages first")
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    best = max(scores.values())
    return min(b for b, score in scores.items() if score >= best - tolerance)


def curve_scores(points: Sequence[Mapping[str, Any]]) -> dict[int, float]:
    """``{budget: final validation score}`` of the learning curve's records."""
    return {int(p["budget"]): float(p["val"][CURVE_METRIC]) for p in points}


def draw_learning_curve(points: Sequence[Mapping[str, Any]], tolerance: float,
                        path: str | os.PathLike[str]) -> Path:
    """Two panels, written to ``path`` (PNG, atomically): the validation score after every
    epoch of each budget's run, and each budget's final score, with the band of the rule
    (best - tolerance) and the chosen budget marked."""
    import matplotlib.pyplot as plt

    from ..method.atomic import atomic_write
    scores = curve_scores(points)
    chosen = chosen_budget(scores, tolerance)
    best = max(scores.values())
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for p in sorted(points, key=lambda p: p["budget"]):
        epochs = [r["epoch"] for r in p["history"]]
        values = [r[f"val/{CURVE_METRIC}"] for r in p["history"]]
        left.plot(epochs, values, label=f"{p['budget']} epochs", lw=1.5)
    left.set(xlabel="epoch", ylabel="validation adaptive F-beta",
             title="Each budget's run, epoch by epoch")
    left.legend(fontsize=8)
    budgets = sorted(scores)
    right.plot(budgets, [scores[b] for b in budgets], "o-", color="C0")
    right.axhspan(best - tolerance, best, color="C2", alpha=0.2,
                  label=f"within {tolerance:g} of the best")
    right.plot([chosen], [scores[chosen]], "*", ms=16, color="C3",
               label=f"chosen: {chosen} epochs")
    right.set_xscale("log", base=2)
    right.set_xticks(budgets, [str(b) for b in budgets])
    right.set(xlabel="budget (epochs, each its own run)", ylabel="final validation adaptive F-beta",
              title="The rule: the smallest budget within the band")
    right.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    try:
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=150,
                                                          bbox_inches="tight"))
    finally:
        plt.close(fig)


def draw_offspring_curves(points: Sequence[Mapping[str, Any]], chosen: Mapping[str, int | None],
                          tolerance: float, path: str | os.PathLike[str]) -> Path:
    """One panel per offspring curve (``<init>-<gen>``), written to ``path`` (PNG,
    atomically): the validation score after every epoch of each budget's run, each budget's
    final score as a dot, the band of the rule (the curve's best - tolerance) and the pick as a
    star (none while the curve is incomplete or at its edge)."""
    import matplotlib.pyplot as plt

    from ..method.atomic import atomic_write
    curves = sorted({p["curve"] for p in points},
                    key=lambda c: (c.split("-", 1)[1], c.split("-", 1)[0]))
    fig, axes = plt.subplots(1, len(curves), figsize=(3.6 * len(curves), 3.6), sharey=True,
                             squeeze=False)
    for ax, curve in zip(axes[0], curves):
        mine = sorted((p for p in points if p["curve"] == curve), key=lambda p: p["budget"])
        for p in mine:
            epochs = [r["epoch"] for r in p["history"]]
            ax.plot(epochs, [r[f"val/{CURVE_METRIC}"] for r in p["history"]], lw=1.2,
                    label=f"{p['budget']} epochs")
        scores = curve_scores(mine)
        best = max(scores.values())
        ax.plot(list(scores), list(scores.values()), "ko", ms=4)
        ax.axhspan(best - tolerance, best, color="C2", alpha=0.2)
        pick = chosen.get(curve)
        if pick is not None:
            ax.plot([pick], [scores[pick]], "*", ms=15, color="C3", label=f"chosen: {pick}")
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted(scores), [str(b) for b in sorted(scores)])
        ax.set(title=curve, xlabel="epoch (log scale)")
        ax.legend(fontsize=7, loc="lower right")
    axes[0][0].set_ylabel("validation adaptive F-beta")
    fig.tight_layout()
    try:
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=150,
                                                          bbox_inches="tight"))
    finally:
        plt.close(fig)

