"""evosynth: evolutionary synthesis of deep neural networks.

A reproduction of Shafiee, Mishra & Wong, *Deep Learning with Darwin: Evolutionary Synthesis
of Deep Neural Networks* (Neural Processing Letters, 2018). The method lives in
:mod:`evosynth.genetics` and works on any ``nn.Module``; the rest is the saliency toolkit
(models, data sets, training, metrics) of the paper's experiment.

>>> import torch, evosynth
>>> net = evosynth.build_model("tiny")
>>> child = evosynth.synthesize(net, factor=0.7, generator=torch.Generator().manual_seed(0))
>>> evosynth.count_synapses(child) < evosynth.count_synapses(net)
True
"""

from importlib import metadata as _metadata

from .data import DataError, SaliencySet, load_folder, read_image, read_mask
from .genetics import (INIT_MODES, BudgetEnvironment, ConstantEnvironment, Environment,
                       LayerReport, MaskError, Masks, as_environment, count_synapses,
                       init_offspring, layer_budget, prune_to_budget, synapse_probability,
                       synapse_report, synaptic_parameters, synaptic_probabilities, synthesize)
from .metrics import SaliencyMetrics, SaliencyScores, saliency_scores
from .models import PRESETS, SaliencyNet, SaliencyNetConfig, build_model
from .synthetic import CompositeConfig, make_fashion_composite, make_shapes
from .checkpoints import load_checkpoint, save_checkpoint
from .training import TrainConfig, TrainResult, evaluate, predict, select_device, train

# The version lives in pyproject.toml only; CITATION.cff repeats it (tests/test_citation.py checks).
try:
    __version__ = _metadata.version("evosynth")
except _metadata.PackageNotFoundError:  # imported from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "INIT_MODES", "PRESETS", "BudgetEnvironment", "CompositeConfig", "ConstantEnvironment",
    "DataError", "Environment", "LayerReport", "MaskError", "Masks", "SaliencyMetrics",
    "SaliencyNet", "SaliencyNetConfig", "SaliencyScores", "SaliencySet", "TrainConfig",
    "TrainResult", "as_environment", "build_model", "count_synapses", "evaluate",
    "init_offspring", "layer_budget", "load_checkpoint", "load_folder", "make_fashion_composite",
    "make_shapes", "predict", "prune_to_budget", "read_image", "read_mask", "saliency_scores", "save_checkpoint",
    "select_device", "synapse_probability", "synapse_report", "synaptic_parameters",
    "synaptic_probabilities", "synthesize", "train",
]
