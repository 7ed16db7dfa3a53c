"""The pipeline stages, one module each, called by the stages' notebooks and the command line.

The paper's experiment (``dvc.yaml``): :mod:`~evosynth.stages.prepare` ->
:mod:`~evosynth.stages.ancestor` -> :mod:`~evosynth.stages.generation` (one call per
generation) -> :mod:`~evosynth.stages.evaluate`. Beyond the paper (``beyond/dvc.yaml``):
:mod:`~evosynth.stages.beyond` (the study, the F(E) sweep, the structured lineage's scores and
the merge of all results). Each stage reads its section of the validated parameters and
writes its outputs atomically under the paths of :class:`~evosynth.paths.Paths`.

This package imports none of its modules, so that each stage's code (its ``deps:`` in
``dvc.yaml``) is only what that stage uses (``tests/test_stage_deps.py`` checks it).
"""
