"""What the ancestor and generation stages write of a trained generation."""

from __future__ import annotations

from typing import Any

from ..method.atomic import write_csv, write_json
from ..method.checkpoints import save_checkpoint, write_torch
from ..method.genetics import synapse_report
from ..method.lineage import Generation
from .paths import Paths
from .provenance import machine_summary


def save_generation(paths: Paths, name: str, generation: Generation,
                    **summary: Any) -> dict[str, Any]:
    """Write generation ``name``: its checkpoint (``network.pt``, with ``channels`` for a
    structured offspring), the ancestor's early weights if it kept them (``rewind.pt``, for
    the ``rewind`` init mode), its per-layer synapses (``layers.csv``) and its summary
    (``summary.json``: the engine's summary, ``summary`` and the machine). Returns the
    summary."""
    record = {"generation": name, **summary, **generation.summary,
              "machine": machine_summary()}
    channels = generation.summary.get("channels")
    extra = {"channels": channels} if channels is not None else {}
    if generation.rewind_state is not None:
        write_torch(paths.rewind, generation.rewind_state)
    save_checkpoint(paths.network(name), generation.network, generation.masks,
                    generation=name, **extra)
    write_csv(paths.layers(name), [r.as_dict() for r in synapse_report(generation.masks)])
    write_json(paths.summary(name), record)
    generation.summary = record
    return record
