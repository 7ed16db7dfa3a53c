"""Which CPU a benchmark ran on, more precisely than its name.

Machines sold under one name ("AMD EPYC") can be generations apart and several times apart
in speed (a training step in fp32: 1.29 s on a Zen 1, 0.31 s on a Zen 3), so the timing
records (``main_job.py``, ``test_suite.py``) keep the vendor, family, model and stepping.
(Kept out of ``evosynth``: the pipeline's stages depend on its provenance module.)
"""

from __future__ import annotations

from pathlib import Path


def cpu_model(cpuinfo: str | None = None) -> str:
    """The CPU's vendor, family, model and stepping (from ``/proc/cpuinfo``, or the text
    given); ``"unknown"`` where there is no such file or field."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return "unknown"
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key in ("vendor_id", "cpu family", "model", "stepping") and key not in fields:
            fields[key] = value.strip()
    if not fields:
        return "unknown"
    return (f"{fields.get('vendor_id', '?')} family {fields.get('cpu family', '?')} model "
            f"{fields.get('model', '?')} stepping {fields.get('stepping', '?')}")
