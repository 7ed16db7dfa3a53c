"""evosynth: evolutionary synthesis of deep neural networks.

A reproduction of Shafiee, Mishra & Wong, *Deep Learning with Darwin: Evolutionary Synthesis
of Deep Neural Networks* (Neural Processing Letters, 2018). Split by role, imports running down:
:mod:`evosynth.publish` (the tools that check and publish a run), :mod:`evosynth.experiment`
(the paper's experiment; ``experiment.stages``: one module per DVC stage) and
:mod:`evosynth.method` (what a user imports to evolve their own network; it imports nothing of
the other two). :mod:`evosynth.hparams` stays at the top of the package as the bottom floor,
where open_lth keeps its hparams: the vocabulary, the rules of a recipe, the lineages' names
and the library's config dataclasses (``TrainConfig``, ...), which the method needs (training
reads ``TrainConfig``, every registry checks its words) and ``experiment.config`` builds its
sections from; it imports nothing of the package.

>>> import torch, evosynth
>>> net = evosynth.build_model("tiny")
>>> child = evosynth.synthesize(net, factor=0.7, generator=torch.Generator().manual_seed(0))
>>> evosynth.count_synapses(child) < evosynth.count_synapses(net)
True
"""

from __future__ import annotations

import importlib
from importlib import metadata as _metadata
from typing import Any

#: The public names of the package and the module each lives in. The face is lazy (PEP 562):
#: ``import evosynth`` imports none of them, ``evosynth.train`` imports :mod:`evosynth.method.training`
#: on first use, so that ``import evosynth.method.genetics`` does not import training, and a stage's
#: code (its ``deps:`` in ``dvc.yaml``) is only the modules it uses.
_EXPORTS = {
    "method.data": ("DataError", "SaliencySet", "load_folder", "read_image", "read_mask"),
    "method.genetics": ("INIT_MODES", "BudgetEnvironment", "ConstantEnvironment", "Environment",
                 "LayerReport", "MaskError", "Masks", "as_environment", "count_synapses",
                 "init_offspring", "layer_budget", "prune_to_budget", "synapse_probability",
                 "synapse_report", "synaptic_parameters", "synaptic_probabilities",
                 "synthesize"),
    "method.metrics": ("SaliencyMetrics", "SaliencyScores", "saliency_scores"),
    "method.models": ("PRESETS", "SaliencyNet", "SaliencyNetConfig", "build_model"),
    "experiment.synthetic": ("CompositeConfig", "make_fashion_composite", "make_shapes"),
    "method.checkpoints": ("load_checkpoint", "save_checkpoint"),
    "method.training": ("TrainConfig", "TrainResult", "evaluate", "predict", "select_device", "train"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

# The version lives in pyproject.toml only; CITATION.cff repeats it (tests/publish/test_citation.py checks).
try:
    __version__ = _metadata.version("evosynth")
except _metadata.PackageNotFoundError:  # imported from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'evosynth' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
