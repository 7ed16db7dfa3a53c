"""Reproduction check: the working tree's results against the committed ones.

``python -m evosynth verify`` compares ``results/metrics.json`` and the model hashes that DVC
recorded in ``dvc.lock`` in the working tree with the same files at a git revision (``HEAD`` by
default). Each generation gets one verdict:

``bit-identical``
    every metric is exactly equal, and so is the DVC hash (md5) of the generation's
    ``models/genK`` output; when a hash is not available on either side, the report says so
    and the verdict rests on the metrics alone.
``within tolerance``
    every metric differs from the committed one by no more than the tolerance (below): a rerun
    on another CPU capability, PyTorch build or thread count, which is not bit-identical.
``not reproduced``
    a metric lies outside the tolerance, or the generation is missing on one side.

The tolerance is not a number chosen by hand: it is ``K`` times the largest spread over seeds
of a ``darwin``/``inherit`` lineage across its generations (:func:`derive_tolerance`), taken
from the committed results (:func:`committed_tolerance`): the default network's own seeds (the
default pipeline and its replicates, ``saliency-default`` in ``results/beyond.json``) where at
least two are committed, else the seed study's smaller saliency lineage
(``results/study/saliency.json``). A rerun that moves a score by less than the seeds
themselves move it reproduces the result; one that moves it by more does not.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..method.atomic import write_json
from ..hparams import DEFAULT_TASK
from ..experiment.cli import Command, arg, main

#: How many standard deviations of the seed-to-seed spread a rerun may move a metric and still
#: count as reproduced. 3 standard deviations: a rerun that differs only in the rounding of
#: floating-point sums stays far inside; one that lands beyond where three seeds' spread reaches
#: is a different result.
K = 3

METRICS_FILE = "results/metrics.json"
LOCK_FILE = "dvc.lock"
STUDY_FILE = "results/study/saliency.json"
BEYOND_FILE = "results/beyond.json"

#: The metrics of one generation, in report order.
METRICS = ("synapses", "reduction", "f_beta_adaptive", "f_beta_max", "mae")
#: Metrics compared with an absolute tolerance (scores in [0, 1]).
SCORES = ("f_beta_adaptive", "f_beta_max", "mae")
#: Metrics compared with a relative tolerance (counts and ratios of counts).
SIZES = ("synapses", "reduction")

#: The lineage of the seed study whose spread sets the tolerance: the paper's method.
STUDY_TASK, STUDY_METHOD, STUDY_MODE = "saliency", "darwin", "inherit"
#: The default network's task in ``beyond.json``: its replicates' spread is preferred.
REPLICATE_TASK = DEFAULT_TASK

BIT_IDENTICAL = "bit-identical"
WITHIN_TOLERANCE = "within tolerance"
NOT_REPRODUCED = "not reproduced"


class VerifyError(ValueError):
    """A user error: a file missing or unreadable, a bad revision, not a git repository."""


@dataclass(frozen=True)
class Tolerance:
    """How far a rerun's metric may lie from the committed one and still reproduce it.

    ``f_beta_adaptive``, ``f_beta_max`` and ``mae`` are absolute; ``relative`` applies to
    ``synapses`` and ``reduction`` as a fraction of the committed value.
    """

    f_beta_adaptive: float
    f_beta_max: float
    mae: float
    relative: float
    k: float
    #: Where the numbers come from: the file, the keys, the statistic and ``k``.
    source: str

    def allowed(self, metric: str, committed: float) -> float:
        """The largest absolute difference allowed for ``metric`` around ``committed``."""
        if metric in SIZES:
            return self.relative * abs(committed)
        return getattr(self, metric)

    def describe(self) -> str:
        return (f"|difference| <= {self.f_beta_adaptive:.3g} (f_beta_adaptive), "
                f"{self.f_beta_max:.3g} (f_beta_max), {self.mae:.3g} (mae), "
                f"{self.relative:.3%} of the committed value (synapses, reduction)")


def derive_tolerance(study: Mapping[str, Any], k: float = K,
                     source_file: str = STUDY_FILE, task: str = STUDY_TASK) -> Tolerance:
    """The tolerance from the seed-to-seed spread of results keyed like the study's.

    For every generation ``g``, the sample standard deviation (n - 1 in the denominator) over
    the seeds of ``<task>/darwin/inherit/seed*/gen<g>`` is taken: of ``f_beta_adaptive``,
    ``f_beta_max`` and ``mae`` for their absolute tolerances, and of ``reduction`` divided by
    its mean over the seeds (the coefficient of variation) for the relative tolerance of
    ``synapses`` and ``reduction``. Each tolerance is ``k`` times the largest of these over the
    generations.
    """
    pattern = re.compile(rf"{re.escape(task)}/{STUDY_METHOD}/{STUDY_MODE}/seed(\d+)/gen(\d+)")
    by_generation: dict[int, dict[int, Mapping[str, Any]]] = {}
    for key, value in study.items():
        match = pattern.fullmatch(key)
        if match:
            by_generation.setdefault(int(match.group(2)), {})[int(match.group(1))] = value
    keys = f"{task}/{STUDY_METHOD}/{STUDY_MODE}/seed*/gen*"
    if not by_generation:
        raise VerifyError(f"{source_file}: no {keys} entries to derive the tolerance from")
    seeds = sorted({seed for runs in by_generation.values() for seed in runs})
    spread: dict[str, list[float]] = {name: [] for name in (*SCORES, "relative")}
    for generation, runs in sorted(by_generation.items()):
        if len(runs) < 2:
            raise VerifyError(f"{source_file}: gen{generation} of {keys} has "
                              f"{len(runs)} seed; the spread over seeds needs at least 2")
        try:
            for name in SCORES:
                spread[name].append(statistics.stdev(float(run[name]) for run in runs.values()))
            reductions = [float(run["reduction"]) for run in runs.values()]
        except (KeyError, TypeError, ValueError) as error:
            raise VerifyError(f"{source_file}: gen{generation} of {keys}: bad or missing "
                              f"metric ({error})") from None
        spread["relative"].append(statistics.stdev(reductions) / statistics.fmean(reductions))
    generations = sorted(by_generation)
    source = (f"{k:g} x the largest sample standard deviation over seeds "
              f"{', '.join(map(str, seeds))} across gen{generations[0]}..gen{generations[-1]} "
              f"of {keys} in {source_file} (synapses, reduction: of reduction / its mean "
              f"over the seeds, as a relative tolerance); k = {k:g} is verify.K")
    return Tolerance(**{name: k * max(values) for name, values in spread.items()},
                     k=float(k), source=source)


@dataclass(frozen=True)
class MetricRow:
    metric: str
    committed: float | int | None
    now: float | int | None
    difference: float | None
    allowed: float | None
    exact: bool
    within: bool


@dataclass(frozen=True)
class GenerationRow:
    generation: str
    verdict: str
    reason: str
    metrics: list[MetricRow] = field(default_factory=list)
    #: The md5 of ``models/<generation>`` in the committed and the working tree's ``dvc.lock``
    #: (``None`` where that file records no such output).
    hash_committed: str | None = None
    hash_now: str | None = None


@dataclass(frozen=True)
class Report:
    rev: str
    commit: str
    root: str
    tolerance: Tolerance
    rows: list[GenerationRow]

    @property
    def reproduced(self) -> bool:
        return all(row.verdict != NOT_REPRODUCED for row in self.rows)

    @property
    def exit_status(self) -> int:
        return 0 if self.reproduced else 1

    def to_dict(self) -> dict[str, Any]:
        return {"rev": self.rev, "commit": self.commit, "root": self.root,
                "reproduced": self.reproduced, "tolerance": asdict(self.tolerance),
                "rows": [asdict(row) for row in self.rows]}


# --- reading the two sides ---------------------------------------------------------------

def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    except FileNotFoundError:
        raise VerifyError("git is not installed (needed to read the committed results)") \
            from None


def resolve_revision(root: Path, rev: str) -> str:
    """The full commit id of ``rev`` in the repository at ``root``."""
    if not root.is_dir():
        raise VerifyError(f"{root}: no such directory")
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode or inside.stdout.strip() != "true":
        raise VerifyError(f"{root}: not inside a git working tree")
    done = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if done.returncode:
        raise VerifyError(f"bad revision {rev!r} in {root}")
    return done.stdout.strip()


def committed_text(root: Path, commit: str, rev: str, path: str) -> str:
    """The text of ``path`` (relative to ``root``) at ``commit``."""
    done = _git(root, "show", f"{commit}:./{path}")
    if done.returncode:
        raise VerifyError(f"{path}: not in revision {rev} ({commit[:10]}); "
                          f"nothing committed to compare with")
    return done.stdout


def working_text(root: Path, path: str) -> str:
    try:
        return (root / path).read_text()
    except FileNotFoundError:
        raise VerifyError(f"{path}: missing in the working tree {root} "
                          f"(run the pipeline, or give --root)") from None
    except OSError as error:
        raise VerifyError(f"{path}: cannot read it ({error.strerror})") from None


def parse_metrics(text: str, where: str) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise VerifyError(f"{where}: not valid JSON ({error})") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise VerifyError(f"{where}: expected {{\"gen0\": {{metrics}}, ...}}")
    return data


def parse_study(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise VerifyError(f"{where}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise VerifyError(f"{where}: expected an object of results keyed by run")
    return data


def model_hashes(text: str, where: str) -> dict[str, str]:
    """``{"gen0": md5, ...}``: the md5 that a ``dvc.lock`` records for each ``models/genK`` out."""
    try:
        lock = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise VerifyError(f"{where}: not valid YAML ({error})") from None
    stages = lock.get("stages") if isinstance(lock, dict) else None
    if not isinstance(stages, dict):
        raise VerifyError(f"{where}: expected a DVC lock file with 'stages'")
    hashes = {}
    for stage in stages.values():
        for out in (stage or {}).get("outs", None) or []:
            match = re.fullmatch(r"models/(gen\d+)/?", str(out.get("path", "")))
            if match and out.get("md5"):
                hashes[match.group(1)] = str(out["md5"])
    return hashes


# --- comparing ---------------------------------------------------------------------------

def _generation_order(name: str) -> tuple[int, int | str]:
    match = re.fullmatch(r"gen(\d+)", name)
    return (0, int(match.group(1))) if match else (1, name)


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def compare_generation(generation: str, committed: Mapping[str, Any], now: Mapping[str, Any],
                       hash_committed: str | None, hash_now: str | None,
                       tolerance: Tolerance) -> GenerationRow:
    rows, problems = [], []
    for metric in METRICS:
        old, new = _number(committed.get(metric)), _number(now.get(metric))
        if old is None or new is None:
            side = "committed" if old is None else "working tree"
            problems.append(f"{metric} missing or not a number ({side})")
            rows.append(MetricRow(metric, old, new, None, None, False, False))
            continue
        difference = abs(new - old)
        allowed = tolerance.allowed(metric, old)
        within = math.isfinite(difference) and difference <= allowed
        rows.append(MetricRow(metric, old, new, difference, allowed, new == old, within))
        if not within:
            problems.append(f"{metric} off by {difference:.3g} > {allowed:.3g}")
    path = f"models/{generation}"
    hashes_known = hash_committed is not None and hash_now is not None
    common = dict(generation=generation, metrics=rows, hash_committed=hash_committed,
                  hash_now=hash_now)
    if problems:
        return GenerationRow(verdict=NOT_REPRODUCED, reason="; ".join(problems), **common)
    if all(row.exact for row in rows):
        if not hashes_known:
            missing = [side for side, value in (("committed", hash_committed),
                                                ("working tree", hash_now)) if value is None]
            return GenerationRow(
                verdict=BIT_IDENTICAL, reason=f"metrics equal; no {path} hash in the "
                f"{' and '.join(missing)} dvc.lock: judged on the metrics alone", **common)
        if hash_committed == hash_now:
            return GenerationRow(verdict=BIT_IDENTICAL,
                                 reason=f"metrics and {path} hash equal", **common)
        return GenerationRow(verdict=WITHIN_TOLERANCE,
                             reason=f"metrics equal, but the {path} hash differs", **common)
    changed = [row.metric for row in rows if not row.exact]
    hash_note = ("" if not hashes_known else f"; {path} hash "
                 + ("equal" if hash_committed == hash_now else "differs"))
    return GenerationRow(verdict=WITHIN_TOLERANCE,
                         reason=f"{', '.join(changed)} differ within the tolerance{hash_note}",
                         **common)


def compare(committed: Mapping[str, Mapping[str, Any]], now: Mapping[str, Mapping[str, Any]],
            hashes_committed: Mapping[str, str], hashes_now: Mapping[str, str],
            tolerance: Tolerance) -> list[GenerationRow]:
    """One row per generation of either side, in generation order."""
    rows = []
    for generation in sorted({*committed, *now}, key=_generation_order):
        hash_old, hash_new = hashes_committed.get(generation), hashes_now.get(generation)
        if generation not in now:
            rows.append(GenerationRow(generation, NOT_REPRODUCED,
                                      "missing in the working tree's results/metrics.json",
                                      hash_committed=hash_old, hash_now=hash_new))
        elif generation not in committed:
            rows.append(GenerationRow(generation, NOT_REPRODUCED,
                                      "extra: not in the committed results/metrics.json",
                                      hash_committed=hash_old, hash_now=hash_new))
        else:
            rows.append(compare_generation(generation, committed[generation], now[generation],
                                           hash_old, hash_new, tolerance))
    return rows


def committed_tolerance(root: Path, commit: str, rev: str) -> Tolerance:
    """The tolerance from the results committed at ``commit``: the spread of the default
    network's seeds (``saliency-default/darwin/inherit/seed*`` in ``results/beyond.json``)
    when at least two are there, else of the seed study's saliency lineage."""
    shown = _git(root, "show", f"{commit}:./{BEYOND_FILE}")
    if not shown.returncode:
        beyond = parse_study(shown.stdout, f"{BEYOND_FILE} (at {rev})")
        pattern = re.compile(rf"{REPLICATE_TASK}/{STUDY_METHOD}/{STUDY_MODE}/seed(\d+)/gen\d+")
        seeds = {m.group(1) for m in map(pattern.fullmatch, beyond) if m}
        if len(seeds) >= 2:
            return derive_tolerance(beyond, source_file=f"{BEYOND_FILE} at {rev} "
                                    f"({commit[:10]})", task=REPLICATE_TASK)
    study = parse_study(committed_text(root, commit, rev, STUDY_FILE), f"{STUDY_FILE} (at {rev})")
    return derive_tolerance(study, source_file=f"{STUDY_FILE} at {rev} ({commit[:10]})")


def verify(root: str | Path = ".", rev: str = "HEAD") -> Report:
    """Compare the working tree at ``root`` with revision ``rev``; raise :class:`VerifyError`
    for a missing file, a bad revision or a file that cannot be parsed."""
    root = Path(root)
    commit = resolve_revision(root, rev)
    metrics_now = parse_metrics(working_text(root, METRICS_FILE), f"{METRICS_FILE} (working tree)")
    lock_now = model_hashes(working_text(root, LOCK_FILE), f"{LOCK_FILE} (working tree)")
    at = f"(at {rev})"
    metrics_old = parse_metrics(committed_text(root, commit, rev, METRICS_FILE),
                                f"{METRICS_FILE} {at}")
    lock_old = model_hashes(committed_text(root, commit, rev, LOCK_FILE), f"{LOCK_FILE} {at}")
    tolerance = committed_tolerance(root, commit, rev)
    rows = compare(metrics_old, metrics_now, lock_old, lock_now, tolerance)
    return Report(rev=rev, commit=commit, root=str(root), tolerance=tolerance, rows=rows)


# --- the report --------------------------------------------------------------------------

def _value(value: float | int | None) -> str:
    if value is None:
        return "-"
    return str(value) if isinstance(value, int) else repr(float(value))


def _short(digest: str | None) -> str:
    return "-" if digest is None else digest.removesuffix(".dir")[:12]


def _hash_comparison(committed: str | None, now: str | None) -> str:
    if committed is None or now is None:
        return "n/a"
    return "equal" if committed == now else "differs"


def _table_rows(report: Report) -> list[list[str]]:
    rows = []
    for row in report.rows:
        first = True
        for metric in row.metrics:
            rows.append([row.generation if first else "", metric.metric,
                         _value(metric.committed), _value(metric.now),
                         "0" if metric.exact else ("-" if metric.difference is None
                                                   else f"{metric.difference:.3g}"),
                         "-" if metric.allowed is None else f"{metric.allowed:.3g}",
                         row.verdict if first else ""])
            first = False
        rows.append([row.generation if first else "", f"models/{row.generation} md5",
                     _short(row.hash_committed), _short(row.hash_now),
                     _hash_comparison(row.hash_committed, row.hash_now),
                     "", row.verdict if first else ""])
    return rows


HEADER = ["gen", "metric", "committed", "now", "|diff|", "allowed", "verdict"]


def _summary(report: Report) -> list[str]:
    counts = {verdict: sum(row.verdict == verdict for row in report.rows)
              for verdict in (BIT_IDENTICAL, WITHIN_TOLERANCE, NOT_REPRODUCED)}
    outcome = "REPRODUCED" if report.reproduced else "NOT REPRODUCED"
    return [f"{outcome}: " + ", ".join(f"{n} {verdict}" for verdict, n in counts.items())
            + f" (of {len(report.rows)} generations)"]


def format_text(report: Report) -> str:
    """The report as a plain-text table."""
    lines = [f"Reproduction check: working tree {report.root} vs {report.rev} "
             f"({report.commit[:10]}): {METRICS_FILE}, models/genK hashes in {LOCK_FILE}",
             f"Tolerance: {report.tolerance.describe()}",
             f"  derived as {report.tolerance.source}", ""]
    table = [HEADER, *_table_rows(report)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]

    def render(cells: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()

    lines.append(render(HEADER))
    lines.append("  ".join("-" * w for w in widths))
    for index, cells in enumerate(table[1:]):
        if cells[0] and index:
            lines.append("")
        lines.append(render(cells))
    lines.append("")
    lines.extend(f"{row.generation}: {row.verdict} ({row.reason})" for row in report.rows)
    lines.append("")
    lines.extend(_summary(report))
    return "\n".join(lines) + "\n"


def format_markdown(report: Report) -> str:
    """The report as Markdown: a heading, the tolerance, one table and the verdicts."""

    def escape(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [f"## Reproduction check: working tree vs `{report.rev}` (`{report.commit[:10]}`)",
             "", f"**Tolerance**: {escape(report.tolerance.describe())}; derived as "
             f"{escape(report.tolerance.source)}.", "",
             "| " + " | ".join(escape(h) for h in HEADER) + " |",
             "|" + "|".join(["---"] * len(HEADER)) + "|"]
    for cells in _table_rows(report):
        lines.append("| " + " | ".join(escape(c) for c in cells) + " |")
    lines.append("")
    lines.extend(f"- **{row.generation}**: {row.verdict} ({escape(row.reason)})"
                 for row in report.rows)
    lines.append("")
    lines.extend(f"**{line}**" for line in _summary(report))
    return "\n".join(lines) + "\n"


def run(root: str | Path = ".", rev: str = "HEAD", markdown: bool = False,
        json_path: str | Path | None = None) -> int:
    """The ``verify`` command: print the report, write it as JSON if asked; the exit status
    (0 reproduced, 1 not). :class:`VerifyError` propagates for the caller to report."""
    report = verify(root, rev)
    print(format_markdown(report) if markdown else format_text(report), end="")
    if json_path is not None:
        try:
            write_json(json_path, report.to_dict())
        except OSError as error:
            raise VerifyError(f"{json_path}: cannot write the JSON report "
                              f"({error.strerror})") from None
    return report.exit_status


# -- the command line: `python -m evosynth verify`, or this module run as a program --

def _command(params, args):
    return run(args.root, args.rev, markdown=args.markdown, json_path=args.json)


COMMAND = Command(
    "verify", "compare the working tree's results with the committed ones",
    "Reproduction check: compare results/metrics.json and the models/genK hashes of dvc.lock in "
    "the working tree with those committed at REV. Each generation is bit-identical (metrics "
    "exactly equal and the same model hash), within tolerance (every metric within k=3 times the "
    "largest seed-to-seed standard deviation of the committed darwin/inherit results: the "
    "default network's seeds in results/beyond.json when two or more are committed, else the "
    "study's results/study/saliency.json) or not reproduced. Exit status: 0 reproduced, 1 any "
    "generation not reproduced, 2 user error.", _command,
    (arg("--rev", default="HEAD", help="git revision holding the results to compare with "
         "(default: %(default)s)"),
     arg("--root", default=".", help="root of the repository and working tree "
         "(default: %(default)s)"),
     arg("--markdown", action="store_true", help="print the report as Markdown instead of a "
         "plain-text table"),
     arg("--json", metavar="PATH", help="also write the report as JSON to PATH")),
    params=False, group=2, order=3,
    epilog="example: python -m evosynth verify --rev v1.0 --json results/verify.json")


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
