"""The F(E) sweep, gathered: every queued experiment's ``results/sweep.json`` (from
``dvc exp show --json``) as points of an accuracy-vs-synapses plot, and their frontier."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
import json
import sys
from .cli import Command, arg, main

SWEEP_FILE = "results/sweep.json"


def _sweeps(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every ``results/sweep.json`` metric found anywhere in ``dvc exp show --json`` output."""
    if isinstance(node, Mapping):
        metrics = node.get("metrics")
        if isinstance(metrics, Mapping) and isinstance(metrics.get(SWEEP_FILE), Mapping):
            data = metrics[SWEEP_FILE].get("data")
            if isinstance(data, Mapping) and "factor" in data:
                yield data
        for value in node.values():
            yield from _sweeps(value)
    elif isinstance(node, list):
        for value in node:
            yield from _sweeps(value)


def sweep_points(experiments: Any, metric: str) -> list[dict[str, Any]]:
    """One row per (factor, generation) of every experiment, de-duplicated (the workspace
    and the experiment that produced it show the same file), sorted by factor and generation.
    """
    rows: dict[tuple[float, int], dict[str, Any]] = {}
    for data in _sweeps(experiments):
        for name, entry in data.items():
            if not (name.startswith("gen") and isinstance(entry, Mapping) and metric in entry):
                continue
            g = int(name[3:])
            rows[(float(data["factor"]), g)] = {
                "task": data.get("task"), "factor": float(data["factor"]), "generation": g,
                "synapses": int(entry["synapses"]), "reduction": float(entry["reduction"]),
                metric: float(entry[metric])}
    if not rows:
        raise ValueError(f"no {SWEEP_FILE} with {metric!r} in the experiments: queue and run "
                         "the sweep first (bash scripts/sweep.sh)")
    return [rows[k] for k in sorted(rows)]


def pareto_front(points: Sequence[Mapping[str, Any]], metric: str) -> list[Mapping[str, Any]]:
    """Points that no other point beats on both fewer synapses and a higher ``metric``,
    from the smallest network to the largest."""
    front = [p for p in points if not any(
        q["synapses"] <= p["synapses"] and q[metric] >= p[metric]
        and (q["synapses"] < p["synapses"] or q[metric] > p[metric]) for q in points)]
    return sorted(front, key=lambda p: p["synapses"])


def frontier_table(points: Sequence[Mapping[str, Any]], front: Sequence[Mapping[str, Any]],
                   metric: str) -> str:
    """A Markdown table of every point, the frontier's marked (for the book)."""
    on_front = {(p["factor"], p["generation"]) for p in front}
    lines = [f"| F(E) | generation | synapses | reduction | {metric} | on the frontier |",
             "|---|---|---|---|---|---|"]
    for p in points:
        mark = "yes" if (p["factor"], p["generation"]) in on_front else ""
        lines.append(f"| {p['factor']:g} | {p['generation']} | {p['synapses']:,} | "
                     f"{p['reduction']:.1f}× | {p[metric]:.3f} | {mark} |")
    return "\n".join(lines) + "\n"


def write_frontier(experiments: Any, metric: str = "accuracy", paths: Any = None) -> str:
    """Gather the sweep's points from ``dvc exp show --json`` output and write the frontier
    (JSON, a Markdown table and a figure) under ``results/sweep/``; returns a one-line report."""
    from . import figures
    from ..method.atomic import atomic_write, write_json
    from .paths import Paths

    paths = paths or Paths()
    points = sweep_points(experiments, metric)
    front = pareto_front(points, metric)
    write_json(paths.frontier, {"metric": metric, "points": points, "frontier": front})
    atomic_write(paths.frontier.with_suffix(".md"),
                 lambda tmp: tmp.write_text(frontier_table(points, front, metric)))
    figures.use_style()
    figures.save(figures.sweep_frontier(points, front, metric), paths.frontier_figure)
    return f"{len(points)} points, {len(front)} on the frontier -> {paths.frontier}"


# -- the command line: `python -m evosynth frontier`, or this module run as a program --

def _command(params, args):
    text = sys.stdin.read() if args.experiments == "-" else open(args.experiments).read()
    print(write_frontier(json.loads(text), args.metric))


COMMAND = Command(
    "frontier", "gather the F(E) sweep's experiments into a frontier and a figure",
    "Read `dvc exp show --json` output (a file, or - for stdin), collect every experiment's "
    "results/sweep.json, and write results/sweep/frontier.json and results/sweep/frontier.png.",
    _command, (arg("experiments", help="dvc exp show --json output, or - for stdin"),
           arg("--metric", default="accuracy", help="(default: %(default)s)")),
    params=False, group=2, order=2)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
