"""The synthetic data sets (evosynth.experiment.synthetic): shapes and Fashion-MNIST composites."""

import numpy as np
import pytest
from scipy.ndimage import binary_dilation

from evosynth import CompositeConfig, make_fashion_composite, make_shapes


def test_shapes_are_seeded():
    a, b, c = make_shapes(4, 16, seed=3), make_shapes(4, 16, seed=3), make_shapes(4, 16, seed=4)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.masks, b.masks)
    assert not np.array_equal(a.images, c.images)
    assert all(0.03 < m.mean() < 0.6 for m in a.masks)


def _toy_garments():
    garments = np.zeros((3, 28, 28), np.uint8)
    garments[:, 6:22, 8:20] = 180
    garments[:, 12:14, 12:14] = 0  # a hole inside: part of the object, filled in the mask
    return garments


def test_composite_pastes_exact_mask_and_is_seeded():
    photo = np.full((80, 80, 3), 90, np.uint8)
    config = CompositeConfig(size=32, distractors=(0, 0), object_scale=(0.5, 0.5))
    a = make_fashion_composite(_toy_garments(), [photo], 6, config, seed=0)
    b = make_fashion_composite(_toy_garments(), [photo], 6, config, seed=0)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.masks, b.masks)
    for image, mask in zip(a.images, a.masks):
        assert 0.05 < mask.mean() < 0.5
        # The background is flat grey 90: every pixel away from the object is untouched
        # (the one-pixel rim is the anti-aliased edge, under half opacity) ...
        rim = binary_dilation(mask)
        assert np.abs(image[~rim].astype(int) - 90).max() <= 1
        # ... and the object differs from it (contrast >= 0.15 of the colour cube).
        assert np.abs(image[mask].astype(int) - 90).mean() > 10
    with pytest.raises(ValueError, match="object_scale"):
        CompositeConfig(object_scale=(0.5, 1.5))
    with pytest.raises(ValueError, match="garments"):
        make_fashion_composite(np.zeros((0, 28, 28), np.uint8), [photo], 2)
