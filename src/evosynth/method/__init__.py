"""The method: what a user imports to evolve their own network.

:mod:`~evosynth.method.genetics` (the synaptic probability model, environments, synthesis,
masks, offspring initialisation, synapse accounting: it works on any ``nn.Module``),
:mod:`~evosynth.method.lineage` (one lineage engine: ancestor, generations),
:mod:`~evosynth.method.training`, :mod:`~evosynth.method.metrics`,
:mod:`~evosynth.method.models` (the saliency network), :mod:`~evosynth.method.data`,
:mod:`~evosynth.method.checkpoints`, and the floor only these need:
:mod:`~evosynth.method.atomic` (atomic writes) and :mod:`~evosynth.method.records` (dvclive's
per-epoch log, imported only when a caller asks for one).

Nothing here imports :mod:`evosynth.experiment` or :mod:`evosynth.publish`
(``tests/test_structure.py``); the only module above it that it reads is the shared bottom
floor, :mod:`evosynth.hparams`. This package imports none of its modules, so that a stage's
code (its ``deps:``) is only what it uses.
"""
