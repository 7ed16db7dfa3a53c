"""Figures of the book, in one style: each function returns a matplotlib Figure."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
import torch
from matplotlib.figure import Figure

from ..method.atomic import atomic_write

if TYPE_CHECKING:   # types only: drawing needs none of the training code
    from ..method.data import SaliencySet
    from ..method.genetics import LayerReport
    from ..method.metrics import SaliencyScores


def save(fig: Figure, path: str | os.PathLike[str], dpi: int = 150) -> Path:
    """Write ``fig`` as a PNG file, atomically; returns the path."""
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=dpi))


def use_style() -> None:
    """The book's one figure style."""
    sns.set_theme(context="notebook", style="whitegrid", palette="viridis")
    plt.rcParams.update({"figure.dpi": 110, "savefig.bbox": "tight", "axes.titleweight": "bold"})


def _generation_colours(names: Sequence[str]) -> dict[str, tuple]:
    return dict(zip(names, sns.color_palette("viridis", len(names))))


def samples(split: SaliencySet, n: int = 8, title: str = "") -> Figure:
    """``n`` images of a split above their ground-truth masks."""
    n = min(n, len(split))
    fig, axes = plt.subplots(2, n, figsize=(1.4 * n, 3.0), squeeze=False)
    for i in range(n):
        axes[0, i].imshow(split.images[i])
        axes[1, i].imshow(split.masks[i], cmap="gray", vmin=0, vmax=1)
    for ax in axes.flat:
        ax.set_xticks([]), ax.set_yticks([]), ax.grid(False)
    axes[0, 0].set_ylabel("image")
    axes[1, 0].set_ylabel("ground truth")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def training_curve(losses: Mapping[str, Sequence[float]]) -> Figure:
    """Mean training loss per epoch of each named network."""
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for name, values in losses.items():
        ax.plot(range(1, len(values) + 1), values, marker="o", label=name)
    ax.set(xlabel="epoch", ylabel="training loss (BCE)", title="Training")
    ax.legend()
    fig.tight_layout()
    return fig


def lineage_training(histories: Mapping[str, Sequence[Mapping[str, float]]]) -> Figure:
    """Training loss and validation F-beta of every generation, epoch by epoch, on one axis of
    epochs counted from the ancestor's first (each offspring starts from its parent)."""
    colours = _generation_colours(list(histories))
    fig, (loss_ax, val_ax) = plt.subplots(1, 2, figsize=(9, 3.4), sharex=True)
    start = 0
    for name, history in histories.items():
        epochs = [start + int(r["epoch"]) for r in history]
        loss_ax.plot(epochs, [r["train/loss"] for r in history], marker=".", color=colours[name],
                     label=name)
        if history and "val/f_beta_adaptive" in history[0]:
            val_ax.plot(epochs, [r["val/f_beta_adaptive"] for r in history], marker=".",
                        color=colours[name], label=name)
        for ax in (loss_ax, val_ax):
            ax.axvline(start + 0.5, color="0.8", lw=0.8, zorder=0)
        start = epochs[-1] if epochs else start
    loss_ax.set(xlabel="epoch of the lineage", ylabel="training loss (BCE)",
                title="Training loss")
    val_ax.set(xlabel="epoch of the lineage", ylabel="adaptive F-beta (validation)",
               title="Validation after every epoch")
    val_ax.legend(fontsize="small", ncols=2)
    fig.tight_layout()
    return fig


def probability_histogram(probabilities: Mapping[str, torch.Tensor], factor: float,
                          parent_masks: Mapping[str, torch.Tensor]) -> Figure:
    """Distribution of the parent's synaptic probabilities P(s|w) and of F(E)·P(s|w)."""
    values = torch.cat([p[parent_masks[n]].flatten() for n, p in probabilities.items()]).numpy()
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    bins = np.linspace(0, 1, 51)
    ax.hist(values, bins=bins, alpha=0.7, label="P(s | w)")
    ax.hist(values * factor, bins=bins, alpha=0.7, label=f"F(E)·P(s | w), F(E) = {factor:.3f}")
    ax.set(xlabel="probability", ylabel="alive synapses of the parent", yscale="log",
           title="Synaptic probability model")
    ax.legend()
    fig.tight_layout()
    return fig


def layer_survival(parent: Sequence[LayerReport], child: Sequence[LayerReport]) -> Figure:
    """Alive synapses per layer, parent beside offspring (log scale)."""
    names = [r.name.removesuffix(".weight") for r in parent]
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(max(5.0, 0.55 * len(names)), 3.6))
    ax.bar(x - 0.2, [r.synapses_alive for r in parent], 0.4, label="parent")
    ax.bar(x + 0.2, [r.synapses_alive for r in child], 0.4, label="offspring")
    ax.set_xticks(x, names, rotation=60, ha="right")
    ax.set(yscale="log", ylabel="alive synapses", title="Synapses per layer")
    ax.legend()
    fig.tight_layout()
    return fig


def synapses_per_generation(metrics: Mapping[str, Mapping[str, float]]) -> Figure:
    """Synapses of every generation (log scale), annotated with the reduction factor."""
    names = list(metrics)
    counts = [metrics[n]["synapses"] for n in names]
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    bars = ax.bar(names, counts, color=list(_generation_colours(names).values()))
    for bar, name in zip(bars, names):
        ax.annotate(f"{metrics[name]['reduction']:.1f}×", (bar.get_x() + bar.get_width() / 2,
                    bar.get_height()), ha="center", va="bottom", fontsize=9)
    ax.set(yscale="log", ylabel="synapses", xlabel="generation",
           title="Synapses per generation (reduction vs ancestor)")
    fig.tight_layout()
    return fig


def pr_curves(scores: Mapping[str, SaliencyScores]) -> Figure:
    """Precision-recall curves (left) and F-beta against synapses (right)."""
    colours = _generation_colours(list(scores))
    fig, ax = plt.subplots(figsize=(5, 4))
    for name, s in scores.items():
        ax.plot(s.recall.numpy(), s.precision.numpy(), color=colours[name],
                label=f"{name} (max F = {s.f_beta_max:.3f})")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02),
           title="Precision-recall on the test split")
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def accuracy_vs_synapses(metrics: Mapping[str, Mapping[str, float]]) -> Figure:
    """Adaptive and max F-beta of each generation against its synapses."""
    names = list(metrics)
    synapses = [metrics[n]["synapses"] for n in names]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for key, marker in (("f_beta_adaptive", "o"), ("f_beta_max", "s")):
        ax.plot(synapses, [metrics[n][key] for n in names], marker=marker, label=key)
    for name, x, y in zip(names, synapses, [metrics[n]["f_beta_max"] for n in names]):
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(0, 6), ha="center",
                    fontsize=8)
    ax.set(xscale="log", xlabel="synapses", ylabel="F-beta (β² = 0.3)",
           title="Accuracy against synapses")
    ax.invert_xaxis()
    ax.legend()
    fig.tight_layout()
    return fig


def saliency_examples(images: np.ndarray, masks: np.ndarray,
                      maps: Mapping[str, np.ndarray]) -> Figure:
    """Image, ground truth and the saliency map of every generation, one row per image."""
    n, cols = len(images), 2 + len(maps)
    fig, axes = plt.subplots(n, cols, figsize=(1.3 * cols, 1.3 * n), squeeze=False)
    for i in range(n):
        axes[i, 0].imshow(images[i])
        axes[i, 1].imshow(masks[i], cmap="gray", vmin=0, vmax=1)
        for j, saliency in enumerate(maps.values()):
            axes[i, 2 + j].imshow(saliency[i], cmap="gray", vmin=0, vmax=1)
    for j, title in enumerate(["image", "ground truth", *maps]):
        axes[0, j].set_title(title, fontsize=9)
    for ax in axes.flat:
        ax.set_xticks([]), ax.set_yticks([]), ax.grid(False)
    fig.tight_layout()
    return fig


def survival_heatmap(layers: Mapping[str, Sequence[LayerReport]]) -> Figure:
    """Fraction of each layer's synapses alive (rows: layers, columns: generations)."""
    names = list(layers)
    rows = [r.name.removesuffix(".weight") for r in layers[names[0]]]
    density = np.array([[r.density for r in layers[n]] for n in names]).T
    fig, ax = plt.subplots(figsize=(1.1 * len(names) + 3.0, 0.36 * len(rows) + 1.4))
    shown = np.log10(np.clip(density, 1e-4, 1))
    sns.heatmap(shown, ax=ax, cmap="viridis", vmin=min(-2.0, float(shown.min())), vmax=0,
                annot=np.vectorize(lambda d: f"{100 * d:.1f}")(density), fmt="",
                annot_kws={"fontsize": 7}, xticklabels=names, yticklabels=rows,
                cbar_kws={"label": "log10(fraction alive)"})
    ax.set(xlabel="generation", ylabel="layer", title="Synapses alive per layer (%)")
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    return fig


def weight_distributions(weights: Mapping[str, np.ndarray],
                         probabilities: Mapping[str, np.ndarray]) -> Figure:
    """Histograms of |w| (left) and of P(s|w) (right) of the alive synapses of each generation."""
    colours = _generation_colours(list(weights))
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    top = max(float(w.max()) for w in weights.values() if w.size)
    low = max(min(float(np.quantile(w, 0.001)) for w in weights.values() if w.size), top * 1e-5)
    bins = np.geomspace(low, top, 60)
    for name, w in weights.items():
        left.hist(np.clip(w, low, top), bins=bins, histtype="step", lw=1.5, density=True,
                  color=colours[name], label=name)
        right.hist(probabilities[name], bins=np.linspace(0, 1, 51), histtype="step", lw=1.5,
                   density=True, color=colours[name], label=name)
    left.set(xscale="log", xlabel="|w| of alive synapses", ylabel="density",
             title="Synaptic strengths")
    right.set(xlabel="P(s | w)", ylabel="density", yscale="log",
              title="Synaptic probability model")
    right.axvline(np.exp(-1), color="grey", ls=":", lw=1)
    right.annotate("1/e", (np.exp(-1), 1), xycoords=("data", "axes fraction"),
                   xytext=(3, -12), textcoords="offset points", fontsize=8, color="grey")
    left.legend(fontsize=8)
    fig.tight_layout()
    return fig


def synthesis_process(masks: Mapping[str, Mapping[str, torch.Tensor]], layer: str | None = None,
                      max_channels: int = 96) -> Figure:
    """The evolutionary synthesis process, drawn from the real masks of one layer.

    Each panel is one generation; each pixel a pair (output neuron, input neuron) of
    ``layer`` (default: the ancestor's layer with the most synapses), its shade the fraction
    of the pair's kernel synapses still alive. Only the first ``max_channels`` neurons of each
    side are shown, so that single synapses stay visible.
    """
    names = list(masks)
    if layer is None:
        first = masks[names[0]]
        layer = max(first, key=lambda n: first[n].numel())
    fig, axes = plt.subplots(1, len(names), figsize=(2.0 * len(names) + 1.2, 2.9),
                             squeeze=False)
    for ax, name in zip(axes[0], names):
        mask = masks[name][layer]
        pairs = mask.reshape(mask.shape[0], mask.shape[1], -1).float().mean(dim=2)
        pairs = pairs[:max_channels, :max_channels].numpy()
        image = ax.imshow(pairs, cmap="Greens", vmin=0, vmax=1, interpolation="nearest")
        alive, total = int(mask.sum()), mask.numel()
        ax.set_title(f"{name}: {100 * alive / total:.1f}%\nalive", fontsize=9)
        ax.set_xticks([]), ax.set_yticks([]), ax.grid(False)
    axes[0, 0].set_ylabel("output neuron")
    for ax in axes[0]:
        ax.set_xlabel("input neuron", fontsize=8)
    fig.colorbar(image, ax=axes[0].tolist(), shrink=0.8, label="fraction of kernel alive")
    fig.suptitle(f"Evolutionary synthesis of layer {layer.removesuffix('.weight')}",
                 fontweight="bold")
    return fig


def study_curves(summaries: Sequence[Any], metrics: Mapping[str, str]) -> Figure:
    """One panel per study task: the task's metric (mean ± standard deviation over seeds)
    against the reduction in synapses, one line per method.

    ``summaries`` are :class:`evosynth.experiment.study.Summary` rows; ``metrics`` maps each task to the
    metric its panel shows.
    """
    tasks = list(metrics)
    cols = min(2, len(tasks))          # two panels a row: readable at the book's column width
    rows = -(-(len(tasks) + 1) // cols) if len(tasks) > 1 else 1   # + a cell for the legend
    fig, grid = plt.subplots(rows, cols, figsize=(4.8 * cols, 3.4 * rows), squeeze=False)
    axes = [list(grid.flat)]
    methods = sorted({s.method for s in summaries})
    colours = dict(zip(methods, sns.color_palette("colorblind", len(methods))))
    for ax, task in zip(axes[0], tasks):
        for method in methods:
            rows = sorted((s for s in summaries if s.task == task and s.method == method
                           and s.metric == metrics[task]), key=lambda s: s.generation)
            if not rows:
                continue
            x = [s.reduction for s in rows]
            y = np.array([s.mean for s in rows])
            err = np.nan_to_num(np.array([s.std for s in rows]))
            style = "-" if method.startswith("darwin") else "--"   # Darwin's arms solid
            ax.plot(x, y, style, marker="o", ms=4, color=colours[method], label=method)
            ax.fill_between(x, y - err, y + err, color=colours[method], alpha=0.15, lw=0)
        ax.set_xscale("log")
        ax.set_xlabel("reduction in synapses (×, log scale)")
        ax.set_ylabel(metrics[task].replace("_", " "))
        ax.set_title(task)
    handles, labels = axes[0][0].get_legend_handles_labels()
    spare = axes[0][len(tasks):]
    for ax in spare:
        ax.axis("off")
    if spare:
        spare[0].legend(handles, labels, loc="center", fontsize=9, frameon=False)
    else:
        fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9,
                   frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout()
    return fig


def sweep_frontier(points: Sequence[Mapping[str, Any]], front: Sequence[Mapping[str, Any]],
                   metric: str) -> Figure:
    """Every (F(E), generation) point of the sweep: ``metric`` against alive synapses, one
    colour per environmental factor, the frontier drawn through the undominated points."""
    factors = sorted({p["factor"] for p in points})
    colours = dict(zip(factors, sns.color_palette("viridis", len(factors))))
    fig, ax = plt.subplots(figsize=(6, 4))
    for f in factors:
        rows = sorted((p for p in points if p["factor"] == f), key=lambda p: p["generation"])
        ax.plot([p["synapses"] for p in rows], [p[metric] for p in rows], "-o", ms=4,
                color=colours[f], label=f"F(E) = {f:g}")
        for p in rows:
            ax.annotate(str(p["generation"]), (p["synapses"], p[metric]), fontsize=7,
                        xytext=(3, 3), textcoords="offset points", color=colours[f])
    ax.plot([p["synapses"] for p in front], [p[metric] for p in front], "k--", lw=1,
            label="frontier")
    ax.set_xscale("log")
    ax.set_xlabel("alive synapses (log scale; labels: generation)")
    ax.set_ylabel(metric.replace("_", " "))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
