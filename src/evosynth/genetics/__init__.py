"""The paper's method, on any ``nn.Module``: synaptic probability model, environmental
factor model, random synthesis of offspring, masks and synapse accounting."""

from .accounting import LayerReport, count_parameters, count_synapses, synapse_report
from .clusters import (cluster_probabilities, cluster_strengths, count_clusters,
                       expected_clusters, shrink, synthesize_clusters)
from .environment import BudgetEnvironment, ConstantEnvironment, Environment, as_environment
from .masks import MaskError, MaskHandle, Masks, synaptic_parameters
from .offspring import INIT_MODES, init_offspring
from .probability import NORMALIZATIONS, Normalization, heredity, synapse_probability
from .pruning import PRUNING_METHODS, layer_budget, prune_to_budget
from .synthesis import draw, synaptic_probabilities, synthesize

__all__ = [
    "NORMALIZATIONS", "BudgetEnvironment", "ConstantEnvironment", "Environment", "INIT_MODES",
    "LayerReport", "Normalization", "draw", "expected_clusters", "heredity",
    "MaskError", "MaskHandle", "Masks", "PRUNING_METHODS", "as_environment",
    "cluster_probabilities", "cluster_strengths", "count_clusters", "count_parameters",
    "count_synapses", "init_offspring", "layer_budget", "prune_to_budget", "shrink",
    "synapse_probability", "synapse_report", "synaptic_parameters", "synaptic_probabilities",
    "synthesize", "synthesize_clusters",
]
