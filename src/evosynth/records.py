"""Per-epoch training records of the pipeline's networks, written with dvclive.

Every network a pipeline stage trains logs, after each epoch, its mean training loss, its mean
step time and its validation scores into ``results/<generation>/live/`` (dvclive's layout:
``metrics.json`` with the last epoch's values, ``plots/metrics/<name>.tsv`` with every
epoch's). The stages declare these files as DVC metrics and plots, so that ``dvc exp show``
and ``dvc plots diff`` compare two experiments epoch by epoch. dvclive is imported only here,
only when a stage asks for a log: library users of :func:`evosynth.train` do not need it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .training import EpochHook


@contextmanager
def live_log(directory: str | os.PathLike[str]) -> Iterator[EpochHook]:
    """An ``on_epoch`` hook for :func:`evosynth.train` that logs every epoch's record with
    dvclive into ``directory`` (emptied first: a log belongs to one training run)."""
    from dvclive import Live  # the pipeline extra; not needed by the library

    directory = Path(directory)
    shutil.rmtree(directory, ignore_errors=True)
    live = Live(dir=str(directory), resume=False, report=None, save_dvc_exp=False,
                dvcyaml=None, monitor_system=False)

    def log(record: dict[str, float]) -> None:
        for name, value in record.items():
            if name != "epoch":
                live.log_metric(name, float(value), plot=True)
        live.next_step()

    try:
        yield log
    finally:
        live.end()
