"""The training step in fp32 and in bf16 on this machine, and what ``precision: auto`` picks.

    python benchmarks/precision.py [--steps 5] [--name zen3]

Times the default ancestor's training step (batch and image size of params.yaml) in both
precisions (:func:`evosynth.experiment.estimate.measure_step`), writes
``benchmarks/results/precision/<name>.json`` (one file per machine kind; the name defaults to
the bf16 kind: amx, avx512_bf16, none), and rebuilds ``benchmarks/results/precision.md`` from every kind measured so far: the
ratio bf16 / fp32 says whether bf16 pays on that kind, and ``auto`` should pick the faster one.
Run it on a quiet machine (nothing else training).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from evosynth.method.atomic import atomic_write, write_json
from evosynth.experiment.config import load_params
from evosynth.experiment.estimate import measure_step
from evosynth.experiment.provenance import machine_summary
from evosynth.method.training import resolve_precision, select_device

OUT = Path(__file__).resolve().parent / "results"
sys.path.insert(0, str(OUT.parent))

from cpu_model import cpu_model  # noqa: E402


def table(records: list[dict]) -> str:
    rows = ["| machine | bf16 kind | fp32 ms/step | bf16 ms/step | bf16 / fp32 | `auto` picks |",
            "|---|---|---:|---:|---:|---|"]
    for r in records:
        m = r["machine"]
        model = f", {r['cpu_model']}" if r.get("cpu_model") else ""
        rows.append(f"| {m['cpu']}{model} ({m['cpu_capability']}, {m['torch_threads']} threads) | "
                    f"{m['cpu_bf16']} | {1000 * r['fp32']:.0f} | {1000 * r['bf16']:.0f} | "
                    f"{r['bf16'] / r['fp32']:.2f} | {r['auto']} |")
    return "\n".join(rows) + (
        "\n\nThe default ancestor's training step (batch 32, 64×64 images, Adam), timed by "
        "`python benchmarks/precision.py` on each kind; `auto` is `train.precision`'s default.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=5, help="steps timed (default: %(default)s)")
    parser.add_argument("--name", default="", help="the record's file name (default: the bf16 "
                        "kind; name kinds that share one apart, e.g. zen1 and zen3)")
    args = parser.parse_args()
    if args.steps < 1:
        raise SystemExit(f"--steps {args.steps}: expected a positive number of steps")
    params = load_params("params.yaml")
    record = {"fp32": measure_step(params, args.steps, precision="fp32").seconds,
              "bf16": measure_step(params, args.steps, precision="bf16").seconds,
              "auto": resolve_precision("auto", select_device(params.ancestor.train.device)),
              "steps": args.steps, "cpu_model": cpu_model(), "machine": machine_summary()}
    write_json(OUT / "precision" / f"{args.name or record['machine']['cpu_bf16']}.json", record)
    records = [json.loads(p.read_text()) for p in sorted((OUT / "precision").glob("*.json"))]
    text = table(records)
    atomic_write(OUT / "precision.md", lambda tmp: tmp.write_text(text))
    print(text)


if __name__ == "__main__":
    main()
