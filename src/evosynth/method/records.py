"""Per-epoch training records of the pipeline's networks, written with dvclive.

Every network a pipeline stage trains logs, after each epoch, its mean training loss and its
validation adaptive F-beta into ``results/<generation>/live/`` (dvclive's layout:
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


#: What dvclive logs of every epoch's record (the summary's ``history`` keeps all of it): few
#: enough that ``dvc exp show`` stays readable with one column each per generation.
LIVE_METRICS = ("train/loss", "val/f_beta_adaptive")


@contextmanager
def live_log(directory: str | os.PathLike[str],
             names: tuple[str, ...] = LIVE_METRICS) -> Iterator[EpochHook]:
    """An ``on_epoch`` hook for :func:`evosynth.train` that logs ``names`` of every epoch's
    record with dvclive into ``directory`` (emptied first: a log belongs to one run)."""
    from dvclive import Live  # the pipeline extra; not needed by the library

    directory = Path(directory)
    shutil.rmtree(directory, ignore_errors=True)
    live = Live(dir=str(directory), resume=False, report=None, save_dvc_exp=False,
                dvcyaml=None, monitor_system=False)

    def log(record: dict[str, float]) -> None:
        for name in names:
            if name in record:
                live.log_metric(name, float(record[name]), plot=True)
        live.next_step()

    try:
        yield log
    finally:
        live.end()
