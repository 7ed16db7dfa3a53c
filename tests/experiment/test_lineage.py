"""The lineage engine end to end on a tiny network: populations with selection, and the
structured lineage (evosynth.method.lineage, through the generation and beyond stages)."""

import json

import pytest
import torch

from evosynth.method.checkpoints import load_checkpoint
from evosynth.experiment.config import ParamsError, parse_params
from evosynth.experiment.paths import Paths


@pytest.fixture
def tiny_run(tmp_path):
    from evosynth.experiment.stages.ancestor import ancestor
    from evosynth.experiment.synthetic import make_shapes
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
                           "train": train, "lineage": lineage, "population": 2},
            "control": {"selection": "dense", "init": "inherit", "train": train,
                        "lineage": {"gen1": {"parent": "gen0", "seed": 1},
                                    "gen2": {"parent": "gen1", "seed": 2}}},
            "newborn": {"init": "newborn", "normalization": "layer", "train": train,
                        "lineage": lineage},
            "replicate": {"seeds": [1], "newborn_seeds": [1]},
            "small_dense": {"seeds": [0, 1], "generations": ["gen2"]}}
    params = parse_params(data)
    paths = Paths(tmp_path)
    ancestor(params, paths, progress=False)
    return params, paths, tmp_path


def test_population_keeps_the_fittest_on_validation(tiny_run):
    from evosynth.experiment.stages.generation import generation
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
    from evosynth.experiment.stages.lineage_metrics import lineage_metrics
    from evosynth.experiment.stages.generation import generation
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


def test_dense_control_keeps_every_synapse_and_trains_like_the_offspring(tiny_run):
    from evosynth.experiment.stages.lineage_metrics import lineage_metrics
    from evosynth.experiment.stages.generation import generation
    params, paths, tmp = tiny_run
    ancestor = load_checkpoint(paths.network("gen0"))
    for name in ("gen1", "gen2"):
        result = generation(params, name, paths, progress=False, section="control")
        assert result.masks.count() == result.masks.total() == ancestor["masks"].count()
        assert result.summary["selection"] == "dense" and result.summary["factor"] is None
        assert result.summary["epochs"] == params.generation.train_for(name).epochs
    trained = load_checkpoint(tmp / "models" / "control" / "gen2" / "network.pt")["model"]
    assert any(not torch.equal(trained[k], ancestor["model"][k]) for k in trained)  # it trained
    rows = lineage_metrics(params, "control", "dense-control", tmp / "results" / "control.json",
                           paths)
    assert [r["reduction"] for r in rows.values()] == [1.0, 1.0, 1.0]


def test_a_replicate_seed_has_its_own_ancestor_and_lineages_under_its_own_paths(tiny_run):
    from evosynth.experiment.stages.ancestor import ancestor as train_ancestor
    from evosynth.experiment.stages.generation import generation
    from evosynth.experiment.stages.campaign_metrics import campaign_metrics
    params, paths, tmp = tiny_run
    seeded, mine = params.seeded(1), paths.for_run(1)
    train_ancestor(seeded, mine, progress=False)
    seed0 = load_checkpoint(paths.network("gen0"))
    ancestor = load_checkpoint(mine.network("gen0"))
    assert str(mine.network("gen0")).endswith("models/seeds/seed1/gen0/network.pt")
    assert any(not torch.equal(ancestor["model"][k], seed0["model"][k]) for k in seed0["model"])
    for section in ("generation", "control"):
        for name in ("gen1", "gen2"):
            generation(params.seeded(1, section), name, mine, progress=False, section=section)
    offspring = load_checkpoint(mine.network("gen2"))["masks"]
    assert offspring.is_subset_of(load_checkpoint(mine.network("gen1"))["masks"])
    assert offspring.count() < ancestor["masks"].count()
    control = load_checkpoint(mine.for_lineage("control").network("gen2"))["masks"]
    assert control.count() == ancestor["masks"].count()                 # nothing removed
    summary = json.loads(mine.summary("gen2").read_text())
    assert summary["candidates"][0]["seed"] == 1000 + 2                 # as the study seeds
    assert not paths.network("gen1").exists()    # the default lineage's paths are untouched
    rows, missing = campaign_metrics(params, paths)
    assert sorted(rows) == sorted(
        f"saliency-default/{arm}/inherit/seed1/gen{g}"
        for arm in ("darwin", "dense-control") for g in range(3))
    assert json.loads(paths.campaign_metrics.read_text()) == rows
    # what is not trained yet is named, not scored: the newborn lineage of seed 1 and the
    # small dense networks of both seeds
    assert [m.split(" (")[0] for m in missing] == [
        "newborn seed 1", "small-dense seed 0 gen2", "small-dense seed 1 gen2"]
    with pytest.raises(ParamsError, match=r"seed 3 is not in replicate.seeds \(1\)"):
        params.seeded(3)
    with pytest.raises(ParamsError, match=r"seed 3 is not in replicate.newborn_seeds \(1\)"):
        params.seeded(3, "newborn")


def test_newborn_offspring_start_fresh_but_keep_the_drawn_synapses(tiny_run):
    from evosynth.experiment.stages.generation import generation
    params, paths, tmp = tiny_run
    inherit = generation(params, "gen1", paths, progress=False)
    newborn = generation(params, "gen1", paths, progress=False, section="newborn")
    assert newborn.summary["init"] == "newborn" and inherit.summary["init"] == "inherit"
    assert (tmp / "models" / "newborn" / "gen1" / "network.pt").is_file()
    assert newborn.masks.is_subset_of(load_checkpoint(paths.network("gen0"))["masks"])


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_an_offspring_keeps_its_dead_synapses_at_zero_in_either_precision(tiny_run, precision):
    """Trained in fp32 or under bf16 autocast (what `precision: auto` picks on a CPU with
    native bf16), an offspring is a subset of its parent and every synapse it lost stays
    exactly zero, whichever precision the machine running the tests would pick."""
    from evosynth.experiment.config import parse_params
    from evosynth.experiment.stages.generation import generation
    params, paths, tmp = tiny_run
    data = params.model_dump(mode="json")
    data["generation"]["train"]["precision"] = precision
    offspring = generation(parse_params(data), "gen1", paths, progress=False)
    assert offspring.summary["precision"] == precision
    state = load_checkpoint(paths.network("gen1"))
    assert state["masks"].is_subset_of(load_checkpoint(paths.network("gen0"))["masks"])
    for name, mask in state["masks"].items():
        assert bool((state["model"][name][~mask] == 0).all()), name


def test_a_small_dense_network_has_the_offspring_size_and_its_total_training(tiny_run):
    from evosynth.experiment.stages.generation import generation
    from evosynth.experiment.stages.campaign_metrics import campaign_metrics
    from evosynth.experiment.stages.small_dense import small_dense, total_epochs
    params, paths, tmp = tiny_run
    for name in ("gen1", "gen2"):
        generation(params, name, paths, progress=False)
    target = json.loads(paths.summary("gen2").read_text())["synapses"]
    result = small_dense(params, 0, "gen2", paths, progress=False)
    s = result.summary
    assert s["target_synapses"] == target
    assert abs(s["synapses"] - target) <= 0.15 * target        # one width factor: close
    assert s["synapses"] == s["synapses_total"]                 # dense: every synapse alive
    assert s["epochs"] == total_epochs(params, "gen2") == 3     # ancestor 1 + gen1 1 + gen2 1
    state = load_checkpoint(paths.small_dense().network("gen2"))
    assert str(paths.small_dense().network("gen2")).endswith("models/small-dense/gen2/network.pt")
    assert state["channels"] == s["channels"] and max(s["channels"]) < 8
    rows, _ = campaign_metrics(params, paths)
    row = rows["saliency-default/small-dense/newborn/seed0/gen2"]
    assert row["synapses"] == s["synapses"] and row["reduction"] > 1
    with pytest.raises(ParamsError, match=r"generation 'gen1' is not in small_dense"):
        small_dense(params, 0, "gen1", paths, progress=False)
    with pytest.raises(FileNotFoundError, match="seed 1's default lineage"):
        small_dense(params, 1, "gen2", paths, progress=False)


def test_the_best_effort_recipe_trains_every_arm_its_own_epochs_under_its_own_paths(tiny_run):
    """Each seed of the best-effort recipe, seed 0 too, under models/best-effort/seed<k>/: the
    ancestor trains best_effort.ancestor_epochs, every inheriting offspring inherit_epochs, the
    newborn ones newborn_epochs, the small dense network the lineage's total; the scores are
    keyed with the recipe's own task; the first recipe's networks are untouched."""
    from evosynth.experiment.config import parse_params
    from evosynth.experiment.stages.ancestor import ancestor as train_ancestor
    from evosynth.experiment.stages.generation import generation
    from evosynth.experiment.stages.campaign_metrics import campaign_metrics
    from evosynth.experiment.stages.small_dense import small_dense
    params, paths, tmp = tiny_run
    data = params.model_dump(mode="json")
    data["best_effort"] = {"ancestor_epochs": 3, "inherit_epochs": 2, "newborn_epochs": 4,
                           "seeds": [0], "newborn_seeds": [0], "small_dense_seeds": [0]}
    params = parse_params(data)
    recipe = "best-effort"
    best = paths.for_recipe(recipe).for_run(0)
    first_ancestor = paths.network("gen0").read_bytes()
    assert len(train_ancestor(params.for_recipe(recipe, 0), best,
                              progress=False).summary["history"]) == 3
    for section, epochs in (("generation", 2), ("control", 2), ("newborn", 4)):
        for name in ("gen1", "gen2"):
            result = generation(params.for_recipe(recipe, 0, section), name, best,
                                progress=False, section=section)
            assert result.summary["epochs"] == epochs, (section, name)
    lost = load_checkpoint(best.network("gen2"))
    assert lost["masks"].is_subset_of(load_checkpoint(best.network("gen1"))["masks"])
    small = small_dense(params, 0, "gen2", paths, progress=False, recipe=recipe).summary
    assert small["epochs"] == 3 + 2 + 2                 # the ancestor's and two offspring's
    assert (tmp / "models" / "best-effort" / "seed0" / "small-dense" / "gen2" /
            "network.pt").is_file()
    rows, missing = campaign_metrics(params, paths, recipe=recipe)
    assert missing == []
    assert sorted(rows) == sorted(
        [*(f"saliency-best/{arm}/seed0/gen{g}" for arm in
           ("darwin/inherit", "dense-control/inherit", "darwin/newborn") for g in range(3)),
         "saliency-best/small-dense/newborn/seed0/gen2"])
    assert json.loads((tmp / "results" / "best-effort" / "campaign.json").read_text()) == rows
    assert paths.network("gen0").read_bytes() == first_ancestor
    assert not paths.network("gen1").exists() and not paths.campaign_metrics.exists()
    with pytest.raises(ParamsError, match=r"seed 1 is not in best_effort.small_dense_seeds"):
        small_dense(params, 1, "gen2", paths, progress=False, recipe=recipe)


def test_narrowing_reaches_a_synapse_count_and_refuses_an_impossible_one():
    from evosynth.hparams import SaliencyNetConfig
    from evosynth.experiment.stages.small_dense import _synapses, narrowed
    base = SaliencyNetConfig(widths=(16, 32), bottleneck_width=64, bottleneck_layers=1)
    full = _synapses(base)
    config, factor = narrowed(base, full // 20)
    assert 0 < factor < 0.5
    assert abs(_synapses(config) - full // 20) <= 0.05 * full // 20
    with pytest.raises(ValueError, match="synapses must be in 1"):
        narrowed(base, full + 1)


def test_control_comparison_averages_seeds_with_their_spread():
    from evosynth.experiment.stages.beyond import control_comparison
    results = {f"saliency-default/{arm}/inherit/seed{s}/gen{g}": {
        "synapses": 100 // (g + 1), "reduction": g + 1.0, "f_beta_adaptive": f + 0.01 * s}
        for s in (0, 1, 2)
        for arm, scores in (("darwin", (0.8, 0.75)), ("dense-control", (0.8, 0.85 + 0.01 * s)))
        for g, f in enumerate(scores)}
    table = control_comparison(results)
    # minus_control per seed: 0.75 + 0.01 s - (0.85 + 0.02 s) = -0.10 - 0.01 s
    assert table.loc["gen1", "minus_control"] == pytest.approx(-0.11)
    assert table.loc["gen1", "minus_control_std"] == pytest.approx(0.01)
    assert table.loc["gen1", "minus_ancestor"] == pytest.approx(-0.05)
    assert table.loc["gen1", "minus_ancestor_std"] == pytest.approx(0.0, abs=1e-12)
    assert table.loc["gen1", "n_seeds"] == 3


def test_control_comparison_pairs_each_generation_with_its_control():
    from evosynth.experiment.stages.beyond import control_comparison
    results = {f"saliency-default/{arm}/inherit/seed0/gen{g}": {
        "synapses": 100 // (g + 1), "reduction": g + 1.0, "f_beta_adaptive": f}
        for arm, scores in (("darwin", (0.8, 0.82, 0.75)), ("dense-control", (0.8, 0.85, 0.86)))
        for g, f in enumerate(scores)}
    table = control_comparison(results)
    assert table.loc["gen2", "minus_control"] == pytest.approx(0.75 - 0.86)
    assert table.loc["gen2", "minus_ancestor"] == pytest.approx(0.75 - 0.8)
    assert table.loc["gen0", "minus_control"] == 0 and table.loc["gen2", "n_seeds"] == 1
    with pytest.raises(ValueError, match="dense control"):
        control_comparison({k: v for k, v in results.items() if "/darwin/" in k})


def test_a_darwin_lineage_needs_an_environment_and_a_control_no_synthesis():
    from evosynth.method.lineage import Recipe
    from evosynth.method.training import TrainConfig
    with pytest.raises(ValueError, match="needs an environment"):
        Recipe(environment=None, seed=1, train=TrainConfig())
    with pytest.raises(ValueError, match="dense control"):
        Recipe(environment=None, seed=1, train=TrainConfig(), selection="dense",
               mode="structured")


def test_each_best_effort_network_scored_alone_merges_into_the_campaign_scores(tiny_run):
    """best-effort-test-score@<network> scores one network, best-effort-test-score-summary
    merges the records: the rows campaign-metrics writes from every network at once, byte for
    byte. A lineage joins once every generation of it is scored; archived scores stand for
    networks no longer at hand, and a network scored again must agree with them."""
    from evosynth.experiment.stages.ancestor import ancestor as train_ancestor
    from evosynth.experiment.stages.campaign_metrics import campaign_metrics
    from evosynth.experiment.stages.generation import generation
    from evosynth.experiment.stages.small_dense import small_dense
    from evosynth.experiment.stages.test_score import (Network, archive_path, merge_scores,
                                                       networks, score_network, score_path)
    params, paths, tmp = tiny_run
    data = params.model_dump(mode="json")
    data["best_effort"] = {"ancestor_epochs": 2, "inherit_epochs": 1, "newborn_epochs": 1,
                           "seeds": [0], "newborn_seeds": [], "small_dense_seeds": [0]}
    params, recipe = parse_params(data), "best-effort"
    best = paths.for_recipe(recipe)
    train_ancestor(params.for_recipe(recipe, 0), best.for_run(0), progress=False)
    for section in ("generation", "control"):
        for name in ("gen1", "gen2"):
            generation(params.for_recipe(recipe, 0, section), name, best.for_run(0),
                       progress=False, section=section)
    small_dense(params, 0, "gen2", paths, progress=False, recipe=recipe)
    campaign_metrics(params, paths, recipe=recipe)
    whole = best.campaign_metrics.read_bytes()

    scored = list(networks(params))
    assert [n.key for n in scored] == [
        "ancestor-seed0", "default-seed0-gen1", "default-seed0-gen2", "control-seed0-gen1",
        "control-seed0-gen2", "small-dense-seed0-gen2"]
    for network in scored:
        record = score_network(params, network, paths)
        assert json.loads(score_path(best, network).read_text()) == record
    rows, missing = merge_scores(params, paths)
    assert missing == [] and best.campaign_metrics.read_bytes() == whole

    # a lineage short of one generation is left out, and named
    score_path(best, Network("control", 0, "gen2")).unlink()
    rows, missing = merge_scores(params, paths)
    assert not any("dense-control" in key for key in rows)
    assert missing == ["control seed 0 (not scored: control-seed0-gen2)"]

    # the archive stands for networks no longer at hand; a network scored again must agree
    archive_path(best).write_text(json.dumps({"scores": json.loads(whole)}))
    for network in scored:
        score_path(best, network).unlink(missing_ok=True)
    merge_scores(params, paths)
    assert best.campaign_metrics.read_bytes() == whole
    record = score_network(params, Network("default", 0, "gen2"), paths)
    merge_scores(params, paths)                                   # the same bits: accepted
    path = score_path(best, Network("default", 0, "gen2"))
    path.write_text(json.dumps({**record, "mae": record["mae"] + 1e-9}))
    with pytest.raises(ValueError, match="default-seed0-gen2 unlike .*archived_scores.json"):
        merge_scores(params, paths)
    with pytest.raises(ValueError, match="lineage must be one of"):
        Network("structured", 0, "gen1")
    with pytest.raises(ValueError, match="gen0 is the ancestor's alone"):
        Network("default", 0, "gen0")
