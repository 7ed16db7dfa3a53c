"""The training step in fp32 and in bf16 on this machine, what ``precision: auto`` picks, and
whether this machine computes it bit for bit like the other kinds measured.

    python benchmarks/precision.py [--steps 5] [--name zen3]

Times the default ancestor's training step (batch and image size of params.yaml) in both
precisions (:func:`evosynth.experiment.estimate.measure_step`), writes
``benchmarks/results/precision/<name>.json`` (one file per machine kind; the name defaults to
the bf16 kind: amx, avx512_bf16, none), and rebuilds ``benchmarks/results/precision.md`` from every kind measured so far: the
ratio bf16 / fp32 says whether bf16 pays on that kind, and ``auto`` should pick the faster one.
Each precision's record also keeps the digest of the network's weights after the timed steps
(:func:`evosynth.experiment.estimate.weights_digest`): two kinds with equal digests trained
those steps bit for bit alike, so a seed's stages may move between them (the campaign keeps
each seed on one kind, beyond/dvc.yaml). Run it on a quiet machine (nothing else training).
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


def same_bits(records: list[dict], precision: str) -> list[str]:
    """For each record, the names of the other records whose ``precision`` digest equals its
    own after as many steps (``-`` where none does, ``not recorded`` where the record has no
    digest: recorded before digests were)."""
    key = f"{precision}_digest"
    cells = []
    for r in records:
        if not r.get(key):
            cells.append("not recorded")
            continue
        alike = [o["name"] for o in records if o is not r and o.get(key) == r[key]
                 and o.get("steps") == r.get("steps")]
        cells.append(", ".join(alike) or "-")
    return cells


def table(records: list[dict]) -> str:
    rows = ["| record | machine | fp32 ms/step | bf16 ms/step | bf16 / fp32 | `auto` picks | "
            "same bits as |", "|---|---|---:|---:|---:|---|---|"]
    for r, fp32, bf16 in zip(records, same_bits(records, "fp32"), same_bits(records, "bf16")):
        m = r["machine"]
        model = f", {r['cpu_model']}" if r.get("cpu_model") else ""
        rows.append(f"| {r['name']} | {m['cpu']}{model} ({m['cpu_capability']}, bf16: "
                    f"{m['cpu_bf16']}, {m['torch_threads']} threads) | {1000 * r['fp32']:.0f} | "
                    f"{1000 * r['bf16']:.0f} | {r['bf16'] / r['fp32']:.2f} | {r['auto']} | "
                    f"{_bits(fp32, bf16)} |")
    return "\n".join(rows) + (
        "\n\nThe default ancestor's training step (batch 32, 64×64 images, Adam), timed by "
        "`python benchmarks/precision.py` on each kind; `auto` is `train.precision`'s default. "
        "*Same bits as*: the records whose network, after the same timed steps (same seed, "
        "random images) in that precision, has the same weights bit for bit (the digest of "
        "its state).\n")


def _bits(fp32: str, bf16: str) -> str:
    missing = "not recorded"
    return missing if fp32 == bf16 == missing else f"fp32: {fp32}; bf16: {bf16}"


def load_records(folder: Path) -> list[dict]:
    """Every record of ``folder``, named by its file."""
    return [{**json.loads(p.read_text()), "name": p.stem} for p in sorted(folder.glob("*.json"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=5, help="steps timed (default: %(default)s)")
    parser.add_argument("--name", default="", help="the record's file name (default: the bf16 "
                        "kind; name kinds that share one apart, e.g. zen1 and zen3)")
    args = parser.parse_args()
    if args.steps < 1:
        raise SystemExit(f"--steps {args.steps}: expected a positive number of steps")
    params = load_params("params.yaml")
    fp32 = measure_step(params, args.steps, precision="fp32")
    bf16 = measure_step(params, args.steps, precision="bf16")
    record = {"fp32": fp32.seconds, "bf16": bf16.seconds,
              "auto": resolve_precision("auto", select_device(params.ancestor.train.device)),
              "steps": args.steps, "fp32_digest": fp32.digest, "bf16_digest": bf16.digest,
              "cpu_model": cpu_model(), "machine": machine_summary()}
    write_json(OUT / "precision" / f"{args.name or record['machine']['cpu_bf16']}.json", record)
    text = table(load_records(OUT / "precision"))
    atomic_write(OUT / "precision.md", lambda tmp: tmp.write_text(text))
    print(text)


if __name__ == "__main__":
    main()
