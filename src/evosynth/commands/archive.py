"""``python -m evosynth archive``: the committed run as one folder, ready for a DOI archive."""

from ..cli import Command, arg


def _run(params, args):
    from ..publish.archive import ArchiveError, make_archive
    try:
        written = make_archive(args.dest, args.root, book=None if args.no_book else args.book,
                               tar=args.tar)
    except ArchiveError as error:
        print(f"archive: {error}")
        return 2
    print(f"archive written: {written}")
    return 0


COMMAND = Command(
    "archive", "write the committed run (networks, data, book, records) to one folder",
    "Archive of the run: the git history up to HEAD (a bundle), every DVC-cached output of "
    "dvc.lock and beyond/dvc.lock (the trained networks and data) as a DVC remote folder, the "
    "built book, results/, both locks, CITATION.cff and MANIFEST.sha256. Refuses a run that is "
    "not whole (edited tracked files, or a stage not up to date). Unpack it anywhere, then: "
    "git clone DEST/repository.bundle evosynth && cd evosynth && dvc remote add --local archive "
    "../DEST/dvc-store && dvc pull -r archive. Exit status: 0 written, 2 refused.", _run,
    (arg("dest", help="the new folder to write (must not exist)"),
     arg("--root", default=".", help="repository root (default: %(default)s)"),
     arg("--book", default="_build/html", help="the built book, relative to the root "
         "(default: %(default)s)"),
     arg("--no-book", action="store_true", help="archive without the built book"),
     arg("--tar", action="store_true", help="also pack the folder as DEST.tar")),
    params=False, group=2, order=6,
    epilog="example: python -m evosynth archive ../evosynth-1.0.1 --tar")
