"""Structured (cluster-driven) synthesis (evosynth.method.genetics.clusters): the probability model of
a filter, the draw, and the offspring as a smaller dense network."""

import copy
import math

import numpy as np
import pytest
import torch
from torch import nn

from evosynth.method.genetics import count_parameters
from evosynth.method.genetics import (Masks, cluster_probabilities, cluster_strengths, count_clusters,
                               shrink, synthesize_clusters)

from support import draw_clusters, saliency_net


# -- the probability model --------------------------------------------------------------------
def test_cluster_probability_is_exp_of_mean_strength_over_layer_max():
    net = saliency_net()
    with torch.no_grad():
        w = net.encoder[0][0].weight
        w.zero_()
        w[0].fill_(2.0)        # strongest filter: P = 1
        w[1].fill_(1.0)        # half as strong: P = exp(-1/2)
        w[2, 0, 0, 0] = 2.0    # one synapse of 2 among 12 * 9: mean 2/108
    s = cluster_strengths(net)["encoder.0.0"]
    assert s[0].item() == pytest.approx(2.0)
    p = cluster_probabilities(net)["encoder.0.0"]
    assert p[0].item() == pytest.approx(1.0)
    assert p[1].item() == pytest.approx(math.exp(-0.5), rel=1e-6)
    assert p[2].item() == pytest.approx(math.exp(1 / 108 - 1), rel=1e-6)
    assert p[3].item() == pytest.approx(math.exp(-1), rel=1e-6)  # all-zero filter: 1/e
    assert "head" not in cluster_probabilities(net)
    glob = cluster_probabilities(net, normalization="global")
    top = max(float(v.max()) for v in glob.values())
    assert top == pytest.approx(1.0)
    with pytest.raises(ValueError, match="normalization"):
        cluster_probabilities(net, normalization="channel")


def test_dead_synapses_count_as_zero_strength():
    net = saliency_net()
    masks = Masks.ones_like(net)
    masks["encoder.0.0.weight"][0] = False
    assert cluster_strengths(net, masks)["encoder.0.0"][0].item() == 0.0


# -- the draw ---------------------------------------------------------------------------------
def test_same_seed_same_offspring_and_budget_is_met_on_average():
    net = saliency_net()
    a, fa = draw_clusters(net, seed=3)
    b, fb = draw_clusters(net, seed=3)
    assert fa == fb and all(torch.equal(a[k], b[k]) for k in a)
    c, _ = draw_clusters(net, seed=4)
    assert any(not torch.equal(a[k], c[k]) for k in a)
    kept = np.mean([sum(int(v.sum()) for v in draw_clusters(net, seed=s)[0].values())
                    for s in range(200)])
    assert kept == pytest.approx(0.6 * count_clusters(net), rel=0.05)


def test_every_layer_keeps_at_least_one_filter():
    net = saliency_net()
    keep, factor = synthesize_clusters(net, 1e-9, torch.Generator().manual_seed(0))
    assert factor == pytest.approx(1e-9)
    assert all(int(k.sum()) == 1 for k in keep.values())
    child, _ = shrink(net, keep)
    assert child(torch.rand(1, 3, 16, 16)).shape == (1, 1, 16, 16)


def test_generator_is_checked():
    net = saliency_net()
    with pytest.raises(TypeError, match="torch.Generator"):
        synthesize_clusters(net, 0.5, 0)


# -- the offspring: a smaller dense network ------------------------------------------------------
@pytest.mark.parametrize("overrides", [{}, {"convs_per_stage": 2}, {"bottleneck_layers": 0},
                                       {"batch_norm": False}, {"widths": (4, 6, 8), "patch": 1}])
def test_offspring_is_the_parent_with_the_dropped_filters_silenced(overrides):
    """Shrunk network == parent whose dropped filters output zero (eval mode): the weights of
    the kept filters, their BN statistics and the matching input channels (through the skip
    connections) were copied correctly."""
    parent = saliency_net(**overrides)
    keep, _ = draw_clusters(parent, seed=5, fraction=0.5)
    child, masks = shrink(parent, keep)
    silenced = copy.deepcopy(parent)
    with torch.no_grad():
        for node in silenced.conv_graph():
            if node.name not in keep:
                continue
            dropped = ~keep[node.name]
            if node.batch_norm:
                bn = silenced.get_submodule(node.batch_norm)
                bn.weight[dropped] = 0
                bn.bias[dropped] = 0
            else:
                conv = silenced.get_submodule(node.name)
                conv.weight[dropped] = 0
                conv.bias[dropped] = 0
    x = torch.rand(3, 3, 16, 16)
    torch.testing.assert_close(child.eval()(x), silenced(x), atol=1e-5, rtol=1e-4)
    # subset: every weight of the child is a weight of the parent
    assert child.config.channels == tuple(int(k.sum()) for k in keep.values())
    assert masks.count() == masks.total()
    assert count_parameters(child) < count_parameters(parent)
    assert child.head.out_channels == parent.head.out_channels  # the head's pixels are kept


def test_skip_connections_stay_consistent_over_generations():
    net = saliency_net(convs_per_stage=2)
    for generation in range(1, 5):
        keep, _ = draw_clusters(net, seed=generation, fraction=0.7)
        net, _ = shrink(net, keep)
        assert net(torch.rand(2, 3, 32, 32)).shape == (2, 1, 32, 32)
        graph = {n.name: n for n in net.conv_graph()}
        dec = graph["decoder.1.0"]
        assert net.get_submodule("decoder.1.0").in_channels == sum(
            net.get_submodule(s).out_channels for s in dec.sources)


def test_parent_masks_are_sliced_with_the_filters():
    parent = saliency_net()
    masks = Masks.ones_like(parent)
    masks["decoder.0.0.weight"][:, 0] = False  # an input channel of the decoder is dead
    keep, _ = draw_clusters(parent, seed=2)
    _, child_masks = shrink(parent, keep, masks)
    assert child_masks.count() < child_masks.total()


def test_shrink_errors_name_the_layer():
    net = saliency_net()
    with pytest.raises(ValueError, match="head"):
        shrink(net, {"head": torch.ones(4, dtype=torch.bool)})
    with pytest.raises(ValueError, match="every filter"):
        shrink(net, {"encoder.0.0": torch.zeros(6, dtype=torch.bool)})
    with pytest.raises(ValueError, match="has 6 filters"):
        shrink(net, {"encoder.0.0": torch.ones(5, dtype=torch.bool)})
    with pytest.raises(TypeError, match="conv_graph"):
        synthesize_clusters(nn.Conv2d(1, 2, 3), 0.5, torch.Generator())
