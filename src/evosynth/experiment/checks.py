"""The data set's checks before any work (the `prepare` stage and `python -m evosynth check`)."""

from __future__ import annotations

import os
from pathlib import Path

from .config import ParamsError, PrepareParams
from ..method.data import SPLITS, DataError, load_folder
from .raw import FASHION_FILES


def check_data(prepare: PrepareParams, source: str = "params.yaml", read: bool = False) -> str:
    """Check that the data set configured in ``prepare`` is where the parameters say.

    Fast by default: only that the folders and files exist. With ``read``, every image and
    mask of a ``folder`` data set is read too. Returns a one-line description of the data set.
    The ``prepare`` stage calls this first, ``python -m evosynth check`` with ``read=True``.

    Raises:
        ParamsError: a data path in the parameters does not exist (names the key and value).
        DataError: a data file is missing or unreadable (names the file).
    """
    p = prepare
    counts = f"{p.n_train}/{p.n_val}/{p.n_test} images"
    if p.dataset == "shapes":
        return f"shapes ({counts})"
    if p.dataset == "fashion-composite":
        raw = Path(p.raw)
        if not raw.is_dir():
            raise ParamsError(f"{source}: prepare.raw = {p.raw!r}: folder not found (expected "
                              "fashion-mnist/ and backgrounds/ inside; run `python -m evosynth "
                              f"fetch-data --dest {p.raw}` or bash scripts/setup.sh)")
        for name in FASHION_FILES:
            if not (raw / "fashion-mnist" / name).is_file():
                raise DataError(f"{raw / 'fashion-mnist' / name}: raw data missing (prepare.raw "
                                f"= {p.raw!r}); run `python -m evosynth fetch-data --dest "
                                f"{p.raw}` or bash scripts/setup.sh")
        backgrounds = raw / "backgrounds"
        if not backgrounds.is_dir() or not any(backgrounds.iterdir()):
            raise DataError(f"{backgrounds}: no background photographs (prepare.raw = "
                            f"{p.raw!r}); run `python -m evosynth fetch-data --dest {p.raw}`")
        return f"fashion-composite from {raw} ({counts})"
    f = p.folder
    root = Path(f.root)
    if not root.is_dir():
        raise ParamsError(f"{source}: prepare.folder.root = {f.root!r}: folder not found "
                          f"(expected a data set with {f.image_dir}/ and {f.mask_dir}/ inside)")
    for key in ("image_dir", "mask_dir"):
        if not (root / getattr(f, key)).is_dir():
            raise ParamsError(f"{source}: prepare.folder.{key} = {getattr(f, key)!r}: "
                              f"{root / getattr(f, key)} not found")
    for split in SPLITS:
        name = getattr(f, f"{split}_split")
        if not (root / f"{name}.txt").is_file():
            raise ParamsError(f"{source}: prepare.folder.{split}_split = {name!r}: "
                              f"{root / (name + '.txt')} not found (one image name per line)")
    if not read:
        return f"folder {root}"
    sizes = [len(load_folder(root, 16, getattr(f, f"{s}_split"), f.image_dir, f.mask_dir))
             for s in SPLITS]
    return f"folder {root} ({'/'.join(map(str, sizes))} images)"
