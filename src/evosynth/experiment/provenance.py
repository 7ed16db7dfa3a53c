"""Where a result was computed: the machine, the code, the environment and the time."""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from ..method.training import CPU_BF16_ENV, cpu_bf16

#: The complete environment lock (every installed package at an exact version, with hashes).
LOCK_FILE = "requirements.lock"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_capability() -> str:
    """PyTorch's CPU kernel level (``AVX512``, ``AVX2``, ...): CPU training is bit-identical
    between two machines only when this, the PyTorch build and the thread count agree."""
    try:
        return str(torch.backends.cpu.get_cpu_capability())
    except Exception:  # noqa: BLE001 (older builds, other back ends)
        return "unknown"


def lock_hash(root: str | os.PathLike[str] = ".") -> str:
    """SHA-256 of the environment lock file at ``root``, or ``"none"`` when there is none."""
    path = Path(root) / LOCK_FILE
    if not path.is_file():
        return "none"
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: What a run's result depends on besides data: a change here makes the commit ``+dirty``
#: (results, dvc.lock and executed notebooks change during a run and do not count).
CODE = ("src", "notebooks", "dvc.yaml", "beyond/dvc.yaml", "params.yaml", "pyproject.toml",
        LOCK_FILE)


def code_commit(root: str | os.PathLike[str] = ".") -> str:
    """The git commit the code ran from, ``+dirty`` when the code (:data:`CODE`) differs
    from it, or ``"unknown"`` outside a git repository (a scratch copy, an archive)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              check=True, timeout=30).stdout.strip()
    try:
        commit = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", *CODE)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


#: The working directory and the code's commit when this module was first imported: a stage
#: imports it before its work starts (``evosynth.experiment.save``).
_AT_START = (os.getcwd(), code_commit())


def run_commit() -> str:
    """The commit of the code this process runs (:func:`code_commit` when this module was
    first imported), so that a record names the code that ran even when the checkout changes
    during a long stage; taken now if the working directory has changed since."""
    cwd, commit = _AT_START
    return commit if os.getcwd() == cwd else code_commit()


def describe_kind(machine: dict) -> str:
    """A machine's kind: its CPU and how it does bf16 (``cpu_bf16``; ``?`` in a record made
    before the field existed)."""
    return f"{machine.get('cpu', '?')} (bf16: {machine.get('cpu_bf16', '?')})"


def machine_summary() -> dict[str, str | int]:
    """Python, PyTorch and NumPy versions, the OS, the CPU, its PyTorch capability, usable
    cores and threads, the GPU, the environment lock's hash, the commit of the code this
    process runs (:func:`run_commit`) and the time."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(terse=True),
        "cpu": _cpu_name(),
        "cpu_capability": cpu_capability(),
        "cpu_bf16": cpu_bf16(),
        **({"cpu_bf16_forced_by": CPU_BF16_ENV} if os.environ.get(CPU_BF16_ENV) else {}),
        "cpu_cores": int(cores or 1),
        "torch_threads": torch.get_num_threads(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
        "executable": sys.executable.split(os.sep)[-1],
        "lock_sha256": lock_hash(),
        "commit": run_commit(),
        "finished": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def describe(machine: dict) -> str:
    """One Markdown sentence: where and from which code a stage's result was computed."""
    commit = str(machine.get("commit", "unknown"))
    code = "unrecorded code" if commit == "unknown" else \
        f"code at commit `{commit[:10]}`" + (" with uncommitted changes" if commit.endswith(
            "+dirty") else "")
    lock = str(machine.get("lock_sha256", "none"))
    env = "no environment lock" if lock == "none" else f"environment lock sha256 `{lock[:12]}`"
    gpu = machine.get("gpu", "none")
    return (f"{code}, finished {machine.get('finished', 'at an unrecorded time')}, on "
            f"{machine.get('cpu', 'an unknown CPU')} (PyTorch CPU capability "
            f"{machine.get('cpu_capability', 'unrecorded')}, {machine.get('torch_threads', '?')} "
            f"threads, GPU: {gpu}), Python {machine.get('python', '?')}, PyTorch "
            f"{machine.get('torch', '?')}, {env}")
