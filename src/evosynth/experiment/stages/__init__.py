"""The pipeline stages, one module each, named as the stage: its code and its command.

The paper's experiment (``dvc.yaml``): :mod:`~evosynth.experiment.stages.prepare` ->
:mod:`~evosynth.experiment.stages.ancestor` -> :mod:`~evosynth.experiment.stages.generation`
(one call per generation) -> :mod:`~evosynth.experiment.stages.evaluate`. Beyond the paper
(``beyond/dvc.yaml``): :mod:`~evosynth.experiment.stages.study` (one task of the study),
:mod:`~evosynth.experiment.stages.z_arm` (its Darwin lineage with the other Z),
:mod:`~evosynth.experiment.stages.sweep` (one point of the F(E) sweep),
:mod:`~evosynth.experiment.stages.learning_curve` (the dense network's validation learning
curve, which fixes the ancestor's epochs), :mod:`~evosynth.experiment.stages.offspring_curve`
(the offspring's), :mod:`~evosynth.experiment.stages.lineage_metrics` and
:mod:`~evosynth.experiment.stages.campaign_metrics` (the test-split scores of the lineages
beside the default one and of the campaign's other seeds),
:mod:`~evosynth.experiment.stages.small_dense` (a small dense network of an offspring's size,
trained from scratch), :mod:`~evosynth.experiment.stages.training_curves` and
:mod:`~evosynth.experiment.stages.beyond` (every result merged into ``beyond.json``, and the
tables its notebook reads).

Stage ``X`` of a ``dvc.yaml`` runs module ``X`` (``-`` written ``_``): through its notebook
``notebooks/X.ipynb``, which calls its function, or as a program,
``python -m evosynth.experiment.stages.X ARGS`` (its ``COMMAND``, also
``python -m evosynth X ARGS``). Variants keep the module's name:
``[best-effort-]X[-seed|-summary]``. Each stage reads its section of the validated parameters
and writes its outputs atomically under the paths of
:class:`~evosynth.experiment.paths.Paths`.

This package imports none of its modules, so that each stage's code (its ``deps:`` in
``dvc.yaml``) is only what that stage uses (``tests/pipeline/test_stage_deps.py`` checks it).
"""
