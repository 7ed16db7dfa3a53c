"""``python -m evosynth fetch-data``: the raw data of the default data set."""

from ..cli import Command, arg


def _run(params, args):
    from ..experiment.raw import fetch_raw
    print(f"raw data ready in {fetch_raw(args.dest, force=args.force)}")


COMMAND = Command(
    "fetch-data", "gather the raw data of the default data set into data/raw",
    "Copy Fashion-MNIST (Debian package dataset-fashion-mnist, else the official download) and "
    "the background photographs bundled with scikit-image and scikit-learn into DEST. Files "
    "already there are kept.", _run,
    (arg("--dest", default="data/raw", help="target folder (default: %(default)s)"),
     arg("--force", action="store_true", help="fetch again even if present")),
    params=False, group=2, order=0)
