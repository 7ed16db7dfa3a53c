"""Saliency data sets: every one yields (RGB image, binary mask) pairs.

* ``shapes``: procedurally generated salient shapes on clutter (tests and smoke runs);
* ``fashion-composite``: Fashion-MNIST garments with their exact foreground masks,
  composited onto crops of real photographs (the embedded default);
* ``folder``: any salient-object data set laid out as ``images/`` + ``masks/`` with matching
  file names and optional split lists (MSRA-B, HKU-IS, ECSSD, DUTS, ...).

In memory a data set is a :class:`SaliencySet`: ``images`` uint8 (N, H, W, 3) and ``masks``
bool (N, H, W). Masks are read the way the field reads them: grey or bilevel images
binarised at 128 (``mask > 128``, as pysodmetrics does), so soft edges and mattes are kept.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from .atomic import atomic_path

#: The splits of a prepared data set, in order.
SPLITS = ("train", "val", "test")

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
MASK_SUFFIXES = (".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff")


class DataError(ValueError):
    """A data file is missing, unreadable or inconsistent; the message names the file."""


@dataclass
class SaliencySet:
    """Images (uint8, N×H×W×3) and their ground-truth masks (bool, N×H×W)."""

    images: np.ndarray
    masks: np.ndarray
    names: list[str] | None = None

    def __post_init__(self) -> None:
        if self.images.ndim != 4 or self.images.shape[-1] != 3 or self.images.dtype != np.uint8:
            raise DataError(f"images must be uint8 with shape (N, H, W, 3), got "
                            f"{self.images.dtype} {self.images.shape}")
        if self.masks.dtype != np.bool_ or self.masks.shape != self.images.shape[:3]:
            raise DataError(f"masks must be bool with shape {self.images.shape[:3]}, got "
                            f"{self.masks.dtype} {self.masks.shape}")
        if self.names is not None and len(self.names) != len(self.images):
            raise DataError(f"{len(self.names)} names for {len(self.images)} images")

    def __len__(self) -> int:
        return len(self.images)

    def subset(self, index: np.ndarray | slice | list[int]) -> SaliencySet:
        names = None if self.names is None else list(np.asarray(self.names, dtype=object)[index])
        return SaliencySet(self.images[index], self.masks[index], names)

    def tensors(self) -> torch.utils.data.TensorDataset:
        """A torch data set of (image float 3×H×W in [0, 1], mask float 1×H×W)."""
        images = torch.from_numpy(self.images).permute(0, 3, 1, 2).float().div_(255)
        masks = torch.from_numpy(self.masks).unsqueeze(1).float()
        return torch.utils.data.TensorDataset(images, masks)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write as a compressed ``.npz`` (atomically)."""
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez_compressed(f, images=self.images, masks=self.masks,
                                    names=np.asarray(self.names or [], dtype=str))
        return Path(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SaliencySet:
        """Read a split written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            raise DataError(f"{path}: split file not found (run the prepare stage first)")
        try:
            with np.load(path, allow_pickle=False) as z:
                names = [str(n) for n in z["names"]] or None
                return cls(z["images"], z["masks"].astype(bool), names)
        except (OSError, KeyError, ValueError) as error:
            raise DataError(f"{path}: not a readable split file ({error})") from error


# -- readers -----------------------------------------------------------------------------
def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (the MNIST format), plain or gzipped."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise DataError(f"{path}: cannot read IDX file ({error})") from error
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise DataError(f"{path}: not an unsigned-byte IDX file")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise DataError(f"{path}: IDX header says {shape} but holds {body.size} bytes")
    return body.reshape(shape)


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """An RGB image as uint8 (H, W, 3); raises :class:`DataError` naming the file."""
    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"), dtype=np.uint8)
    except (OSError, UnidentifiedImageError, ValueError) as error:
        raise DataError(f"{path}: not a readable image ({error})") from error


def read_mask(path: str | os.PathLike[str]) -> np.ndarray:
    """A ground-truth mask as bool (H, W): grey levels binarised at 128 (``> 128``)."""
    try:
        with Image.open(path) as img:
            grey = np.asarray(img.convert("L"), dtype=np.uint8)
    except (OSError, UnidentifiedImageError, ValueError) as error:
        raise DataError(f"{path}: not a readable mask image ({error})") from error
    return grey > 128


def _resize_pair(image: np.ndarray, mask: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    img = Image.fromarray(image).resize((size, size), Image.BILINEAR)
    msk = Image.fromarray(mask.astype(np.uint8) * 255).resize((size, size), Image.BILINEAR)
    return np.asarray(img, dtype=np.uint8), np.asarray(msk) > 128


def _index(folder: Path, suffixes: tuple[str, ...], what: str) -> dict[str, Path]:
    if not folder.is_dir():
        raise DataError(f"{folder}: {what} folder not found")
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() not in suffixes:
            raise DataError(f"{path}: unexpected file in the {what} folder (expected one of "
                            f"{', '.join(suffixes)})")
        if path.stem in found:
            raise DataError(f"{path}: two {what} files named {path.stem!r} "
                            f"({found[path.stem].name} and {path.name})")
        found[path.stem] = path
    return found


def load_folder(root: str | os.PathLike[str], size: int, split: str | None = None,
                image_dir: str = "images", mask_dir: str = "masks") -> SaliencySet:
    """Load a salient-object data set laid out as ``root/images`` + ``root/masks``.

    Image and mask share a file stem (``0001.jpg`` ↔ ``0001.png``). With ``split``, the stems
    listed one per line in ``root/<split>.txt`` are loaded; otherwise every image. Every
    image and mask is resized to ``size`` × ``size``.

    Raises:
        DataError: naming the file, for a missing or extra mask, an unreadable image or mask,
            an image and mask of different sizes, a split list naming a missing image, or an
            empty split.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: data set folder not found (expected {image_dir}/ and "
                        f"{mask_dir}/ inside)")
    images = _index(root / image_dir, IMAGE_SUFFIXES, "image")
    masks = _index(root / mask_dir, MASK_SUFFIXES, "mask")
    for stem in sorted(set(images) - set(masks)):
        raise DataError(f"{images[stem]}: no mask for this image (expected "
                        f"{root / mask_dir / (stem + '.png')})")
    for stem in sorted(set(masks) - set(images)):
        raise DataError(f"{masks[stem]}: mask without an image in {root / image_dir}")
    stems = sorted(images)
    if split is not None:
        listing = root / f"{split}.txt"
        if not listing.is_file():
            raise DataError(f"{listing}: split list not found (one image name per line)")
        stems = [Path(line.strip()).stem for line in listing.read_text().splitlines()
                 if line.strip()]
        for stem in stems:
            if stem not in images:
                raise DataError(f"{listing}: lists {stem!r}, which is not in {root / image_dir}")
    if not stems:
        raise DataError(f"{root}: the {'split ' + repr(split) if split else 'data set'} is empty")
    out_images, out_masks = [], []
    for stem in stems:
        image, mask = read_image(images[stem]), read_mask(masks[stem])
        if image.shape[:2] != mask.shape:
            raise DataError(f"{masks[stem]}: mask is {mask.shape[1]}x{mask.shape[0]} but its "
                            f"image {images[stem].name} is {image.shape[1]}x{image.shape[0]}")
        image, mask = _resize_pair(image, mask, size)
        out_images.append(image)
        out_masks.append(mask)
    return SaliencySet(np.stack(out_images), np.stack(out_masks), stems)
