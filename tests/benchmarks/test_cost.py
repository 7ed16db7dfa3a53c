"""Cost of a network (benchmarks/cost_measures.py): FLOPs, parameters and the sparse export."""

import sys

import torch
from torch import nn

from support import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from cost_measures import (count_flops, count_flops_nonzero, count_parameters,  # noqa: E402
                           dense_bytes, load_sparse, save_sparse, sparse_bytes)
from evosynth.method.genetics import Masks  # noqa: E402
from support import saliency_net  # noqa: E402


def test_flops_and_parameters_of_a_known_network():
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                        nn.Linear(4 * 8 * 8, 5))
    x = torch.rand(2, 3, 8, 8)
    # conv: 4 filters x 27 synapses x 64 positions; linear: 256 x 5; 2 FLOPs each; batch 2
    assert count_flops(net, x) == 2 * 2 * (4 * 27 * 64 + 256 * 5)
    assert count_parameters(net) == 4 * 27 + 4 + 256 * 5 + 5
    with torch.no_grad():
        net[0].weight[:2] = 0
    assert count_flops(net, x) == 2 * 2 * (4 * 27 * 64 + 256 * 5)  # dense: zeros still cost
    assert count_flops_nonzero(net, x) == 2 * 2 * (2 * 27 * 64 + 256 * 5)


def test_sparse_export_round_trips_and_is_smaller_for_a_sparse_network(tmp_path):
    net = saliency_net()
    masks = Masks({n: torch.rand(m.shape, generator=torch.Generator().manual_seed(0)) < 0.05
                   for n, m in Masks.ones_like(net).items()})
    masks.apply_(net)
    save_sparse(net, tmp_path / "net.npz", masks)
    state = load_sparse(tmp_path / "net.npz")
    assert set(state) == set(net.state_dict())
    for key, value in net.state_dict().items():
        assert torch.equal(state[key], value), key
    big = nn.Linear(1000, 1000)
    with torch.no_grad():
        big.weight.mul_(torch.rand(1000, 1000, generator=torch.Generator().manual_seed(1)) < 0.05)
    # 4 MB dense; ~50k alive float32 values + a compressed bit mask of 125 kB at most
    assert dense_bytes(big) > 4 * count_parameters(big)
    assert sparse_bytes(big) < 4 * 60_000 + 125_000 + 10_000 < dense_bytes(big) / 10
