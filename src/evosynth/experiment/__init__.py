"""The experiment: the paper's pipeline and the campaign beyond it.

The validated parameters (:mod:`~evosynth.experiment.config`, read from ``params.yaml``), one
lineage identity -> folders and result keys (:mod:`~evosynth.experiment.paths`), the data sets
(:mod:`~evosynth.experiment.raw`, :mod:`~evosynth.experiment.synthetic`), the pruning study
(:mod:`~evosynth.experiment.study`, :mod:`~evosynth.experiment.classifiers`), learning curves
(:mod:`~evosynth.experiment.curve`), figures, provenance, the estimate of a run, and
:mod:`evosynth.experiment.stages`: one module per DVC stage, named as the stage.

It imports the method (:mod:`evosynth.method`) and the bottom floor (:mod:`evosynth.hparams`),
never the publishing tools (:mod:`evosynth.publish`). This package imports none of its modules.
"""
