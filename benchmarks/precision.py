"""The training step in fp32 and in bf16 on this machine, and what ``precision: auto`` picks.

    python benchmarks/precision.py [--steps 5]

Times the default ancestor's training step (batch and image size of params.yaml) in both
precisions (:func:`evosynth.experiment.estimate.measure_step`), writes
``benchmarks/results/precision/<cpu_bf16>.json`` (one file per bf16 kind: amx, avx512_bf16,
none), and rebuilds ``benchmarks/results/precision.md`` from every kind measured so far: the
ratio bf16 / fp32 says whether bf16 pays on that kind, and ``auto`` should pick the faster one.
Run it on a quiet machine (nothing else training).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from evosynth.method.atomic import atomic_write, write_json
from evosynth.experiment.config import load_params
from evosynth.experiment.estimate import measure_step
from evosynth.experiment.provenance import machine_summary
from evosynth.method.training import resolve_precision, select_device

OUT = Path(__file__).resolve().parent / "results"


def table(records: list[dict]) -> str:
    rows = ["| machine | bf16 kind | fp32 ms/step | bf16 ms/step | bf16 / fp32 | `auto` picks |",
            "|---|---|---:|---:|---:|---|"]
    for r in sorted(records, key=lambda r: r["machine"]["cpu_bf16"]):
        m = r["machine"]
        rows.append(f"| {m['cpu']} ({m['cpu_capability']}, {m['torch_threads']} threads) | "
                    f"{m['cpu_bf16']} | {1000 * r['fp32']:.0f} | {1000 * r['bf16']:.0f} | "
                    f"{r['bf16'] / r['fp32']:.2f} | {r['auto']} |")
    return "\n".join(rows) + (
        "\n\nThe default ancestor's training step (batch 32, 64×64 images, Adam), timed by "
        "`python benchmarks/precision.py` on each kind; `auto` is `train.precision`'s default.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    params = load_params("params.yaml")
    record = {"fp32": measure_step(params, args.steps, precision="fp32").seconds,
              "bf16": measure_step(params, args.steps, precision="bf16").seconds,
              "auto": resolve_precision("auto", select_device(params.ancestor.train.device)),
              "steps": args.steps, "machine": machine_summary()}
    write_json(OUT / "precision" / f"{record['machine']['cpu_bf16']}.json", record)
    records = [json.loads(p.read_text()) for p in sorted((OUT / "precision").glob("*.json"))]
    text = table(records)
    atomic_write(OUT / "precision.md", lambda tmp: tmp.write_text(text))
    print(text)


if __name__ == "__main__":
    main()
