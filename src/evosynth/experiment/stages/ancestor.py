"""Stage ``ancestor``: generation 0, trained with every synapse alive."""

from __future__ import annotations

from ..config import Params
from ...method.data import SaliencySet
from ...method.lineage import Generation, make_ancestor
from ...method.models import SaliencyNet
from ..paths import Paths
from ...method.training import evaluate
from ..save import save_generation


def ancestor(params: Params, paths: Paths = Paths(), progress: bool = True) -> Generation:
    """Train the ancestor of ``params.ancestor``; writes it (and, with ``rewind_steps``, its
    early weights: :func:`~evosynth.experiment.save.save_generation`) and returns it."""
    p = params.ancestor
    model = p.model.to_config()
    train_set = SaliencySet.load(paths.split("train")).tensors()
    val_set = SaliencySet.load(paths.split("val")).tensors()
    result = make_ancestor(lambda: SaliencyNet(model), train_set,
                           p.train.to_config(p.rewind_steps), init_seed=p.init_seed,
                           validate=lambda net: evaluate(net, val_set,
                                                         device=p.train.device).summary(),
                           progress=progress, live_dir=paths.live("gen0"))
    save_generation(paths, "gen0", result)
    return result
