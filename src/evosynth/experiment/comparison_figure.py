"""The headline comparison drawn: the evolved lineage, its dense control and the small dense
networks of its sizes, generation by generation.

Its own module so that only the stage that draws it (the merge, ``beyond``) depends on it.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

ARMS: Mapping[str, str] = {   # method key -> legend label, in drawing order
    "darwin/inherit": "evolved (random synthesis, inherit)",
    "dense-control/inherit": "dense control: every synapse kept, trained as long",
    "small-dense/newborn": "small dense network of the evolved size, from scratch, as long",
}
LABELS: Mapping[str, str] = {"f_beta_adaptive": "adaptive $F_\\beta$ (test split)",
                             "f_beta_max": "max $F_\\beta$ (test split)", "mae": "MAE (test split)"}


def arms_by_generation(table: pd.DataFrame, metric: str = "f_beta_adaptive",
                       arms: Mapping[str, str] = ARMS) -> Figure:
    """``metric`` of each arm at each generation: one faint point per seed, a line through the
    mean over seeds, and the evolved lineage's mean reduction written at each generation.

    ``table`` is :func:`evosynth.experiment.study.lineage_table` of one task (columns ``method``, ``seed``,
    ``generation`` as ``gen<k>``, ``reduction`` and ``metric``). Arms without rows are left out.
    """
    missing = {"method", "seed", "generation", "reduction", metric} - set(table.columns)
    if missing:
        raise ValueError(f"arms_by_generation: the table lacks column(s) {sorted(missing)}; "
                         f"expected lineage_table's columns with {metric!r}")
    table = table.assign(k=table["generation"].str.removeprefix("gen").astype(int))
    colours = dict(zip(arms, sns.color_palette("colorblind", len(arms))))
    fig, ax = plt.subplots(figsize=(7.2, 4.2))
    for method, label in arms.items():
        rows = table[table["method"] == method]
        if rows.empty:
            continue
        ax.scatter(rows["k"], rows[metric], s=12, alpha=0.35, color=colours[method], lw=0)
        mean = rows.groupby("k")[metric].mean()
        n = rows.groupby("k")["seed"].nunique()
        seeds = f"{n.min()}" if n.min() == n.max() else f"{n.min()}-{n.max()}"
        ax.plot(mean.index, mean.values, "-o", ms=5, color=colours[method],
                label=f"{label} ({seeds} seeds)")
    evolved = table[table["method"] == next(iter(arms))]
    if not evolved.empty:
        reduction = evolved.groupby("k")["reduction"].mean()
        low = ax.get_ylim()[0]
        for k, r in reduction.items():
            ax.annotate(f"{r:.0f}×" if r >= 10 else f"{r:.1f}×", (k, low), fontsize=8,
                        xytext=(0, 4), textcoords="offset points", ha="center", color="0.3")
    generations = sorted(table["k"].unique())
    ax.set_xticks(generations, [f"gen{k}" + ("\n(ancestor)" if k == 0 else "") for k in generations])
    ax.set_xlabel("generation (bottom: the evolved lineage's synapse reduction, mean over seeds)")
    ax.set_ylabel(LABELS.get(metric, metric.replace("_", " ")))
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 0.06))
    fig.tight_layout()
    return fig
