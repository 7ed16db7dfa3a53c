"""``python -m evosynth verdict``: each pre-registered claim judged from the committed results."""

from ..cli import Command, arg


def _run(params, args):
    import json

    from ..publish.verdict import load_claims, verdict_table, verdicts, write_verdicts
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
    "validation split beside it (from the training records). Prints a Markdown table.", _run,
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
