"""The raw data of the default data set, gathered into ``data/raw`` (pinned by ``data.dvc``).

* ``fashion-mnist/``: the four decompressed IDX files of Fashion-MNIST (Xiao et al. 2017),
  from the Debian package ``dataset-fashion-mnist`` when installed, else the official
  download through torchvision (needs a network).
* ``backgrounds/``: real photographs bundled with scikit-image and scikit-learn, copied
  byte for byte from the pinned packages.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..method.data import DataError, read_idx, read_image
from .cli import Command, arg, main

FASHION_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
#: Colour photographs (and a few grey textures) shipped inside scikit-image / scikit-learn.
BACKGROUND_PHOTOS = {
    "skimage": ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg",
                "motorcycle_left.png", "motorcycle_right.png", "brick.png", "grass.png",
                "gravel.png", "camera.png"),
    "sklearn": ("china.jpg", "flower.jpg"),
}


def _package_dir(package: str) -> Path:
    if package == "skimage":
        import skimage.data
        return Path(skimage.data.__file__).parent
    import sklearn.datasets
    return Path(sklearn.datasets.__file__).parent / "images"


def _fashion_from_debian(dest: Path) -> bool:
    if not all((DEBIAN_FASHION_DIR / f"{name}.gz").is_file() for name in FASHION_FILES):
        return False
    for name in FASHION_FILES:
        with gzip.open(DEBIAN_FASHION_DIR / f"{name}.gz", "rb") as src, \
                open(dest / name, "wb") as out:
            shutil.copyfileobj(src, out)
    return True


def _fashion_from_download(dest: Path) -> None:
    from torchvision.datasets import FashionMNIST
    with tempfile.TemporaryDirectory() as tmp:
        FashionMNIST(tmp, train=True, download=True)
        FashionMNIST(tmp, train=False, download=True)
        for name in FASHION_FILES:
            shutil.copyfile(Path(tmp) / "FashionMNIST" / "raw" / name, dest / name)


def fetch_raw(dest: str | Path = "data/raw", force: bool = False) -> Path:
    """Gather the raw data into ``dest`` (skipped where already complete); returns ``dest``."""
    dest = Path(dest)
    fashion, backgrounds = dest / "fashion-mnist", dest / "backgrounds"
    if force or not all((fashion / name).is_file() for name in FASHION_FILES):
        tmp = Path(tempfile.mkdtemp(prefix=".fashion-", dir=dest.parent if dest.parent.exists()
                                    else None))
        try:
            if not _fashion_from_debian(tmp):
                try:
                    _fashion_from_download(tmp)
                except Exception as error:  # network errors come in many types
                    raise DataError(
                        "Fashion-MNIST not found: install the Debian package "
                        f"'dataset-fashion-mnist' (files in {DEBIAN_FASHION_DIR}) or allow the "
                        f"official download ({error})") from error
            shutil.rmtree(fashion, ignore_errors=True)
            fashion.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp, 0o755)
            shutil.move(str(tmp), fashion)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    backgrounds.mkdir(parents=True, exist_ok=True)
    for package, names in BACKGROUND_PHOTOS.items():
        for name in names:
            if force or not (backgrounds / name).is_file():
                shutil.copyfile(_package_dir(package) / name, backgrounds / name)
    return dest


def load_garments(raw: str | Path, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST images (uint8, N×28×28) and labels of ``split`` (``train`` or ``t10k``)."""
    fashion = Path(raw) / "fashion-mnist"
    if split not in ("train", "t10k"):
        raise ValueError(f"split must be 'train' or 't10k', got {split!r}")
    return (read_idx(fashion / f"{split}-images-idx3-ubyte"),
            read_idx(fashion / f"{split}-labels-idx1-ubyte"))


def load_photos(raw: str | Path) -> list[np.ndarray]:
    """The background photographs, RGB uint8, in a fixed order."""
    folder = Path(raw) / "backgrounds"
    paths = sorted(p for p in folder.glob("*") if p.is_file() and not p.name.startswith("."))
    if not paths:
        raise DataError(f"{folder}: no background photographs (run `python -m evosynth "
                        "fetch-data`)")
    return [read_image(p) for p in paths]


# -- the command line: `python -m evosynth fetch-data`, or this module run as a program --

def _command(params, args):
    print(f"raw data ready in {fetch_raw(args.dest, force=args.force)}")


COMMAND = Command(
    "fetch-data", "gather the raw data of the default data set into data/raw",
    "Copy Fashion-MNIST (Debian package dataset-fashion-mnist, else the official download) and "
    "the background photographs bundled with scikit-image and scikit-learn into DEST. Files "
    "already there are kept.", _command,
    (arg("--dest", default="data/raw", help="target folder (default: %(default)s)"),
     arg("--force", action="store_true", help="fetch again even if present")),
    params=False, group=2, order=0)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
