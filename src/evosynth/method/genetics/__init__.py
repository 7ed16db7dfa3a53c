"""The paper's method, on any ``nn.Module``: synaptic probability model, environmental
factor model, random synthesis of offspring, masks and synapse accounting."""

from .accounting import LayerReport, count_parameters, count_synapses, synapse_report
from .clusters import (cluster_probabilities, cluster_strengths, count_clusters, draw_clusters,
                       expected_clusters, shrink, synthesize_clusters)
from .environment import (ENVIRONMENT_KINDS, BudgetEnvironment, ConstantEnvironment, Environment,
                          as_environment, build_environment)
from .masks import MaskError, MaskHandle, Masks, synaptic_parameters
from .offspring import INIT_MODES, init_offspring
from .probability import Normalization, check_normalization, heredity, synapse_probability
from .pruning import PRUNING_METHODS, layer_budget, prune_to_budget
from .synthesis import draw, draw_synapses, synaptic_probabilities, synthesize

__all__ = [
    "ENVIRONMENT_KINDS", "BudgetEnvironment", "ConstantEnvironment", "Environment", "INIT_MODES",
    "LayerReport", "Normalization", "build_environment", "check_normalization", "draw",
    "draw_clusters", "draw_synapses", "expected_clusters", "heredity",
    "MaskError", "MaskHandle", "Masks", "PRUNING_METHODS", "as_environment",
    "cluster_probabilities", "cluster_strengths", "count_clusters", "count_parameters",
    "count_synapses", "init_offspring", "layer_budget", "prune_to_budget", "shrink",
    "synapse_probability", "synapse_report", "synaptic_parameters", "synaptic_probabilities",
    "synthesize", "synthesize_clusters",
]
