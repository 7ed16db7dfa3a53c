"""Stage ``replicate`` (``beyond/dvc.yaml``): the default experiment again with another seed,
its ancestor, its lineage and its dense control, so that the headline has a spread over seeds."""

from __future__ import annotations

from ..atomic import write_json
from ..config import Params, ParamsError
from ..paths import Paths
from .ancestor import ancestor
from .beyond import CONTROL_METHOD, lineage_scores
from .generation import generation


def replicate(params: Params, seed: int, paths: Paths = Paths(),
              progress: bool = True) -> dict[str, dict[str, float]]:
    """The default experiment again with seed ``seed`` (one of ``replicate.seeds``): a new
    ancestor, the default lineage and its dense control (:meth:`Params.for_seed`), under
    ``paths.for_seed(seed)``; writes and returns the test-split scores of both lineages,
    keyed as in ``beyond.json`` (``saliency-default/darwin/<init>/seed<k>/genK`` and
    ``.../dense-control/...``)."""
    seeded = params.for_seed(params.replicate_seed(seed))
    if seeded.control is None:
        raise ParamsError("replicate needs the control section (the dense control lineage)")
    where = paths.for_seed(seed)
    ancestor(seeded, where, progress=progress)
    for section in ("generation", "control"):
        for name in seeded.lineage_section(section).generations:
            generation(seeded, name, where, progress=progress, section=section)
    rows = {**lineage_scores(seeded, "generation", "darwin", where),
            **lineage_scores(seeded, "control", CONTROL_METHOD, where)}
    write_json(paths.replicate_metrics(seed), rows)
    return rows
