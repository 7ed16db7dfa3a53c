"""Environments: the factor F(E) of an offspring (evosynth.method.genetics.environment)."""

import pytest
import torch

from evosynth import (BudgetEnvironment, ConstantEnvironment, count_synapses,
                      synaptic_probabilities, synthesize)


def test_budget_environment_hits_expected_count(small_net):
    target = 100
    env = BudgetEnvironment(target_synapses=target)
    probabilities = synaptic_probabilities(small_net)
    factor = env.factor(probabilities)
    assert factor * sum(float(p.sum()) for p in probabilities.values()) == pytest.approx(target)
    g = torch.Generator().manual_seed(0)
    mean = sum(count_synapses(synthesize(small_net, env, g)) for _ in range(200)) / 200
    assert mean == pytest.approx(target, rel=0.03)


def test_budget_keep_fraction_and_cap(small_net):
    probabilities = synaptic_probabilities(small_net)
    alive = sum(p.numel() for p in probabilities.values())
    f = BudgetEnvironment(keep_fraction=0.25).factor(probabilities)
    assert f * sum(float(p.sum()) for p in probabilities.values()) == pytest.approx(0.25 * alive)
    # Unreachable target: F capped at 1.
    assert BudgetEnvironment(target_synapses=10 * alive).factor(probabilities) == 1.0


def test_bad_environment_arguments():
    with pytest.raises(ValueError, match="exactly one"):
        BudgetEnvironment()
    with pytest.raises(ValueError, match="target_synapses"):
        BudgetEnvironment(target_synapses=0)
    with pytest.raises(ValueError, match="keep_fraction"):
        BudgetEnvironment(keep_fraction=2.0)
    assert ConstantEnvironment(0.3).factor({}) == 0.3
