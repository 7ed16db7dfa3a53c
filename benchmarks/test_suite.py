"""How long the README's test command takes on a fresh clone, and where its time goes.

    python benchmarks/test_suite.py --name zen3 [--keep]

Clones this repository's HEAD into a scratch folder, runs ``bash scripts/test.sh
--durations=30`` there (set-up included: a new virtual environment from requirements.lock, the
raw data) and writes ``benchmarks/results/test_suite/<name>.json`` (wall minutes of set-up and
tests, the pytest summary, the 30 slowest tests, the machine) and ``<name>.md``, one pair per
machine kind measured (the README's table joins them with ``main_job/<name>.json``). Run it on a quiet
machine: nothing else training. The same machine kind can be twice as fast one hour as the
next (a shared host): a fixed workload (fp32 matrix products on 2 threads) is timed before and
after the suite, so that two measurements can be compared.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

from evosynth.method.atomic import atomic_write, write_json
from evosynth.experiment.provenance import machine_summary

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cpu_model import cpu_model  # noqa: E402
from fresh_clone import fresh_clone, record_name  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "test_suite"
#: The reference workload: 200 products of two 1024 x 1024 fp32 matrices on 2 threads.
REFERENCE = ("import time, torch; torch.set_num_threads(2); torch.manual_seed(0); "
             "a = torch.randn(1024, 1024); a @ a; t = time.perf_counter(); "
             "[a @ a for _ in range(200)]; print(time.perf_counter() - t)")


def reference_seconds(python: str) -> float:
    """Seconds of the reference workload on this machine now (a fresh process)."""
    done = subprocess.run([python, "-c", REFERENCE], text=True, capture_output=True,
                          check=True)
    return round(float(done.stdout.strip()), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", default="",
                        help="file name of the record, one per machine kind (e.g. amx, zen3)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch clone")
    args = parser.parse_args()
    name = record_name(args.name)
    with fresh_clone("evosynth-tests-", args.keep) as (clone, commit):
        before = reference_seconds(sys.executable)
        start = time.perf_counter()
        setup = subprocess.run(["bash", "scripts/setup.sh"], cwd=clone, text=True,
                               capture_output=True)
        set_up = time.perf_counter() - start
        tests = subprocess.run(["bash", "scripts/test.sh", "--durations=30", "-p",
                                "no:cacheprovider"], cwd=clone, text=True, capture_output=True)
        total = time.perf_counter() - start
        after = reference_seconds(sys.executable)
        out = tests.stdout
        summary = (re.findall(r"^=+ (.*(?:passed|failed).*) =+$", out, re.M) or ["?"])[-1]
        slowest = re.findall(r"^(\d+\.\d+)s (call|setup|teardown)\s+(\S+)$", out, re.M)
        record = {"commit": commit, "returncode": tests.returncode, "setup_returncode":
                  setup.returncode, "setup_minutes": round(set_up / 60, 2),
                  "total_minutes": round(total / 60, 2), "summary": summary,
                  "slowest": [{"seconds": float(s), "phase": p, "test": t}
                              for s, p, t in slowest],
                  "reference_seconds": {"before": before, "after": after},
                  "cpu_model": cpu_model(), "machine": machine_summary()}
    write_json(OUT / f"{name}.json", record)
    rows = ["| seconds | phase | test |", "|---:|---|---|"]
    rows += [f"| {s['seconds']:.1f} | {s['phase']} | `{s['test']}` |" for s in record["slowest"]]
    machine = record["machine"]
    text = (f"`bash scripts/test.sh` on a fresh clone of `{commit[:10]}`: "
            f"{record['total_minutes']:.1f} min in all, of which set-up "
            f"{record['setup_minutes']:.1f} min; {summary}. Machine: {machine['cpu']} "
            f"({record['cpu_model']}; bf16 kind "
            f"{machine['cpu_bf16']}), {machine['cpu_cores']} cores; its speed then: the reference "
            f"workload (200 fp32 1024x1024 products, 2 threads) took {before:.2f} s before the "
            f"suite and {after:.2f} s after.\n\n" + "\n".join(rows) + "\n")
    atomic_write(OUT / f"{name}.md", lambda tmp: tmp.write_text(text))
    print(text)
    if tests.returncode:
        print(out[-4000:])


if __name__ == "__main__":
    main()
