"""Where a result was computed: the machine and the versions of what ran it."""

from __future__ import annotations

import os
import platform
import sys

import numpy as np
import torch


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_summary() -> dict[str, str | int]:
    """Python, PyTorch and NumPy versions, the OS, the CPU, its usable cores and the GPU."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(terse=True),
        "cpu": _cpu_name(),
        "cpu_cores": int(cores or 1),
        "torch_threads": torch.get_num_threads(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
        "executable": sys.executable.split(os.sep)[-1],
    }
