"""Stage times of the last default `dvc repro` (./dvc.yaml; the beyond pipeline's notebooks
are left out), read from the executed notebooks' papermill metadata.

    python benchmarks/stage_times.py [--experiment book/experiment] [--out benchmarks/results]

Prints a table, and saves `stage_times.json` and `stage_times.png` (one bar per stage, with
the share of the whole pipeline) under --out. The times are those papermill measured while
running each stage, on the machine named in the JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib.pyplot as plt

from evosynth.experiment.provenance import machine_summary

ORDER = ["prepare", "ancestor", "generation", "evaluate"]


def stage_times(experiment: Path) -> dict[str, float]:
    times = {}
    notebooks = [p for p in experiment.glob("*.ipynb") if p.stem.split("_")[0] in ORDER]
    for path in sorted(notebooks, key=lambda p: (ORDER.index(p.stem.split("_")[0]), p.stem)):
        meta = json.loads(path.read_text())["metadata"].get("papermill", {})
        if meta.get("duration") is None:
            raise SystemExit(f"{path}: no papermill duration (was it run by `dvc repro`?)")
        times[path.stem] = float(meta["duration"])
    if not times:
        raise SystemExit(f"{experiment}: no executed notebooks (run `dvc repro` first)")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiment", type=Path, default=Path("book/experiment"),
                        help="folder of executed stage notebooks (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"),
                        help="where to save the JSON and the figure (default: %(default)s)")
    args = parser.parse_args()
    times = stage_times(args.experiment)
    total = sum(times.values())
    print(f"{'stage':<18}{'seconds':>10}{'share':>8}")
    for stage, seconds in times.items():
        print(f"{stage:<18}{seconds:>10.1f}{seconds / total:>8.0%}")
    print(f"{'total':<18}{total:>10.1f}   ({total / 60:.1f} min)")
    args.out.mkdir(parents=True, exist_ok=True)
    machine = machine_summary()  # of this machine: run the script where `dvc repro` ran
    (args.out / "stage_times.json").write_text(json.dumps(
        {"seconds": times, "total_seconds": total, "machine": machine}, indent=2) + "\n")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.barh(list(times)[::-1], list(times.values())[::-1])
    for i, (stage, seconds) in enumerate(list(times.items())[::-1]):
        ax.annotate(f"{seconds / 60:.1f} min ({seconds / total:.0%})", (seconds, i),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set(xlabel="seconds", title=f"Stage times of one `dvc repro` ({total / 60:.1f} min)")
    fig.tight_layout()
    fig.savefig(args.out / "stage_times.png", dpi=120)
    print(f"saved {args.out / 'stage_times.json'} and {args.out / 'stage_times.png'}")


if __name__ == "__main__":
    main()
