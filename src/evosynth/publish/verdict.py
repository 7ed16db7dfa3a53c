"""The verdict on each pre-registered claim (``claims.yaml``) from the committed results.

A claim compares arm ``a`` with arm ``b`` (or ``a`` alone) at one generation, seed by seed:
the paired differences ``d_k = a_k - b_k``, their mean and a 95% Student-t confidence
interval decide it against the claim's threshold, by the rule written at the top of
``claims.yaml``. Result keys are ``<task>/<method>/<init>/seed<k>/<generation>``, as in
``results/beyond.json``.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..method.atomic import atomic_write, write_json
from ..experiment.cli import Command, arg, main

VERDICTS = ("reproduced", "not reproduced", "untested")
TESTS = ("at_least", "at_most")
#: How the networks a row judges were trained (the two recipes of ``claims.yaml``'s header, and
#: the study's own small networks): ``best-effort`` decides the paper's claims, ``first`` is
#: kept as a sensitivity row.
RECIPES = ("best-effort", "first", "study")
_KEY = re.compile(r"^(?P<arm>[^/]+/[^/]+/[^/]+)/seed(?P<seed>\d+)/(?P<generation>gen\d+)$")


@dataclass(frozen=True)
class Side:
    """One side of a comparison: an arm ``<task>/<method>/<init>`` at one generation."""

    arm: str
    generation: str


@dataclass(frozen=True)
class Claim:
    """One row of ``claims.yaml``."""

    id: str
    source: str
    claim: str
    recipe: str = "first"
    name: str | None = None
    metric: str | None = None
    a: Side | None = None
    b: Side | None = None
    test: str | None = None
    threshold: float | None = None
    seeds: int | None = None
    untested: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Verdict:
    """What the results say of one claim."""

    id: str
    source: str
    claim: str
    verdict: str
    reason: str
    recipe: str = "first"
    name: str | None = None
    metric: str | None = None
    threshold: float | None = None
    test: str | None = None
    seeds: list[int] = field(default_factory=list)
    differences: list[float] = field(default_factory=list)
    mean: float | None = None
    ci: tuple[float, float] | None = None
    #: The same paired difference on the validation split (the training records' final
    #: scores), over the seeds whose records hold it; ``None`` where none do.
    val_mean: float | None = None
    val_seeds: list[int] = field(default_factory=list)


def _side(where: str, value: Any) -> Side:
    if not isinstance(value, Mapping) or set(value) != {"arm", "generation"}:
        raise ValueError(f"{where} must be a mapping with exactly 'arm' and 'generation', "
                         f"got {value!r}")
    arm, generation = value["arm"], value["generation"]
    if not isinstance(arm, str) or arm.count("/") != 2:
        raise ValueError(f"{where}.arm must be '<task>/<method>/<init>', got {arm!r}")
    if not isinstance(generation, str) or not re.fullmatch(r"gen\d+", generation):
        raise ValueError(f"{where}.generation must be 'gen<k>', got {generation!r}")
    return Side(arm, generation)


def parse_claims(data: Any, source: str = "claims.yaml") -> list[Claim]:
    """The claims of a loaded ``claims.yaml``, each field checked; ``ValueError`` naming the
    file, the claim and the field otherwise."""
    if not isinstance(data, Mapping) or not isinstance(data.get("claims"), list):
        raise ValueError(f"{source}: expected a mapping with a list 'claims'")
    claims, seen = [], set()
    for i, row in enumerate(data["claims"]):
        where = f"{source}: claims[{i}]"
        if not isinstance(row, Mapping):
            raise ValueError(f"{where} must be a mapping, got {row!r}")
        known = set(Claim.__dataclass_fields__)
        if set(row) - known:
            raise ValueError(f"{where}: unknown field(s) {sorted(set(row) - known)} "
                             f"(expected some of {sorted(known)})")
        for name in ("id", "source", "claim"):
            if not isinstance(row.get(name), str) or not row[name].strip():
                raise ValueError(f"{where}.{name} must be a non-empty string")
        recipe = row.get("recipe", "first")
        where = f"{source}: claim {row['id']!r}"
        if recipe not in RECIPES:
            raise ValueError(f"{where}.recipe must be one of {list(RECIPES)}, got {recipe!r}")
        if (row["id"], recipe) in seen:
            raise ValueError(f"{where}: the id is used twice for the recipe {recipe!r}")
        seen.add((row["id"], recipe))
        if row.get("untested") is not None:
            if not isinstance(row["untested"], str):
                raise ValueError(f"{where}.untested must say why (a string)")
            claims.append(Claim(row["id"], row["source"], row["claim"], recipe,
                                row.get("name"), untested=row["untested"],
                                note=row.get("note")))
            continue
        for name in ("metric", "a", "test", "threshold", "seeds"):
            if row.get(name) is None:
                raise ValueError(f"{where}.{name} is missing (or say 'untested: <why>')")
        if row["test"] not in TESTS:
            raise ValueError(f"{where}.test must be one of {list(TESTS)}, got {row['test']!r}")
        threshold = row["threshold"]
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) \
                or not math.isfinite(threshold):
            raise ValueError(f"{where}.threshold must be a finite number, got {threshold!r}")
        seeds = row["seeds"]
        if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 2:
            raise ValueError(f"{where}.seeds must be an integer >= 2 (a confidence interval "
                             f"needs two), got {seeds!r}")
        claims.append(Claim(row["id"], row["source"], row["claim"], recipe, row.get("name"),
                            row["metric"],
                            _side(f"{where}.a", row["a"]),
                            None if row.get("b") is None else _side(f"{where}.b", row["b"]),
                            row["test"], float(threshold), seeds, note=row.get("note")))
    return claims


def load_claims(path: str | Path = "claims.yaml") -> list[Claim]:
    """:func:`parse_claims` of the file ``path``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"claims file {path} not found (expected claims.yaml)")
    return parse_claims(yaml.safe_load(path.read_text()), str(path))


def _values(results: Mapping[str, Mapping[str, Any]], side: Side,
            metric: str) -> dict[int, float]:
    """``{seed: metric}`` of every committed network of ``side``."""
    values = {}
    for key, row in results.items():
        match = _KEY.match(key)
        if match and match["arm"] == side.arm and match["generation"] == side.generation \
                and metric in row:
            values[int(match["seed"])] = float(row[metric])
    return values


def confidence_interval(differences: list[float], level: float = 0.95) -> tuple[float, float]:
    """The Student-t interval of the mean of ``differences`` (at least two)."""
    from scipy import stats
    n = len(differences)
    mean = statistics.fmean(differences)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * statistics.stdev(differences) / math.sqrt(n)
    return mean - half, mean + half


def _val_values(root: Path, side: Side, metric: str, seeds: list[int]) -> dict[int, float]:
    """``{seed: final validation metric}`` of ``side``'s networks whose training record
    (:meth:`evosynth.experiment.paths.Paths.record_of`) holds it."""
    from ..experiment.paths import Paths
    values = {}
    for seed in seeds:
        path = Paths(root).record_of(side.arm, seed, side.generation)
        if path is not None and path.is_file():
            val = json.loads(path.read_text()).get("val", {})
            if metric in val:
                values[seed] = float(val[metric])
    return values


def judge(claim: Claim, results: Mapping[str, Mapping[str, Any]],
          records: str | Path | None = None) -> Verdict:
    """The verdict on ``claim`` from ``results`` (``beyond.json``'s rows), on the test split;
    with ``records`` (the repository root), the same difference on the validation split beside
    it, from the training records."""
    base = dict(id=claim.id, source=claim.source, claim=claim.claim, recipe=claim.recipe,
                name=claim.name)
    if claim.untested is not None:
        return Verdict(**base, verdict="untested", reason=claim.untested)
    a = _values(results, claim.a, claim.metric)
    b = _values(results, claim.b, claim.metric) if claim.b else None
    seeds = sorted(set(a) & set(b) if b is not None else a)
    differences = [a[k] - (b[k] if b is not None else 0.0) for k in seeds]
    base.update(metric=claim.metric, threshold=claim.threshold, test=claim.test, seeds=seeds,
                differences=differences,
                mean=statistics.fmean(differences) if differences else None)
    if records is not None and claim.b is not None and seeds:
        val_a = _val_values(Path(records), claim.a, claim.metric, seeds)
        val_b = _val_values(Path(records), claim.b, claim.metric, seeds)
        both = sorted(set(val_a) & set(val_b))
        if both:
            base.update(val_seeds=both,
                        val_mean=statistics.fmean(val_a[k] - val_b[k] for k in both))
    if len(seeds) < claim.seeds:
        arms = claim.a.arm + (f" and {claim.b.arm}" if claim.b else "")
        return Verdict(**base, verdict="untested",
                       reason=f"{len(seeds)} of the {claim.seeds} seeds it needs are committed "
                              f"for {arms}")
    low, high = confidence_interval(differences)
    if claim.test == "at_least":
        passed, bound = low >= claim.threshold, f"lower bound {low:+.4f}"
        relation = ">=" if passed else "<"
    else:
        passed, bound = high <= claim.threshold, f"upper bound {high:+.4f}"
        relation = "<=" if passed else ">"
    return Verdict(**base, ci=(low, high), verdict="reproduced" if passed else "not reproduced",
                   reason=f"95% CI {bound} {relation} {claim.threshold:+g}")


def verdicts(claims: list[Claim], results: Mapping[str, Mapping[str, Any]],
             records: str | Path | None = None) -> list[Verdict]:
    """:func:`judge` of every claim, in the file's order."""
    return [judge(claim, results, records) for claim in claims]


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:+.4f}"


def verdict_table(rows: list[Verdict]) -> str:
    """Every row of the verdict as a Markdown table: the claim, its recipe, the test-split
    difference with its interval, the validation difference beside it, the threshold and why
    (the full rows, one click from the Overview's :func:`verdict_summary`)."""
    lines = ["| claim | recipe | source | verdict | seeds | mean | 95% CI | val mean | threshold "
             "| why |", "|---|---|---|---|---:|---:|---|---:|---|---|"]
    for row in rows:
        ci = "" if row.ci is None else f"[{row.ci[0]:+.4f}, {row.ci[1]:+.4f}]"
        threshold = "" if row.threshold is None else \
            f"{'≥' if row.test == 'at_least' else '≤'} {row.threshold:+g}"
        lines.append(f"| {row.claim} | {row.recipe} | {row.source} | **{row.verdict}** | "
                     f"{len(row.seeds)} | {_number(row.mean)} | {ci} | "
                     f"{_number(row.val_mean)} | {threshold} | {row.reason} |")
    return "\n".join(lines) + "\n"


#: The recipes whose rows decide a claim (the best-effort recipe; the study's claims have only
#: the study's own), and the one kept as a sensitivity column.
DECIDING = ("best-effort", "study")
SENSITIVITY = "first"


def _cell(row: Verdict | None, seeds_needed: dict[tuple[str, str], int]) -> str:
    """One recipe's verdict on a claim in three decimals (the reduction in one)."""
    if row is None:
        return "—"
    if row.verdict == "untested":
        needed = seeds_needed.get((row.id, row.recipe))
        why = (f"{len(row.seeds)} of {needed} seeds" if needed is not None
               else "no benchmark offline")
        return f"**untested** ({why})"
    digits = 1 if row.metric == "reduction" else 3
    number = (lambda v: f"{v:.{digits}f}") if row.metric == "reduction" else \
        (lambda v: f"{v:+.{digits}f}")
    text = f"**{row.verdict}** {number(row.mean)}"
    if row.ci is not None:
        text += f" [{number(row.ci[0])}, {number(row.ci[1])}]"
    if row.val_mean is not None:
        text += f", val {number(row.val_mean)}"
    return text + f" ({len(row.seeds)} seeds)"


def verdict_summary(rows: list[Verdict], claims: list[Claim]) -> str:
    """The verdict at a glance, one line per claim: its short name, whose claim it is, the
    deciding recipe's verdict (the test-split difference with its 95% interval, the validation
    difference, the seeds) and the first recipe's beside it."""
    needed = {(c.id, c.recipe): c.seeds for c in claims if c.seeds is not None}
    by_id: dict[str, dict[str, Verdict]] = {}
    for row in rows:
        by_id.setdefault(row.id, {})[row.recipe] = row
    lines = ["| claim | whose | verdict (best-effort recipe) | first recipe: 12-epoch offspring |",
             "|---|---|---|---|"]
    for recipes in by_id.values():
        deciding = next((recipes[r] for r in DECIDING if r in recipes), None)
        first = recipes.get(SENSITIVITY)
        shown = deciding or first
        assert shown is not None
        lines.append(f"| {shown.name or shown.id} | {shown.source} | {_cell(deciding, needed)} "
                     f"| {_cell(first, needed)} |")
    return "\n".join(lines) + "\n"


def write_verdicts(rows: list[Verdict], json_path: str | Path, table_path: str | Path,
                   summary_path: str | Path | None = None,
                   claims: list[Claim] | None = None) -> None:
    """``rows`` as JSON and as the Markdown table (and with ``summary_path`` the summary of
    :func:`verdict_summary`), each file written atomically."""
    write_json(json_path, [asdict(row) for row in rows])
    table = verdict_table(rows)
    atomic_write(table_path, lambda tmp: tmp.write_text(table))
    if summary_path is not None:
        summary = verdict_summary(rows, claims or [])
        atomic_write(summary_path, lambda tmp: tmp.write_text(summary))


# -- the command line: `python -m evosynth verdict`, or this module run as a program --

def _command(params, args):
    import json

    results_path = args.results
    try:
        results = json.loads(open(results_path).read())
    except FileNotFoundError:
        raise SystemExit(f"verdict: results file {results_path} not found (expected "
                         "results/beyond.json: run `dvc repro beyond/dvc.yaml`)") from None
    claims = load_claims(args.claims)
    rows = verdicts(claims, results, records=args.records)
    if args.json or args.table or args.summary:
        if not (args.json and args.table):
            raise SystemExit("verdict: give both --json and --table (and --summary), or none")
        write_verdicts(rows, args.json, args.table, args.summary, claims)
    print(verdict_table(rows), end="")


COMMAND = Command(
    "verdict", "judge each pre-registered claim (claims.yaml) from the committed results",
    "For each claim of claims.yaml: the paired differences of its two arms over the seeds "
    "committed in results/beyond.json, their mean and 95% Student-t confidence interval, and the "
    "verdict by the rule at the top of claims.yaml: reproduced, not reproduced, or untested "
    "(too few seeds committed, or no way to test it here), under each recipe (the best-effort "
    "one decides, the first is kept as a sensitivity row), with the same difference on the "
    "validation split beside it (from the training records). Prints a Markdown table.", _command,
    (arg("--claims", default="claims.yaml", help="(default: %(default)s)"),
     arg("--results", default="results/beyond.json", help="(default: %(default)s)"),
     arg("--json", metavar="PATH", help="also write the verdicts as JSON to PATH"),
     arg("--table", metavar="PATH", help="also write the Markdown table to PATH"),
     arg("--summary", metavar="PATH", help="also write the one-line-per-claim summary (both "
         "recipes side by side) to PATH"),
     arg("--records", default=".", help="root whose results/**/summary.json give the "
         "validation differences (default: %(default)s)")),
    params=False, group=2, order=4,
    epilog="example: python -m evosynth verdict --json results/verdict.json "
           "--table results/verdict.md --summary results/verdict_summary.md")


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
