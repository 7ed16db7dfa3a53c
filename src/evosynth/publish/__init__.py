"""The tools that check and publish a run: they read the committed records, and no code that
trains imports them.

:mod:`~evosynth.publish.verify` (the reproduction check), :mod:`~evosynth.publish.verdict`
(each pre-registered claim judged), :mod:`~evosynth.publish.runs` (one run: the two locks
agree), :mod:`~evosynth.publish.release` (``release-check``),
:mod:`~evosynth.publish.citation`, :mod:`~evosynth.publish.archive` and
:mod:`~evosynth.publish.check` (``check``: the parameters and the data set validated before a
run). This package imports none of its modules.
"""
