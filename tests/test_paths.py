"""Where the stages read and write (evosynth.paths)."""

from evosynth.paths import Paths


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
