"""The raw data of the default data set (evosynth.experiment.raw)."""

import numpy as np
import pytest

from evosynth.experiment.raw import load_garments, load_photos

from support import RAW


@pytest.mark.needs_raw_data
def test_raw_data_is_complete():
    images, labels = load_garments(RAW, "train")
    assert images.shape == (60000, 28, 28) and labels.shape == (60000,)
    assert set(np.unique(labels)) == set(range(10))
    photos = load_photos(RAW)
    assert len(photos) >= 10 and all(p.ndim == 3 and p.shape[2] == 3 for p in photos)
