"""Command line: ``python -m evosynth --help``.

Every pipeline stage can be run here without its notebook (to run or debug one stage); the
tools of the companion sit beside them. A user error (a bad parameter, a missing file, an
unknown generation) exits with status 2 and one ``evosynth: error:`` line; ``--traceback``
shows the traceback instead.

Each command lives in the module of the code it runs (its ``COMMAND``: name, help, arguments,
run): a stage's in its stage module (:mod:`evosynth.experiment.stages`), a tool's in its own
(:mod:`evosynth.publish.verify`, ...), imported here by name. A stage module is a program too:
``python -m evosynth.experiment.stages.NAME`` runs the same command with the same arguments,
and the DVC stages run that, so that a stage's code (its ``deps:``) is its module's closure
and not this one's, which imports every command (``tests/pipeline/test_stage_deps.py``).
"""

from __future__ import annotations

import argparse
import sys

from .experiment.cli import GROUPS, TRACEBACK, Command, add_arguments, run
from .experiment import campaign_todo, estimate, frontier, parents, raw, seed_kind
from .experiment.stages import (ancestor, beyond, campaign_metrics, evaluate, generation,
                                learning_curve, lineage_metrics, offspring_curve, prepare,
                                small_dense, study, sweep, test_score, training_curves,
                                z_arm)
from .publish import archive, check, release, verdict, verify

#: Every command, in the order ``--help`` lists them: by group (:data:`~evosynth.experiment.cli.GROUPS`),
#: then by their order in it (ties by name).
COMMANDS: tuple[Command, ...] = tuple(sorted(
    (module.COMMAND for module in (
        prepare, ancestor, generation, evaluate, study, z_arm, sweep, learning_curve,
        offspring_curve, lineage_metrics, campaign_metrics, test_score, small_dense, beyond,
        training_curves, estimate, raw, check, frontier, verify, verdict, campaign_todo,
        seed_kind, parents, archive, release)),
    key=lambda c: (c.group, c.order, c.name.replace("-", "_"))))
_BY_NAME = {c.name: c for c in COMMANDS}


def names() -> list[str]:
    """Every command's name, in ``--help``'s order."""
    return list(_BY_NAME)


def load(name: str) -> Command:
    """Command ``name``."""
    return _BY_NAME[name]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evosynth",
        description="Evolutionary synthesis of deep neural networks (Shafiee et al. 2018): "
                    "the stages and tools of the reproducible paper companion.",
        epilog="The pipeline runs the stages through their notebooks (dvc repro); the stage "
               "commands here run the same code without a notebook, as does `python -m "
               "evosynth.experiment.stages.NAME` (NAME with _ for -), which is what a DVC "
               "stage without a notebook runs. Command groups: " + "; ".join(GROUPS) + ".")
    parser.add_argument(*TRACEBACK[0], **TRACEBACK[1])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for c in COMMANDS:
        add_arguments(commands.add_parser(c.name, help=c.help, description=c.description,
                                          epilog=c.epilog), c)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    return run(load(args.command), args)


if __name__ == "__main__":
    sys.exit(main())
