"""Command line: ``python -m evosynth --help``."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="evosynth",
        description="Evolutionary synthesis of deep neural networks (Shafiee et al. 2018): "
                    "tools of the reproducible paper companion.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fetch = commands.add_parser(
        "fetch-data", help="gather the raw data of the default data set into data/raw",
        description="Copy Fashion-MNIST (Debian package dataset-fashion-mnist, else the official "
                    "download) and the background photographs bundled with scikit-image and "
                    "scikit-learn into DEST. Files already there are kept.")
    fetch.add_argument("--dest", default="data/raw", help="target folder (default: %(default)s)")
    fetch.add_argument("--force", action="store_true", help="fetch again even if present")
    check = commands.add_parser(
        "check", help="validate params.yaml and the configured data set, without training",
        description="Validate every section of the parameters file and check that the "
                    "configured data set can be read. Exits non-zero with a message naming the "
                    "first problem; prints a short summary when all is well.")
    check.add_argument("--params", default="params.yaml", help="parameters file "
                       "(default: %(default)s)")
    args = parser.parse_args(argv)

    from .config import ParamsError
    from .data import DataError
    try:
        if args.command == "check":
            from .checks import check_setup
            print(check_setup(args.params))
        elif args.command == "fetch-data":
            from .raw import fetch_raw
            dest = fetch_raw(args.dest, force=args.force)
            print(f"raw data ready in {dest}")
    except (DataError, ParamsError) as error:
        print(f"evosynth: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
