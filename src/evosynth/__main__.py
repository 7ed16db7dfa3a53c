"""Command line: ``python -m evosynth --help``.

Every pipeline stage can be run here without its notebook (to run or debug one stage); the
tools of the companion sit beside them. A user error (a bad parameter, a missing file, an
unknown generation) exits with status 2 and one ``evosynth: error:`` line; ``--traceback``
shows the traceback instead.

Each command is one module of :mod:`evosynth.commands` (its ``COMMAND``: name, help,
arguments, run), found there by name: ``python -m evosynth NAME`` imports this module,
:mod:`evosynth.cli`, ``evosynth.commands.NAME`` and what that command runs, and nothing of any
other command. So a stage's code (its ``deps:`` in ``dvc.yaml``) is only its own command's, and
adding a command stales no stage (``tests/test_stage_deps.py``). Only ``--help`` reads them
all.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import commands as _commands
from .cli import GROUPS, PARAMS_FILE, Command


def module_of(name: str) -> str:
    """The module of command ``name`` (``lineage-metrics`` -> ``evosynth.commands.lineage_metrics``)."""
    return f"{_commands.__name__}.{name.replace('-', '_')}"


def names() -> list[str]:
    """Every command's name, from the modules of :mod:`evosynth.commands`."""
    return [m.name.replace("_", "-") for m in pkgutil.iter_modules(_commands.__path__)]


def load(name: str) -> Command:
    """Command ``name``, importing its module only."""
    if name not in names():
        raise KeyError(name)
    return importlib.import_module(module_of(name)).COMMAND


def _add(commands: argparse._SubParsersAction, c: Command) -> None:
    sub = commands.add_parser(c.name, help=c.help, description=c.description, epilog=c.epilog)
    for flags, options in ((PARAMS_FILE,) if c.params else ()) + c.arguments:
        sub.add_argument(*flags, **options)


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser: every command's when ``only`` is ``None`` (``--help`` lists them in their
    groups' order), else just that command's, so that running it imports no other."""
    parser = argparse.ArgumentParser(
        prog="evosynth",
        description="Evolutionary synthesis of deep neural networks (Shafiee et al. 2018): "
                    "the stages and tools of the reproducible paper companion.",
        epilog="The pipeline runs the stages through their notebooks (dvc repro); the stage "
               "commands here run the same code without a notebook. Command groups: "
               + "; ".join(GROUPS) + ".")
    parser.add_argument("--traceback", action="store_true",
                        help="on an error, show the Python traceback (for debugging)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = [load(only)] if only else sorted((load(n) for n in names()),
                                              key=lambda c: (c.group, c.order))
    for c in chosen:
        _add(commands, c)
    return parser


def _command_in(argv: list[str]) -> str | None:
    """The known command that ``argv`` names (its first word), unless help is asked before
    it; else ``None`` (the full parser, which lists or rejects)."""
    for i, word in enumerate(argv):
        if not word.startswith("-"):
            return word if word in names() and not {"-h", "--help"} & set(argv[:i]) else None
    return None


def _run(c: Command, args: argparse.Namespace) -> int:
    params = None
    if c.params:
        from .experiment.config import load_params
        params = load_params(args.params)
    status = c.run(params, args)
    return 0 if status is None else status


#: What a user can get wrong: bad parameters or values, missing or unreadable files.
USER_ERRORS = (ValueError, FileNotFoundError, NotADirectoryError, PermissionError)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    only = _command_in(argv)
    args = _parser(only).parse_args(argv)
    try:
        return _run(load(args.command), args)
    except USER_ERRORS as error:
        if args.traceback:
            raise
        print(f"evosynth: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
