"""Where the stages read and write (evosynth.experiment.paths)."""

from evosynth.experiment.paths import Paths


def test_second_lineage_paths_share_the_ancestor():
    paths = Paths(lineage="structured")
    assert paths.network("gen0") == Paths().network("gen0")
    assert str(paths.network("gen2")).endswith("models/structured/gen2/network.pt")
    assert str(paths.summary("gen2")).endswith("results/structured/gen2/summary.json")


def test_a_replicate_has_its_own_ancestor_and_lineages_but_shares_the_data():
    paths = Paths().for_seed(2)
    assert str(paths.network("gen0")).endswith("models/seeds/seed2/gen0/network.pt")
    assert str(paths.rewind).endswith("models/seeds/seed2/gen0/rewind.pt")
    assert str(paths.summary("gen3")).endswith("results/seeds/seed2/gen3/summary.json")
    control = paths.for_lineage("control")
    assert str(control.network("gen1")).endswith("models/seeds/seed2/control/gen1/network.pt")
    assert control.network("gen0") == paths.network("gen0")     # the replicate's ancestor
    assert paths.split("train") == Paths().split("train")
    assert paths.for_lineage("generation") == paths


def test_every_seed_of_the_best_effort_recipe_has_its_own_folder():
    best = Paths().for_recipe("best-effort")
    assert best.for_run(0).network("gen0").as_posix() == "models/best-effort/seed0/gen0/network.pt"
    three = best.for_run(3)
    assert three.summary("gen2").as_posix() == "results/best-effort/seed3/gen2/summary.json"
    control = three.for_lineage("control")
    assert control.network("gen1").as_posix() == \
        "models/best-effort/seed3/control/gen1/network.pt"
    assert control.network("gen0") == three.network("gen0")       # the seed's own ancestor
    assert three.small_dense().model_dir("gen4").as_posix() == \
        "models/best-effort/seed3/small-dense/gen4"
    assert best.campaign_metrics.as_posix() == "results/best-effort/campaign.json"
    assert Paths().campaign_metrics.as_posix() == "results/campaign.json"
    assert three.split("test") == Paths().split("test")             # the data is shared
    assert Paths().for_recipe("first") == Paths()                   # the committed campaign
    assert best.record_of("saliency-best/dense-control/inherit", 2, "gen4").as_posix() == \
        "results/best-effort/seed2/control/gen4/summary.json"
    assert best.record_of("saliency-default/darwin/inherit", 2, "gen4") == \
        Paths().record_of("saliency-default/darwin/inherit", 2, "gen4") == \
        Paths().for_seed(2).summary("gen4")
    import pytest
    with pytest.raises(ValueError, match="recipe must be one of"):
        Paths().for_recipe("best")
