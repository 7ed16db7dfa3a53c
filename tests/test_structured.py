"""Structured (cluster-driven) synthesis, populations with selection, and cost measurement."""

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from torch import nn

from evosynth import build_model
from evosynth.config import ParamsError, parse_params
from evosynth.cost import (count_flops, count_flops_nonzero, count_parameters, dense_bytes,
                           load_sparse, save_sparse, sparse_bytes)
from evosynth.genetics import (BudgetEnvironment, Masks, cluster_probabilities,
                               cluster_strengths, count_clusters, shrink, synthesize_clusters)
from evosynth.paths import Paths
from evosynth.checkpoints import load_checkpoint, load_network, save_checkpoint

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = yaml.safe_load((ROOT / "params.yaml").read_text())



def _net(seed=0, **overrides):
    torch.manual_seed(seed)
    config = dict(widths=(6, 8), bottleneck_width=10, bottleneck_layers=1, patch=2,
                  head_kernel=3)
    config.update(overrides)
    net = build_model(**config)
    # non-trivial batch-norm statistics and affine parameters, as after training
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
    return net.eval()


def _draw(net, seed=1, fraction=0.6):
    return synthesize_clusters(net, BudgetEnvironment(keep_fraction=fraction),
                               torch.Generator().manual_seed(seed))


# -- the probability model --------------------------------------------------------------------
def test_cluster_probability_is_exp_of_mean_strength_over_layer_max():
    net = _net()
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
    net = _net()
    masks = Masks.ones_like(net)
    masks["encoder.0.0.weight"][0] = False
    assert cluster_strengths(net, masks)["encoder.0.0"][0].item() == 0.0


# -- the draw ---------------------------------------------------------------------------------
def test_same_seed_same_offspring_and_budget_is_met_on_average():
    net = _net()
    a, fa = _draw(net, seed=3)
    b, fb = _draw(net, seed=3)
    assert fa == fb and all(torch.equal(a[k], b[k]) for k in a)
    c, _ = _draw(net, seed=4)
    assert any(not torch.equal(a[k], c[k]) for k in a)
    kept = np.mean([sum(int(v.sum()) for v in _draw(net, seed=s)[0].values())
                    for s in range(200)])
    assert kept == pytest.approx(0.6 * count_clusters(net), rel=0.05)


def test_every_layer_keeps_at_least_one_filter():
    net = _net()
    keep, factor = synthesize_clusters(net, 1e-9, torch.Generator().manual_seed(0))
    assert factor == pytest.approx(1e-9)
    assert all(int(k.sum()) == 1 for k in keep.values())
    child, _ = shrink(net, keep)
    assert child(torch.rand(1, 3, 16, 16)).shape == (1, 1, 16, 16)


def test_generator_is_checked():
    net = _net()
    with pytest.raises(TypeError, match="torch.Generator"):
        synthesize_clusters(net, 0.5, 0)


# -- the offspring: a smaller dense network ------------------------------------------------------
@pytest.mark.parametrize("overrides", [{}, {"convs_per_stage": 2}, {"bottleneck_layers": 0},
                                       {"batch_norm": False}, {"widths": (4, 6, 8), "patch": 1}])
def test_offspring_is_the_parent_with_the_dropped_filters_silenced(overrides):
    """Shrunk network == parent whose dropped filters output zero (eval mode): the weights of
    the kept filters, their BN statistics and the matching input channels (through the skip
    connections) were copied correctly."""
    parent = _net(**overrides)
    keep, _ = _draw(parent, seed=5, fraction=0.5)
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
    net = _net(convs_per_stage=2)
    for generation in range(1, 5):
        keep, _ = _draw(net, seed=generation, fraction=0.7)
        net, _ = shrink(net, keep)
        assert net(torch.rand(2, 3, 32, 32)).shape == (2, 1, 32, 32)
        graph = {n.name: n for n in net.conv_graph()}
        dec = graph["decoder.1.0"]
        assert net.get_submodule("decoder.1.0").in_channels == sum(
            net.get_submodule(s).out_channels for s in dec.sources)


def test_parent_masks_are_sliced_with_the_filters():
    parent = _net()
    masks = Masks.ones_like(parent)
    masks["decoder.0.0.weight"][:, 0] = False  # an input channel of the decoder is dead
    keep, _ = _draw(parent, seed=2)
    _, child_masks = shrink(parent, keep, masks)
    assert child_masks.count() < child_masks.total()


def test_shrink_errors_name_the_layer():
    net = _net()
    with pytest.raises(ValueError, match="head"):
        shrink(net, {"head": torch.ones(4, dtype=torch.bool)})
    with pytest.raises(ValueError, match="every filter"):
        shrink(net, {"encoder.0.0": torch.zeros(6, dtype=torch.bool)})
    with pytest.raises(ValueError, match="has 6 filters"):
        shrink(net, {"encoder.0.0": torch.ones(5, dtype=torch.bool)})
    with pytest.raises(TypeError, match="conv_graph"):
        synthesize_clusters(nn.Conv2d(1, 2, 3), 0.5, torch.Generator())


def test_structured_checkpoint_loads_safely_and_rebuilds(tmp_path):
    parent = _net()
    child, masks = shrink(parent, _draw(parent)[0])
    path = save_checkpoint(tmp_path / "net.pt", child, masks,
                           channels=list(child.config.conv_channels))
    state = load_checkpoint(path)  # weights_only=True inside
    again = load_network(state, parent.config).eval()
    x = torch.rand(1, 3, 16, 16)
    torch.testing.assert_close(again(x), child(x))


def test_model_channels_are_validated():
    with pytest.raises(ValueError, match="model.channels must list 5"):
        build_model(widths=(6, 8), bottleneck_width=10, bottleneck_layers=1, channels=(1, 2))


# -- parameters -------------------------------------------------------------------------------
def _with(section, **changes):
    data = copy.deepcopy(DEFAULT)
    data[section] = {**data.get(section, data["generation"]), **changes}
    return data


def test_structured_parameters_are_validated_with_the_key_named():
    params = parse_params(_with("generation", mode="structured", population=3))
    assert params.generation.mode == "structured" and params.generation.population == 3
    assert parse_params(copy.deepcopy(DEFAULT)).generation.mode == "unstructured"
    with pytest.raises(ParamsError, match=r"generation\.mode = 'filters'"):
        parse_params(_with("generation", mode="filters"))
    with pytest.raises(ParamsError, match=r"generation\.population = 0"):
        parse_params(_with("generation", population=0))
    with pytest.raises(ParamsError, match=r"structured.*rewind"):
        parse_params(_with("structured", mode="structured", init="rewind"))
    with pytest.raises(ParamsError, match=r"structured\.modee.*unknown key"):
        parse_params(_with("structured", modee="structured"))


def test_second_lineage_paths_share_the_ancestor():
    paths = Paths(lineage="structured")
    assert paths.network("gen0") == Paths().network("gen0")
    assert str(paths.network("gen2")).endswith("models/structured/gen2/network.pt")
    assert str(paths.summary("gen2")).endswith("results/structured/gen2/summary.json")


# -- population and selection, end to end on a tiny network -------------------------------------
@pytest.fixture
def tiny_run(tmp_path):
    from evosynth.stages.ancestor import ancestor
    from evosynth.synthetic import make_shapes
    for i, split in enumerate(("train", "val", "test")):
        make_shapes(24, 16, seed=i).save(tmp_path / "data" / "prepared" / f"{split}.npz")
    train = {"epochs": 1, "batch_size": 8, "optimizer": "adam", "lr": 0.01, "weight_decay": 0.0,
             "momentum": 0.9, "schedule": "constant", "seed": 0, "device": "cpu"}
    lineage = {"gen1": {"parent": "gen0", "seed": 1,
                        "environment": {"kind": "budget", "keep_fraction": 0.6}},
               "gen2": {"parent": "gen1", "seed": 2,
                        "environment": {"kind": "constant", "factor": 0.9}}}
    data = {"prepare": {"dataset": "shapes", "image_size": 16},
            "ancestor": {"model": {"widths": [4, 6], "bottleneck_width": 8,
                                   "bottleneck_layers": 1}, "train": train},
            "generation": {"normalization": "layer", "init": "inherit", "train": train,
                           "lineage": lineage, "population": 3},
            "structured": {"mode": "structured", "normalization": "layer", "init": "inherit",
                           "train": train, "lineage": lineage, "population": 2}}
    params = parse_params(data)
    paths = Paths(tmp_path)
    ancestor(params, paths, progress=False)
    return params, paths, tmp_path


def test_population_keeps_the_fittest_on_validation(tiny_run):
    from evosynth.stages.generation import generation
    params, paths, _ = tiny_run
    result = generation(params, "gen1", paths, progress=False)
    s = result.summary
    assert len(s["candidates"]) == 3 and s["population"] == 3
    assert s["candidates"][0]["seed"] == 1  # candidate 0 is the lineage entry's seed
    assert len({c["seed"] for c in s["candidates"]}) == 3
    best = max(s["candidates"], key=lambda c: c["val"]["f_beta_adaptive"])
    assert s["selected"] == best["candidate"] and s["val"] == best["val"]
    saved = json.loads(paths.summary("gen1").read_text())
    assert saved["selected"] == s["selected"]
    assert load_checkpoint(paths.network("gen1"))["masks"].count() == best["synapses"]


def test_structured_lineage_writes_smaller_networks_and_metrics(tiny_run):
    from evosynth.stages.beyond import lineage_metrics
    from evosynth.stages.generation import generation
    params, root_paths, tmp = tiny_run
    for name in ("gen1", "gen2"):
        result = generation(params, name, root_paths, progress=False, section="structured")
        assert result.summary["mode"] == "structured"
        assert result.summary["parameters"] < result.summary["parent_parameters"]
    assert (tmp / "models" / "structured" / "gen2" / "network.pt").is_file()
    rows = lineage_metrics(params, "structured", "darwin-structured",
                                     tmp / "results" / "structured.json", root_paths)
    assert list(rows) == [f"saliency-default/darwin-structured/inherit/seed0/gen{k}"
                          for k in range(3)]
    assert set(rows["saliency-default/darwin-structured/inherit/seed0/gen2"]) == {
        "synapses", "reduction", "f_beta_adaptive", "f_beta_max", "mae"}
    assert rows["saliency-default/darwin-structured/inherit/seed0/gen2"]["reduction"] > 1
    with pytest.raises(ParamsError, match="no lineage section 'evaluate'"):
        params.lineage_section("evaluate")


# -- cost -------------------------------------------------------------------------------------
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
    net = _net()
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
