"""Command ``check``: validate ``params.yaml`` and the configured data set, without training."""

from __future__ import annotations

import os

from ..experiment.checks import check_data
from ..experiment.config import load_params
from ..method.genetics import Masks
from ..method.models import SaliencyNet
from ..experiment.stages.generation import recipe
from ..experiment.cli import Command, PARAMS_FILE, main


def check_setup(params_file: str | os.PathLike[str] = "params.yaml") -> str:
    """Validate the parameters and the configured data set; returns a short summary.

    Raises:
        ParamsError: a parameter is unknown, of the wrong type or out of range, or a data path
            does not exist.
        DataError: the configured data set is missing or unreadable (the file is named).
    """
    params = load_params(params_file)
    p = params.prepare
    data = check_data(p, str(params_file), read=True)
    synapses = Masks.ones_like(SaliencyNet(params.ancestor.model.to_config())).count()
    for section in (params.generation, params.structured, params.control):
        for name in (section.lineage if section is not None else ()):
            recipe(section, name)      # the lineage engine's own checks, before any stage runs
    lineage = params.generation.lineage
    return "\n".join([
        f"{params_file}: ok",
        f"  data set:    {data}, {p.image_size}x{p.image_size}",
        f"  ancestor:    {synapses:,} synapses",
        f"  generations: {len(lineage)}: " + "; ".join(
            f"{name} {spec.environment.describe()}" for name, spec in lineage.items()),
        f"  offspring:   {params.generation.init} init, {params.generation.normalization} Z, "
        f"{params.generation.mode} synthesis, epochs " + ", ".join(
            str(params.generation.train_for(name).epochs) for name in lineage),
    ])


# -- the command line: `python -m evosynth check`, or this module run as a program --

def _command(params, args):
    print(check_setup(args.params))


COMMAND = Command(
    "check", "validate params.yaml and the configured data set, without training",
    "Validate every section of the parameters file and check that the configured data set can "
    "be read. Exits 2 with a message naming the first problem; prints a short summary when all "
    "is well.", _command, (PARAMS_FILE,),
    params=False,   # it reads the file itself, section by section
    group=2, order=1)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
