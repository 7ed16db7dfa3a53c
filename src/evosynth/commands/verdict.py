"""``python -m evosynth verdict``: each pre-registered claim judged from the committed results."""

from ..cli import Command, arg


def _run(params, args):
    import json

    from ..verdict import load_claims, verdict_table, verdicts, write_verdicts
    results_path = args.results
    try:
        results = json.loads(open(results_path).read())
    except FileNotFoundError:
        raise SystemExit(f"verdict: results file {results_path} not found (expected "
                         "results/beyond.json: run `dvc repro beyond/dvc.yaml`)") from None
    rows = verdicts(load_claims(args.claims), results)
    if args.json or args.table:
        if not (args.json and args.table):
            raise SystemExit("verdict: give both --json and --table, or neither")
        write_verdicts(rows, args.json, args.table)
    print(verdict_table(rows), end="")


COMMAND = Command(
    "verdict", "judge each pre-registered claim (claims.yaml) from the committed results",
    "For each claim of claims.yaml: the paired differences of its two arms over the seeds "
    "committed in results/beyond.json, their mean and 95% Student-t confidence interval, and the "
    "verdict by the rule at the top of claims.yaml: reproduced, not reproduced, or untested "
    "(too few seeds committed, or no way to test it here). Prints a Markdown table.", _run,
    (arg("--claims", default="claims.yaml", help="(default: %(default)s)"),
     arg("--results", default="results/beyond.json", help="(default: %(default)s)"),
     arg("--json", metavar="PATH", help="also write the verdicts as JSON to PATH"),
     arg("--table", metavar="PATH", help="also write the Markdown table to PATH")),
    params=False, group=2, order=4,
    epilog="example: python -m evosynth verdict --json results/verdict.json "
           "--table results/verdict.md")
