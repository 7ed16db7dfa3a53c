"""What a command of ``python -m evosynth`` is: :class:`Command` and its arguments.

Each command lives in its own module of :mod:`evosynth.commands` (one ``COMMAND``), which
imports the code it runs only inside its ``run`` function. ``python -m evosynth NAME`` imports
``__main__``, this module, ``evosynth.commands.NAME`` and what that command runs, nothing else:
so a stage's code (its ``deps:`` in ``dvc.yaml``) is that, and adding or changing one command
stales no stage that runs another (``tests/test_stage_deps.py``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .hparams import RECIPES

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


@dataclass(frozen=True)
class Command:
    """One command of the command line.

    ``run(params, args)`` runs it: ``params`` is the parameters file loaded
    (:func:`evosynth.experiment.config.load_params`) when :attr:`params` is set, else ``None``; ``args``
    the parsed arguments. It returns the exit status (``None``: 0)."""

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
