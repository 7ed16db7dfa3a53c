"""Stage ``prepare``: the train / val / test splits of the configured data set."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import check_data
from ..config import Params, PrepareParams
from ...method.data import SPLITS, DataError, SaliencySet, load_folder
from ..paths import Paths
from ..raw import load_garments, load_photos
from ..synthetic import make_fashion_composite, make_shapes
from ..cli import Command, main, show


def build_splits(params: PrepareParams) -> dict[str, SaliencySet]:
    """The train / val / test splits of the configured data set."""
    size, seeds = params.image_size, np.random.SeedSequence(params.seed).spawn(3)
    counts = {"train": params.n_train, "val": params.n_val, "test": params.n_test}
    if params.dataset == "shapes":
        return {s: make_shapes(counts[s], size, np.random.default_rng(seed))
                for s, seed in zip(SPLITS, seeds)}
    if params.dataset == "folder":
        f = params.folder
        return {s: load_folder(f.root, size, getattr(f, f"{s}_split"), f.image_dir, f.mask_dir)
                for s in SPLITS}
    # fashion-composite: test garments come from Fashion-MNIST's test set and test backgrounds
    # from photographs that no training image uses.
    garments_train, _ = load_garments(params.raw, "train")
    garments_test, _ = load_garments(params.raw, "t10k")
    photos = load_photos(params.raw)
    test_photos = photos[3::4]
    train_photos = [p for i, p in enumerate(photos) if i % 4 != 3]
    config = params.composite.to_config(size=size)
    half = len(garments_train) * 5 // 6
    sources = {"train": (garments_train[:half], train_photos),
               "val": (garments_train[half:], train_photos),
               "test": (garments_test, test_photos)}
    return {s: make_fashion_composite(sources[s][0], sources[s][1], counts[s], config,
                                      np.random.default_rng(seed))
            for s, seed in zip(SPLITS, seeds)}


def prepare(params: Params, paths: Paths = Paths()) -> dict[str, SaliencySet]:
    """Check the data paths, build every split, then save them; returns the splits.

    Nothing is written unless every split could be built and none is empty.
    """
    check_data(params.prepare)
    splits = build_splits(params.prepare)
    for name, split in splits.items():
        if len(split) == 0:
            raise DataError(f"the {name} split is empty")
    for name, split in splits.items():
        split.save(paths.split(name))
    return splits


def split_summary(splits: dict[str, SaliencySet]) -> list[dict[str, Any]]:
    """Images and mean foreground fraction of each split."""
    return [{"split": name, "images": len(s), "size": s.images.shape[1],
             "foreground": float(s.masks.mean())} for name, s in splits.items()]


# -- the command line: `python -m evosynth prepare`, or this module run as a program --

def _command(params, args):
    show(split_summary(prepare(params)))


COMMAND = Command("prepare", "stage prepare: build and save the train / val / test splits",
                  "Build the configured data set's splits (section prepare) into data/prepared.",
                  _command, group=0, order=0)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
