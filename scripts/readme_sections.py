"""Fill the README's generated sections from the committed run (tests/book/test_readme.py checks
them): the verdict table (results/verdict.md), the main job's and the training minutes of the
default run (benchmarks/results/stage_times.json, the records' train_seconds), the `dvc repro`
minutes of its rerun on another machine kind (benchmarks/results/rerun/stage_times.json), that
rerun's verdicts (results/reproduction.json) and the cite-this-run sentence (CITATION.cff).

    python scripts/readme_sections.py          # rewrite README.md in place
    python scripts/readme_sections.py --check  # exit 1 when a section is out of date
"""

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from evosynth.method.atomic import atomic_write  # noqa: E402
from evosynth.publish.citation import run_citation  # noqa: E402


def training_minutes(root: Path = ROOT) -> str:
    """The default run's training time (gen0..gen4 ``train_seconds``), in minutes, 1 decimal."""
    seconds = sum(json.loads(path.read_text())["train_seconds"]
                  for path in sorted((root / "results").glob("gen[0-9]/summary.json")))
    return f"{seconds / 60:.1f}"


def main_job_minutes(root: Path = ROOT, times_file: str = "stage_times.json") -> str:
    """The committed default run's `dvc repro`: the sum of its stages' papermill times."""
    times = json.loads((root / "benchmarks" / "results" / times_file).read_text())
    return f"{times['total_seconds'] / 60:.1f}"


def rerun_minutes(root: Path = ROOT) -> str:
    """The same `dvc repro --force`, rerun from a fresh clone on another machine kind."""
    return main_job_minutes(root, "rerun/stage_times.json")


def rerun_verdicts(root: Path = ROOT) -> str:
    """The reproduction check of that rerun, counted by verdict ("5 of 5 generations within
    tolerance")."""
    rows = json.loads((root / "results" / "reproduction.json").read_text())["rows"]
    counts = Counter(row["verdict"] for row in rows)
    return ", ".join(f"{n} of {len(rows)} generations {verdict}"
                     for verdict, n in sorted(counts.items()))


def main_job_table(root: Path = ROOT) -> str:
    """The README's two commands timed on fresh clones, one row per machine kind measured
    (benchmarks/results/main_job/<kind>.json and test_suite/<kind>.json, joined by name); a
    test run with failures says how many failed."""
    results = root / "benchmarks" / "results"
    def records(folder: str) -> dict[str, dict]:
        return {path.stem: json.loads(path.read_text())
                for path in sorted((results / folder).glob("*.json"))}
    main_jobs, suites = records("main_job"), records("test_suite")
    rows = ["| machine kind (2 cores) | precision (`auto`) | `bash scripts/main.sh` | of which "
            "`dvc repro` | `bash scripts/test.sh` | fresh clones of |",
            "|---|---|---:|---:|---:|---|"]
    for name in sorted(set(main_jobs) | set(suites)):
        job, suite = main_jobs.get(name), suites.get(name)
        record = job or suite
        machine = record["machine"]
        kind = record.get("kind") or f"{machine['cpu']}, bf16 kind {machine['cpu_bf16']}"
        precision = "bf16" if machine["cpu_bf16"] in ("amx", "avx512_bf16") else "fp32"
        main = (f"{job['wall_minutes']:.1f} min | {job['dvc_repro_minutes']:.1f} min"
                + ("" if job["exit_status"] == 0 else f" (exit status {job['exit_status']})")
                if job else "not measured | not measured")
        tests = "not measured"
        if suite:   # the suite grows: say how many tests ran, and how many failed
            ran = sum(int(n) for n in re.findall(r"(\d+) (?:passed|failed|errors?)\b",
                                                 suite["summary"]))
            failed = re.search(r"(\d+) failed", suite["summary"])
            tests = f"{suite['total_minutes']:.1f} min ({ran} tests" + (
                f", {failed.group(1)} failed)" if failed else
                ")" if suite["returncode"] == 0 else f", exit status {suite['returncode']})")
        commits = " / ".join(dict.fromkeys(
            r.get("fresh_clone_of", r.get("commit", "?"))[:7] for r in (job, suite) if r))
        rows.append(f"| {kind} | {precision} | {main} | {tests} | {commits} |")
    return "\n" + "\n".join(rows) + "\n"


def sections(root: Path = ROOT) -> dict[str, str]:
    return {"main-job-minutes": main_job_minutes(root),
            "verdict": "\n" + (root / "results" / "verdict_summary.md").read_text().strip() + "\n",
            "training-minutes": training_minutes(root), "rerun-minutes": rerun_minutes(root),
            "rerun-verdicts": rerun_verdicts(root), "main-job-table": main_job_table(root),
            "cite-run": "\n" + run_citation(root / "CITATION.cff") + "\n"}


def fill(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        pattern = re.compile(rf"(<!-- {name} -->)(.*?)(<!-- /{name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md: no <!-- {name} --> ... <!-- /{name} --> section")
        text = pattern.sub(lambda m: m.group(1) + value + m.group(3), text)
    return text


def main() -> int:
    readme = ROOT / "README.md"
    text = readme.read_text()
    filled = fill(text, sections())
    if "--check" in sys.argv[1:]:
        if filled != text:
            print("README.md: generated sections out of date: python scripts/readme_sections.py")
            return 1
        return 0
    atomic_write(readme, lambda path: path.write_text(filled))
    return 0


if __name__ == "__main__":
    sys.exit(main())
