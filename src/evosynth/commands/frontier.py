"""``python -m evosynth frontier``: the F(E) sweep's experiments gathered."""

import json
import sys

from ..cli import Command, arg


def _run(params, args):
    from ..experiment.frontier import write_frontier
    text = sys.stdin.read() if args.experiments == "-" else open(args.experiments).read()
    print(write_frontier(json.loads(text), args.metric))


COMMAND = Command(
    "frontier", "gather the F(E) sweep's experiments into a frontier and a figure",
    "Read `dvc exp show --json` output (a file, or - for stdin), collect every experiment's "
    "results/sweep.json, and write results/sweep/frontier.json and results/sweep/frontier.png.",
    _run, (arg("experiments", help="dvc exp show --json output, or - for stdin"),
           arg("--metric", default="accuracy", help="(default: %(default)s)")),
    params=False, group=2, order=2)
