"""The pipeline stages, one module each, called by the stages' notebooks and the command line.

The paper's experiment (``dvc.yaml``): :mod:`~evosynth.experiment.stages.prepare` ->
:mod:`~evosynth.experiment.stages.ancestor` -> :mod:`~evosynth.experiment.stages.generation` (one call per
generation) -> :mod:`~evosynth.experiment.stages.evaluate`. Beyond the paper (``beyond/dvc.yaml``):
:mod:`~evosynth.experiment.stages.study` (the study, one task, and its Z arm),
:mod:`~evosynth.experiment.stages.sweep` (one point of the F(E) sweep), :mod:`~evosynth.experiment.stages.scores`
(the test-split scores of the lineages beside the default one and of the campaign's other
seeds), :mod:`~evosynth.experiment.stages.learning_curve` (the dense network's validation learning curve,
which fixes the ancestor's epochs), :mod:`~evosynth.experiment.stages.small_dense` (a small dense network
of an offspring's size, trained from scratch) and :mod:`~evosynth.experiment.stages.beyond` (every result merged into ``beyond.json``, and the tables its
notebook reads). Each stage reads its section of the validated parameters and writes its
outputs atomically under the paths of :class:`~evosynth.experiment.paths.Paths`.

This package imports none of its modules, so that each stage's code (its ``deps:`` in
``dvc.yaml``) is only what that stage uses (``tests/test_stage_deps.py`` checks it).
"""
