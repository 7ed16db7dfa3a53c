"""``python -m evosynth check``: parameters and data set validated, without training."""

from ..cli import PARAMS_FILE, Command


def _run(params, args):
    from ..publish.check import check_setup
    print(check_setup(args.params))


COMMAND = Command(
    "check", "validate params.yaml and the configured data set, without training",
    "Validate every section of the parameters file and check that the configured data set can "
    "be read. Exits 2 with a message naming the first problem; prints a short summary when all "
    "is well.", _run, (PARAMS_FILE,),
    params=False,   # it reads the file itself, section by section
    group=2, order=1)
