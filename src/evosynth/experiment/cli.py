"""The command line's parts: what a command is (:class:`Command`) and how one runs
(:func:`main`, :func:`run`).

A stage's command lives in its stage module, beside the code it runs (``COMMAND`` in
:mod:`evosynth.experiment.stages.ancestor`, ...), and that module runs it as a program::

    python -m evosynth.experiment.stages.ancestor --recipe best-effort --seed 3

which is what a DVC stage's ``cmd`` runs: its code (its ``deps:`` in ``dvc.yaml``) is that
module's import closure, nothing of any other command. Each tool keeps its ``COMMAND`` in its
own module too (:mod:`evosynth.publish.verify`, ...). ``python -m evosynth`` lists and runs
them all (:mod:`evosynth.__main__`). It lives in the experiment, the floor of the stages
that use it, below the publishing tools that use it too, so that no import runs back up.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..hparams import RECIPES

#: ``(flags, options)`` of one argument, as :meth:`argparse.ArgumentParser.add_argument` takes.
Argument = tuple[tuple[str, ...], dict[str, Any]]

#: The groups ``--help`` lists the commands in, in this order.
GROUPS = ("the paper's pipeline (dvc.yaml)", "beyond the paper (beyond/dvc.yaml)", "tools")


def arg(*flags: str, **options: Any) -> Argument:
    """One argument of a command: what ``add_argument(*flags, **options)`` is given."""
    return flags, options


#: The parameters file, an argument of every stage (and of ``check``).
PARAMS_FILE = arg("--params", default="params.yaml", help="parameters file (default: %(default)s)")
#: The training recipe of a stage of the main experiment's campaign (claims.yaml).
RECIPE = arg("--recipe", choices=RECIPES, default=RECIPES[0],
             help="first: the committed campaign; best-effort: every network trained as long "
                  "as its validation learning curve asks (best_effort) (default: %(default)s)")
#: The debugging switch of every command line.
TRACEBACK = arg("--traceback", action="store_true",
                help="on an error, show the Python traceback (for debugging)")


@dataclass(frozen=True)
class Command:
    """One command of the command line.

    ``run(params, args)`` runs it: ``params`` is the parameters file loaded
    (:func:`evosynth.experiment.config.load_params`) when :attr:`params` is set, else ``None``;
    ``args`` the parsed arguments. It returns the exit status (``None``: 0)."""

    name: str
    help: str
    description: str
    run: Callable[[Any, argparse.Namespace], int | None]
    arguments: tuple[Argument, ...] = ()
    params: bool = True          # takes --params and runs on the loaded parameters
    group: int = 0               # index into GROUPS
    order: int = 0               # its place in the group
    epilog: str | None = None


def show(value: Any) -> None:
    """Print ``value`` as indented JSON (what a stage command prints of its result)."""
    print(json.dumps(value, indent=2))


def add_arguments(parser: argparse.ArgumentParser, command: Command) -> None:
    """Give ``parser`` the arguments of ``command`` (``--params`` first, for a stage)."""
    for flags, options in ((PARAMS_FILE,) if command.params else ()) + command.arguments:
        parser.add_argument(*flags, **options)


#: What a user can get wrong: bad parameters or values, missing or unreadable files.
USER_ERRORS = (ValueError, FileNotFoundError, NotADirectoryError, PermissionError)


def run(command: Command, args: argparse.Namespace) -> int:
    """Run ``command`` on the parsed ``args``; its exit status. A user error (a bad parameter,
    a missing file) is one ``evosynth: error:`` line and status 2 (unless ``--traceback``)."""
    try:
        params = None
        if command.params:
            from .config import load_params
            params = load_params(args.params)
        status = command.run(params, args)
    except USER_ERRORS as error:
        if getattr(args, "traceback", False):
            raise
        print(f"evosynth: error: {error}", file=sys.stderr)
        return 2
    return 0 if status is None else status


def main(command: Command, argv: list[str] | None = None) -> int:
    """Run ``command`` as a program of its own, on ``argv`` (default: the command line): what
    its module does under ``python -m`` (``if __name__ == "__main__": raise
    SystemExit(main(COMMAND))``). Same arguments, output, errors and exit status as
    ``python -m evosynth NAME``."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    prog = f"python -m {spec.name}" if spec is not None and spec.name != "evosynth.__main__" \
        else f"evosynth {command.name}"
    parser = argparse.ArgumentParser(prog=prog, description=command.description,
                                     epilog=command.epilog)
    parser.add_argument(*TRACEBACK[0], **TRACEBACK[1])
    add_arguments(parser, command)
    return run(command, parser.parse_args(sys.argv[1:] if argv is None else list(argv)))
