"""Where the stages read and write (evosynth.paths)."""

from evosynth.paths import Paths


def test_second_lineage_paths_share_the_ancestor():
    paths = Paths(lineage="structured")
    assert paths.network("gen0") == Paths().network("gen0")
    assert str(paths.network("gen2")).endswith("models/structured/gen2/network.pt")
    assert str(paths.summary("gen2")).endswith("results/structured/gen2/summary.json")
