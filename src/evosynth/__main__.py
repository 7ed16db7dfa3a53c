"""Command line: ``python -m evosynth --help``."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="evosynth",
        description="Evolutionary synthesis of deep neural networks (Shafiee et al. 2018): "
                    "tools of the reproducible paper companion.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fetch = commands.add_parser(
        "fetch-data", help="gather the raw data of the default data set into data/raw",
        description="Copy Fashion-MNIST (Debian package dataset-fashion-mnist, else the official "
                    "download) and the background photographs bundled with scikit-image and "
                    "scikit-learn into DEST. Files already there are kept.")
    fetch.add_argument("--dest", default="data/raw", help="target folder (default: %(default)s)")
    fetch.add_argument("--force", action="store_true", help="fetch again even if present")
    check = commands.add_parser(
        "check", help="validate params.yaml and the configured data set, without training",
        description="Validate every section of the parameters file and check that the "
                    "configured data set can be read. Exits non-zero with a message naming the "
                    "first problem; prints a short summary when all is well.")
    check.add_argument("--params", default="params.yaml", help="parameters file "
                       "(default: %(default)s)")
    gen = commands.add_parser(
        "generation", help="synthesize and train one offspring generation of a lineage",
        description="Run one generation of a lineage section of the parameters file: "
                    "'generation' (the default pipeline's, models/genK) or a second lineage "
                    "such as 'structured' (models/structured/genK, from the same ancestor).")
    gen.add_argument("name", help="generation to run (gen1, gen2, ...)")
    gen.add_argument("--section", default="generation", help="lineage section of the "
                     "parameters file (default: %(default)s)")
    gen.add_argument("--params", default="params.yaml", help="parameters file "
                     "(default: %(default)s)")
    scores = commands.add_parser(
        "lineage-metrics", help="test-split scores of every generation of a lineage, as JSON",
        description="Evaluate gen0..genN of a lineage section on the test split and write "
                    "synapses, reduction, f_beta_adaptive, f_beta_max and mae per generation, "
                    "keyed <task>/<method>/<init>/seed<k>/<genK>.")
    scores.add_argument("--section", default="structured", help="(default: %(default)s)")
    scores.add_argument("--method", default="darwin-structured", help="(default: %(default)s)")
    scores.add_argument("--task", default="saliency-default", help="task part of the keys "
                        "(default: %(default)s, the default experiment's network)")
    scores.add_argument("--out", default="results/structured.json", help="(default: %(default)s)")
    scores.add_argument("--params", default="params.yaml", help="(default: %(default)s)")
    sweep = commands.add_parser(
        "sweep", help="one point of the F(E) sweep (the beyond pipeline's sweep stage)",
        description="Train the darwin/inherit lineage of study task sweep.task with every "
                    "generation in the constant environment sweep.factor; write "
                    "results/sweep.json. scripts/sweep.sh queues one DVC experiment per factor.")
    sweep.add_argument("--params", default="params.yaml", help="(default: %(default)s)")
    frontier = commands.add_parser(
        "frontier", help="gather the F(E) sweep's experiments into a frontier and a figure",
        description="Read `dvc exp show --json` output (a file, or - for stdin), collect every "
                    "experiment's results/sweep.json, and write results/sweep/frontier.json and "
                    "results/sweep/frontier.png.")
    frontier.add_argument("experiments", help="dvc exp show --json output, or - for stdin")
    frontier.add_argument("--metric", default="accuracy", help="(default: %(default)s)")
    verify = commands.add_parser(
        "verify", help="compare the working tree's results with the committed ones",
        description="Reproduction check: compare results/metrics.json and the models/genK "
                    "hashes of dvc.lock in the working tree with those committed at REV. Each "
                    "generation is bit-identical (metrics exactly equal and the same model "
                    "hash), within tolerance (every metric within k=3 times the largest "
                    "seed-to-seed standard deviation of the committed study "
                    "results/study/saliency.json, darwin/inherit) or not reproduced. Exit "
                    "status: 0 reproduced, 1 any generation not reproduced, 2 user error.",
        epilog="example: python -m evosynth verify --rev v1.0 --json results/verify.json")
    verify.add_argument("--rev", default="HEAD", help="git revision holding the results to "
                        "compare with (default: %(default)s)")
    verify.add_argument("--root", default=".", help="root of the repository and working tree "
                        "(default: %(default)s)")
    verify.add_argument("--markdown", action="store_true", help="print the report as Markdown "
                        "instead of a plain-text table")
    verify.add_argument("--json", metavar="PATH", help="also write the report as JSON to PATH")
    args = parser.parse_args(argv)

    from .config import ParamsError
    from .data import DataError
    from .verify import VerifyError
    try:
        if args.command == "verify":
            from .verify import run
            return run(args.root, args.rev, markdown=args.markdown, json_path=args.json)
        elif args.command == "check":
            from .checks import check_setup
            print(check_setup(args.params))
        elif args.command in ("generation", "lineage-metrics"):
            from . import evolution, stages
            from .config import load_params
            params = load_params(args.params)
            if args.command == "generation":
                evolution.section(params, args.section)
                paths = evolution.lineage_paths(args.section)
                if args.section == "generation":
                    stages.generation(params, args.name, paths)
                else:
                    evolution.generation(params, args.name, paths, section_name=args.section)
            else:
                evolution.lineage_metrics(params, args.section, args.method, args.out,
                                          task=args.task)
        elif args.command == "sweep":
            from . import stages
            from .config import load_params
            stages.sweep(load_params(args.params))
        elif args.command == "frontier":
            import json

            from . import figures
            from .frontier import frontier_table, pareto_front, sweep_points
            from .io import atomic_write, write_json
            from .paths import Paths
            text = sys.stdin.read() if args.experiments == "-" else open(args.experiments).read()
            points = sweep_points(json.loads(text), args.metric)
            front = pareto_front(points, args.metric)
            paths = Paths()
            write_json(paths.frontier, {"metric": args.metric, "points": points,
                                        "frontier": front})
            atomic_write(paths.frontier.with_suffix(".md"),
                         lambda tmp: tmp.write_text(frontier_table(points, front, args.metric)))
            figures.use_style()
            figures.save(figures.sweep_frontier(points, front, args.metric),
                         paths.frontier_figure)
            print(f"{len(points)} points, {len(front)} on the frontier -> {paths.frontier}")
        elif args.command == "fetch-data":
            from .raw import fetch_raw
            dest = fetch_raw(args.dest, force=args.force)
            print(f"raw data ready in {dest}")
    except (DataError, ParamsError, VerifyError) as error:
        print(f"evosynth: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
