"""Stage ``replicate`` (``beyond/dvc.yaml``): the default experiment again with another seed,
its ancestor, its lineage and its dense control, so that the headline has a spread over seeds."""

from __future__ import annotations

from ..atomic import write_json
from ..config import Params, ParamsError
from ..hparams import REPLICATED
from ..paths import Paths
from .ancestor import ancestor
from .generation import generation
from .scores import lineage_scores


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
    for lineage in REPLICATED:
        for name in seeded.lineage_section(lineage.section).generations:
            generation(seeded, name, where, progress=progress, section=lineage.section)
    rows = {}
    for lineage in REPLICATED:
        rows.update(lineage_scores(seeded, lineage.section, lineage.method, where))
    write_json(paths.replicate_metrics(seed), rows)
    return rows
