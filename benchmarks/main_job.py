"""How long the README's main command takes on a fresh clone, stage by stage.

    python benchmarks/main_job.py --name zen3 [--keep]

Clones this repository's HEAD into a scratch folder and runs ``bash scripts/main.sh`` there
(set-up included: a new virtual environment from requirements.lock, the raw data; then the
default ``dvc repro``, the reproduction check against the committed run and the book). Writes
``benchmarks/results/main_job/<name>.json``: the wall minutes, each stage's papermill time,
what the main job estimated before training (``python -m evosynth estimate``) and what it found
(``python -m evosynth verify``), and the machine. One file per machine kind measured; the
README's table has one row per file (``scripts/readme_sections.py``), and
``benchmarks/results/main_job.md`` (the book's Reproducibility page includes it) is rebuilt from
all of them (``--report-only`` rebuilds it alone). Run it on a quiet machine: nothing else
training.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from evosynth.method.atomic import atomic_write, write_json
from evosynth.experiment.provenance import machine_summary

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "main_job"
sys.path.insert(0, str(ROOT / "benchmarks"))

from cpu_model import cpu_model  # noqa: E402
from fresh_clone import fresh_clone, record_name  # noqa: E402
from stage_times import ORDER, stage_times  # noqa: E402


def report(records: dict[str, dict]) -> str:
    """Markdown (no headings: a page includes it) of every kind measured: the wall time, what
    the job estimated before training, each stage's time, and its check against the committed
    run."""
    parts = []
    for name, record in sorted(records.items()):
        machine = record["machine"]
        kind = record.get("kind") or f"{machine['cpu']}, bf16 kind {machine['cpu_bf16']}"
        model = f" ({record['cpu_model']})" if record.get("cpu_model") else ""
        status = "" if record["exit_status"] == 0 else f", exit status {record['exit_status']}"
        text = (f"**{kind}**{model}, `main_job/{name}.json`: `bash scripts/main.sh` on a fresh "
                f"clone of `{record['fresh_clone_of']}` took {record['wall_minutes']:.1f} min in "
                f"all{status}, of which `dvc repro` {record['dvc_repro_minutes']:.1f} min.")
        if record.get("estimate"):
            said = "; ".join(line.removeprefix("main: ").rstrip(":") for line in record["estimate"])
            text += f" Before training it said: *{said}*."
        rows = ["| stage | minutes |", "|---|---:|"]
        rows += [f"| {stage} | {seconds / 60:.1f} |"
                 for stage, seconds in sorted(record["stage_seconds"].items(), key=lambda item: (
                     ORDER.index(item[0].split("_")[0]), item[0]))]
        check = record.get("verify", "")
        parts.append(text + "\n\n" + "\n".join(rows) + "\n\n"
                     + (f"Its check against the committed run: {check.removeprefix('main: ')}."
                        if check else "Its check against the committed run was not recorded.")
                     + ("\n\n" + re.sub(r"^#+ (.+)$", r"**\1**", record["verify_table"].strip(),
                                          flags=re.M)  # its heading, bold: no heading here
                        if record.get("verify_table") else ""))
    return "\n\n".join(parts) + "\n"


def write_report() -> None:
    records = {path.stem: json.loads(path.read_text()) for path in sorted(OUT.glob("*.json"))}
    text = report(records)
    atomic_write(OUT.parent / "main_job.md", lambda tmp: tmp.write_text(text))


def run(clone: Path, commit: str) -> tuple[dict, str]:
    """Run the main job in ``clone``; its record and its output."""
    start = time.perf_counter()
    log = clone.parent / "main_job.log"
    with log.open("w") as sink:  # the main job's own output, as a user sees it
        job = subprocess.Popen(["bash", "scripts/main.sh"], cwd=clone, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = []
        for line in job.stdout:
            sink.write(line)
            sink.flush()
            out.append(line)
        job.wait()
    wall = time.perf_counter() - start
    text = "".join(out)
    try:
        seconds = stage_times(clone / "book" / "experiment")
    except SystemExit as missing:  # the job stopped before a stage finished
        print(missing)
        seconds = {}
    estimate = re.findall(r"^main: dvc repro will run .*$", text, re.M)
    step = re.findall(r"^main: a training step takes .*$", text, re.M)
    verify = re.findall(r"^main: (?:the rerun|some generation|the reproduction check).*$",
                        text, re.M)
    record = {"command": "bash scripts/main.sh", "fresh_clone_of": commit[:7],
              "exit_status": job.returncode, "wall_minutes": round(wall / 60, 1),
              "dvc_repro_minutes": round(sum(seconds.values()) / 60, 1),
              "stage_seconds": {stage: round(s, 1) for stage, s in seconds.items()},
              "estimate": step + estimate,   # empty: the report then says nothing of it
              "verify": verify[-1] if verify else "",   # empty: "was not recorded"
              "verify_table": (clone / "results" / "local" / "verify.md").read_text()
              if (clone / "results" / "local" / "verify.md").is_file() else "",
              "note": "set-up (a new .venv from requirements.lock, raw data) and the book "
                      "included; nothing else trained on the machine",
              "cpu_model": cpu_model(),
              "machine": machine_summary()}
    return record, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", default="",
                        help="file name of the record, one per machine kind (e.g. amx, zen3); "
                             "required unless --report-only")
    parser.add_argument("--kind", default="",
                        help="the machine kind in words, for the README's table (default: the "
                             "CPU name and its bf16 kind)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch clone (and the "
                        "job's log beside it)")
    parser.add_argument("--report-only", action="store_true",
                        help="only rebuild benchmarks/results/main_job.md from the records")
    args = parser.parse_args()
    if args.report_only:
        write_report()
        return
    name = record_name(args.name)
    with fresh_clone("evosynth-main-", args.keep) as (clone, commit):
        record, log = run(clone, commit)
    if args.kind:
        record["kind"] = args.kind
    write_json(OUT / f"{name}.json", record)
    write_report()
    print(f"main job: {record['wall_minutes']} min, dvc repro {record['dvc_repro_minutes']} min, "
          f"exit {record['exit_status']}; {OUT / (name + '.json')}")
    if record["exit_status"]:
        print(log[-4000:])


if __name__ == "__main__":
    main()
