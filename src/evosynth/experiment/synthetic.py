"""Generated saliency data: salient shapes on clutter, and Fashion-MNIST composites.

Both generators are pure functions of their arguments and a seed (numpy ``Generator``), so a
seed rebuilds the same images bit for bit.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from scipy.ndimage import binary_fill_holes

from ..method.data import SaliencySet
from ..hparams import CompositeConfig


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


# -- shapes ------------------------------------------------------------------------------
def _draw_shape(draw: ImageDraw.ImageDraw, kind: int, box: tuple[float, ...], fill) -> None:
    x0, y0, x1, y1 = box
    if kind == 0:
        draw.ellipse(box, fill=fill)
    elif kind == 1:
        draw.rectangle(box, fill=fill)
    else:
        draw.polygon([((x0 + x1) / 2, y0), (x1, y1), (x0, y1)], fill=fill)


def make_shapes(n: int, size: int = 32, seed: int | np.random.Generator = 0) -> SaliencySet:
    """``n`` images of one bright, saturated shape (the salient object) on a noisy gradient
    with faint small distractor shapes (not salient)."""
    if n < 1 or size < 8:
        raise ValueError(f"make_shapes needs n >= 1 and size >= 8, got n={n}, size={size}")
    rng = _rng(seed)
    images = np.empty((n, size, size, 3), np.uint8)
    masks = np.empty((n, size, size), bool)
    yy, xx = np.mgrid[0:size, 0:size] / size
    for i in range(n):
        a, b = rng.uniform(-1, 1, 2)
        base = rng.uniform(60, 140, 3)
        bg = base + 40 * (a * xx + b * yy)[..., None] + rng.normal(0, 12, (size, size, 3))
        canvas = Image.fromarray(np.clip(bg, 0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(canvas)
        for _ in range(rng.integers(0, 4)):
            s = rng.uniform(0.08, 0.18) * size
            x, y = rng.uniform(0, size - s, 2)
            tint = tuple(int(c) for c in np.clip(base + rng.normal(0, 25, 3), 0, 255))
            _draw_shape(draw, int(rng.integers(3)), (x, y, x + s, y + s), tint)
        s = rng.uniform(0.3, 0.6) * size
        x, y = rng.uniform(0, size - s, 2)
        kind = int(rng.integers(3))
        colour = tuple(int(c) for c in rng.permutation([rng.integers(200, 256),
                                                        rng.integers(0, 80), rng.integers(0, 256)]))
        _draw_shape(draw, kind, (x, y, x + s, y + s), colour)
        mask = Image.new("L", (size, size), 0)
        _draw_shape(ImageDraw.Draw(mask), kind, (x, y, x + s, y + s), 255)
        images[i] = np.asarray(canvas)
        masks[i] = np.asarray(mask) > 128
    return SaliencySet(images, masks)


# -- fashion composites --------------------------------------------------------------------
def _background(photo: np.ndarray, size: int, crop: tuple[float, float],
                rng: np.random.Generator) -> np.ndarray:
    h, w = photo.shape[:2]
    side = int(rng.uniform(*crop) * min(h, w))
    side = max(side, 8)
    y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
    patch = Image.fromarray(photo[y:y + side, x:x + side]).resize((size, size), Image.BILINEAR)
    if rng.random() < 0.5:
        patch = patch.transpose(Image.FLIP_LEFT_RIGHT)
    return np.asarray(patch, dtype=np.float64)


def _garment(garment: np.ndarray, side: int, blur: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Resized garment texture in [0, 1] and its exact alpha: the pixels > 0, holes filled."""
    texture = Image.fromarray(garment).resize((side, side), Image.BILINEAR)
    foreground = binary_fill_holes(garment > 0)
    alpha = Image.fromarray(foreground.astype(np.uint8) * 255).resize((side, side),
                                                                       Image.BILINEAR)
    if blur:
        texture = texture.filter(ImageFilter.GaussianBlur(blur))
        alpha = alpha.filter(ImageFilter.GaussianBlur(blur))
    return np.asarray(texture, np.float64) / 255, np.asarray(alpha, np.float64) / 255


def _colour_away_from(mean: np.ndarray, distance: float, rng: np.random.Generator) -> np.ndarray:
    direction = rng.normal(size=3)
    direction /= np.linalg.norm(direction) + 1e-12
    colour = mean + distance * 255 * np.sqrt(3) * direction
    return np.clip(colour, 0, 255)


def make_fashion_composite(garments: np.ndarray, photos: list[np.ndarray], n: int,
                           config: CompositeConfig | None = None,
                           seed: int | np.random.Generator = 0) -> SaliencySet:
    """``n`` composites: one salient garment (its mask is the ground truth) pasted with a
    random scale, position and colour onto a crop of a real photograph, among faded,
    blurred distractor garments that are not salient.

    Args:
        garments: Fashion-MNIST images, uint8 (M, 28, 28); foreground is every pixel > 0.
        photos: background photographs, uint8 (H, W, 3) each.
        n: number of images to make.
        config: sizes, contrast and clutter (:class:`CompositeConfig`).
        seed: seed or numpy ``Generator``.
    """
    config = config or CompositeConfig()
    if garments.ndim != 3 or garments.dtype != np.uint8 or len(garments) == 0:
        raise ValueError(f"garments must be uint8 (M, H, W) with M >= 1, got "
                         f"{garments.dtype} {garments.shape}")
    if not photos:
        raise ValueError("need at least one background photograph")
    rng = _rng(seed)
    size = config.size
    images = np.empty((n, size, size, 3), np.uint8)
    masks = np.empty((n, size, size), bool)
    for i in range(n):
        canvas = _background(photos[int(rng.integers(len(photos)))], size,
                             config.background_crop, rng)
        mean = canvas.reshape(-1, 3).mean(axis=0)
        for _ in range(int(rng.integers(config.distractors[0], config.distractors[1] + 1))):
            side = max(4, int(rng.uniform(*config.distractor_scale) * size))
            texture, alpha = _garment(garments[int(rng.integers(len(garments)))], side,
                                      blur=float(rng.uniform(0.5, 1.5)))
            alpha = alpha * rng.uniform(*config.distractor_alpha)
            colour = _colour_away_from(mean, rng.uniform(0.05, 0.3), rng)
            y, x = rng.integers(0, size - side + 1, 2)
            region = canvas[y:y + side, x:x + side]
            paint = colour * (0.6 + 0.4 * texture[..., None])
            region[:] = region * (1 - alpha[..., None]) + paint * alpha[..., None]
        side = max(8, int(rng.uniform(*config.object_scale) * size))
        texture, alpha = _garment(garments[int(rng.integers(len(garments)))], side)
        colour = _colour_away_from(mean, rng.uniform(*config.contrast), rng)
        y, x = rng.integers(0, size - side + 1, 2)
        region = canvas[y:y + side, x:x + side]
        paint = colour * (0.55 + 0.45 * texture[..., None])
        region[:] = region * (1 - alpha[..., None]) + paint * alpha[..., None]
        mask = np.zeros((size, size), bool)
        mask[y:y + side, x:x + side] = alpha > 0.5
        images[i] = np.clip(np.rint(canvas), 0, 255).astype(np.uint8)
        masks[i] = mask
    return SaliencySet(images, masks)
