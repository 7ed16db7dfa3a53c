"""``python -m evosynth verify``: the reproduction check."""

from ..cli import Command, arg


def _run(params, args):
    from ..publish.verify import run
    return run(args.root, args.rev, markdown=args.markdown, json_path=args.json)


COMMAND = Command(
    "verify", "compare the working tree's results with the committed ones",
    "Reproduction check: compare results/metrics.json and the models/genK hashes of dvc.lock in "
    "the working tree with those committed at REV. Each generation is bit-identical (metrics "
    "exactly equal and the same model hash), within tolerance (every metric within k=3 times the "
    "largest seed-to-seed standard deviation of the committed darwin/inherit results: the "
    "default network's seeds in results/beyond.json when two or more are committed, else the "
    "study's results/study/saliency.json) or not reproduced. Exit status: 0 reproduced, 1 any "
    "generation not reproduced, 2 user error.", _run,
    (arg("--rev", default="HEAD", help="git revision holding the results to compare with "
         "(default: %(default)s)"),
     arg("--root", default=".", help="root of the repository and working tree "
         "(default: %(default)s)"),
     arg("--markdown", action="store_true", help="print the report as Markdown instead of a "
         "plain-text table"),
     arg("--json", metavar="PATH", help="also write the report as JSON to PATH")),
    params=False, group=2, order=3,
    epilog="example: python -m evosynth verify --rev v1.0 --json results/verify.json")
