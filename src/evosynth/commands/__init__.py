"""The commands of ``python -m evosynth``, one module each (``COMMAND``, a
:class:`evosynth.cli.Command`); ``__main__`` finds them here. Each imports what it runs inside
its ``run`` function, so that running one command imports none of the others' code."""
