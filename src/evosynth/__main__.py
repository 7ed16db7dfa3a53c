"""Command line: ``python -m evosynth --help``.

Every pipeline stage can be run here without its notebook (to run or debug one stage); the
tools of the companion sit beside them. A user error (a bad parameter, a missing file, an
unknown generation) exits with status 2 and one ``evosynth: error:`` line; ``--traceback``
shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evosynth",
        description="Evolutionary synthesis of deep neural networks (Shafiee et al. 2018): "
                    "the stages and tools of the reproducible paper companion.",
        epilog="The pipeline runs the stages through their notebooks (dvc repro); the stage "
               "commands here run the same code without a notebook.")
    parser.add_argument("--traceback", action="store_true",
                        help="on an error, show the Python traceback (for debugging)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, description: str, params: bool = True):
        sub = commands.add_parser(name, help=help, description=description)
        if params:
            sub.add_argument("--params", default="params.yaml",
                             help="parameters file (default: %(default)s)")
        return sub

    # -- the paper's pipeline (dvc.yaml) ----------------------------------------------------
    command("prepare", "stage prepare: build and save the train / val / test splits",
            "Build the configured data set's splits (section prepare) into data/prepared.")
    command("ancestor", "stage ancestor: train generation 0",
            "Train the ancestor (section ancestor) into models/gen0 and results/gen0.")
    gen = command("generation", "stage generation: synthesize and train one offspring "
                  "generation of a lineage",
                  "Run one generation of a lineage section: 'generation' (the paper's, "
                  "models/genK) or a second lineage such as 'structured' "
                  "(models/structured/genK, from the same ancestor).")
    gen.add_argument("name", help="generation to run (gen1, gen2, ...)")
    gen.add_argument("--section", default="generation",
                     help="lineage section of the parameters file (default: %(default)s)")
    command("evaluate", "stage evaluate: every generation on the test split",
            "Score gen0..genN on the test split: results/metrics.json, results/plots/ and the "
            "examples the book draws.")
    # -- beyond the paper (beyond/dvc.yaml) -------------------------------------------------
    study = command("study", "stage study: Darwin against pruning baselines on one task",
                    "Every method and seed of study task TASK: results/study/TASK.json.")
    study.add_argument("task", help="a task of study.tasks")
    arm = command("z-arm", "stage z-arm: the study's Darwin lineage with the other Z",
                  "darwin/inherit of study task TASK with the normaliser Z of P(s|w) that "
                  "generation.normalization does not name (layer for global, and back), every "
                  "seed: results/study/TASK-z-arm.json.")
    arm.add_argument("task", help="a task of study.tasks")
    scores = command(
        "lineage-metrics", "stage structured-metrics: test-split scores of a lineage, as JSON",
        "Evaluate gen0..genN of a lineage section on the test split and write synapses, "
        "reduction, f_beta_adaptive, f_beta_max and mae per generation, keyed "
        "<task>/<method>/<init>/seed<k>/<genK>.")
    scores.add_argument("--section", default="structured", help="(default: %(default)s)")
    scores.add_argument("--method", default="darwin-structured", help="(default: %(default)s)")
    scores.add_argument("--task", default="saliency-default", help="task part of the keys "
                        "(default: %(default)s, the default experiment's network)")
    scores.add_argument("--out", default="results/structured.json", help="(default: %(default)s)")
    rep = command("replicate", "stage replicate: the default experiment again with another seed",
                  "Train a new ancestor, the default lineage and its dense control with seed "
                  "SEED (one of replicate.seeds; every seed shifted as the study shifts them) "
                  "into models/seeds/seedSEED and results/seeds/seedSEED, and write both "
                  "lineages' test-split scores to results/seeds/seedSEED/metrics.json.")
    rep.add_argument("seed", type=int, help="a seed of replicate.seeds (1, 2, ...)")
    command("sweep", "stage sweep: one point of the F(E) sweep",
            "Train the darwin/inherit lineage of study task sweep.task with every generation "
            "in the constant environment sweep.factor; write results/sweep.json. "
            "scripts/sweep.sh queues one DVC experiment per factor.")
    command("beyond", "stage beyond: merge every result into results/beyond.json",
            "Merge the study's tasks, the default lineage (results/metrics.json) and the "
            "structured lineage (results/structured.json) into results/beyond.json and its "
            "summary metric results/beyond_summary.json.")
    # -- tools --------------------------------------------------------------------------------
    fetch = command(
        "fetch-data", "gather the raw data of the default data set into data/raw",
        "Copy Fashion-MNIST (Debian package dataset-fashion-mnist, else the official "
        "download) and the background photographs bundled with scikit-image and "
        "scikit-learn into DEST. Files already there are kept.", params=False)
    fetch.add_argument("--dest", default="data/raw", help="target folder (default: %(default)s)")
    fetch.add_argument("--force", action="store_true", help="fetch again even if present")
    command("check", "validate params.yaml and the configured data set, without training",
            "Validate every section of the parameters file and check that the configured data "
            "set can be read. Exits 2 with a message naming the first problem; prints a short "
            "summary when all is well.")
    frontier = command(
        "frontier", "gather the F(E) sweep's experiments into a frontier and a figure",
        "Read `dvc exp show --json` output (a file, or - for stdin), collect every "
        "experiment's results/sweep.json, and write results/sweep/frontier.json and "
        "results/sweep/frontier.png.", params=False)
    frontier.add_argument("experiments", help="dvc exp show --json output, or - for stdin")
    frontier.add_argument("--metric", default="accuracy", help="(default: %(default)s)")
    verify = command(
        "verify", "compare the working tree's results with the committed ones",
        "Reproduction check: compare results/metrics.json and the models/genK hashes of "
        "dvc.lock in the working tree with those committed at REV. Each generation is "
        "bit-identical (metrics exactly equal and the same model hash), within tolerance "
        "(every metric within k=3 times the largest seed-to-seed standard deviation of the "
        "committed darwin/inherit results: the default network's seeds in results/beyond.json "
        "when two or more are committed, else the study's results/study/saliency.json) or not "
        "reproduced. Exit status: 0 reproduced, 1 any generation not reproduced, 2 user error.",
        params=False)
    verify.epilog = "example: python -m evosynth verify --rev v1.0 --json results/verify.json"
    verify.add_argument("--rev", default="HEAD", help="git revision holding the results to "
                        "compare with (default: %(default)s)")
    verify.add_argument("--root", default=".", help="root of the repository and working tree "
                        "(default: %(default)s)")
    verify.add_argument("--markdown", action="store_true", help="print the report as Markdown "
                        "instead of a plain-text table")
    verify.add_argument("--json", metavar="PATH", help="also write the report as JSON to PATH")
    return parser


#: The module that runs each command, imported only when that command runs (so a stage's
#: code, its ``deps:`` in ``dvc.yaml``, is ``__main__`` and that module's imports).
COMMANDS = {
    "prepare": "evosynth.stages.prepare", "ancestor": "evosynth.stages.ancestor",
    "generation": "evosynth.stages.generation", "evaluate": "evosynth.stages.evaluate",
    "study": "evosynth.stages.beyond", "z-arm": "evosynth.stages.beyond",
    "lineage-metrics": "evosynth.stages.beyond",
    "sweep": "evosynth.stages.beyond", "replicate": "evosynth.stages.replicate",
    "beyond": "evosynth.stages.beyond",
    "fetch-data": "evosynth.raw", "check": "evosynth.checks", "frontier": "evosynth.frontier",
    "verify": "evosynth.verify",
}


def _run(args: argparse.Namespace) -> int:
    module = importlib.import_module(COMMANDS[args.command])
    if args.command == "verify":
        return module.run(args.root, args.rev, markdown=args.markdown, json_path=args.json)
    if args.command == "fetch-data":
        print(f"raw data ready in {module.fetch_raw(args.dest, force=args.force)}")
        return 0
    if args.command == "frontier":
        text = sys.stdin.read() if args.experiments == "-" else open(args.experiments).read()
        print(module.write_frontier(json.loads(text), args.metric))
        return 0
    if args.command == "check":
        print(module.check_setup(args.params))
        return 0
    params = importlib.import_module("evosynth.config").load_params(args.params)
    if args.command == "prepare":
        print(json.dumps(module.split_summary(module.prepare(params)), indent=2))
    elif args.command == "ancestor":
        summary = module.ancestor(params).summary
        print(json.dumps({k: summary[k] for k in ("synapses", "train_seconds", "val")}, indent=2))
    elif args.command == "generation":
        summary = module.generation(params, args.name, section=args.section).summary
        print(json.dumps({k: summary[k] for k in ("generation", "synapses", "parent_synapses",
                                                  "train_seconds", "val")}, indent=2))
    elif args.command == "evaluate":
        print(json.dumps(module.evaluate(params).metrics, indent=2))
    elif args.command == "study":
        print(f"{len(module.study(params, args.task))} results")
    elif args.command == "z-arm":
        print(f"{len(module.z_arm(params, args.task))} results")
    elif args.command == "lineage-metrics":
        module.lineage_metrics(params, args.section, args.method, args.out, task=args.task)
    elif args.command == "replicate":
        rows = module.replicate(params, args.seed)
        print(json.dumps({k: round(v["f_beta_adaptive"], 4) for k, v in rows.items()}, indent=2))
    elif args.command == "sweep":
        module.sweep(params)
    elif args.command == "beyond":
        print(f"{len(module.beyond(params))} results merged")
    return 0


#: What a user can get wrong: bad parameters or values, missing or unreadable files.
USER_ERRORS = (ValueError, FileNotFoundError, NotADirectoryError, PermissionError, KeyError)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except USER_ERRORS as error:
        if args.traceback:
            raise
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"evosynth: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
