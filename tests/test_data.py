from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy.ndimage import binary_dilation

from evosynth import (CompositeConfig, DataError, SaliencySet, load_folder, make_fashion_composite,
                      make_shapes, read_mask)
from evosynth.data import read_idx
from evosynth.raw import FASHION_FILES, load_garments, load_photos

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def _write_dataset(root: Path, n: int = 3, size=(20, 16)) -> None:
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(
            root / "images" / f"img{i}.jpg")
        mask = np.zeros(size, np.uint8)
        mask[4:12, 3:10] = 255
        mask[4, 3:10] = 128      # a soft edge exactly at the threshold: background
        mask[11, 3:10] = 129     # just above: foreground
        Image.fromarray(mask).save(root / "masks" / f"img{i}.png")


def test_folder_loads_and_binarises_masks_at_128(tmp_path):
    _write_dataset(tmp_path)
    (tmp_path / "test.txt").write_text("img2\nimg0.jpg\n")
    full = load_folder(tmp_path, size=16)
    assert len(full) == 3 and full.images.shape == (3, 16, 16, 3) and full.names[0] == "img0"
    split = load_folder(tmp_path, size=16, split="test")
    assert split.names == ["img2", "img0"]
    mask = read_mask(tmp_path / "masks" / "img0.png")
    assert not mask[4, 5] and mask[11, 5] and mask[5, 5] and not mask[0, 0]


def test_grey_and_bilevel_masks(tmp_path):
    Image.fromarray(np.array([[0, 255], [200, 100]], np.uint8)).convert("1").save(tmp_path / "b.png")
    assert read_mask(tmp_path / "b.png").tolist() == [[False, True], [True, False]]


@pytest.mark.parametrize("break_it,match", [
    (lambda r: (r / "masks" / "img1.png").unlink(), r"img1\.jpg: no mask"),
    (lambda r: Image.new("L", (16, 20)).save(r / "masks" / "img9.png"), r"img9\.png: mask without"),
    (lambda r: Image.new("L", (5, 5)).save(r / "masks" / "img1.png"), r"img1\.png: mask is 5x5"),
    (lambda r: (r / "images" / "img0.jpg").write_bytes(b"garbage"), r"img0\.jpg: not a readable image"),
    (lambda r: (r / "masks" / "img2.png").write_bytes(b"garbage"), r"img2\.png: not a readable mask"),
    (lambda r: (r / "images" / "notes.txt").write_text("hi"), r"notes\.txt: unexpected file"),
])
def test_bad_data_names_the_file(tmp_path, break_it, match):
    _write_dataset(tmp_path)
    break_it(tmp_path)
    with pytest.raises(DataError, match=match):
        load_folder(tmp_path, size=16)


def test_bad_layout_and_splits(tmp_path):
    with pytest.raises(DataError, match="data set folder not found"):
        load_folder(tmp_path / "nope", size=16)
    (tmp_path / "images").mkdir()
    with pytest.raises(DataError, match="masks: mask folder not found"):
        load_folder(tmp_path, size=16)
    (tmp_path / "masks").mkdir()
    with pytest.raises(DataError, match="is empty"):
        load_folder(tmp_path, size=16)
    _write_dataset(tmp_path / "d")
    with pytest.raises(DataError, match=r"val\.txt: split list not found"):
        load_folder(tmp_path / "d", size=16, split="val")
    (tmp_path / "d" / "val.txt").write_text("img7\n")
    with pytest.raises(DataError, match="lists 'img7'"):
        load_folder(tmp_path / "d", size=16, split="val")
    (tmp_path / "d" / "empty.txt").write_text("\n")
    with pytest.raises(DataError, match="split 'empty' is empty"):
        load_folder(tmp_path / "d", size=16, split="empty")


def test_saliency_set_checks_and_round_trip(tmp_path):
    data = make_shapes(5, size=16, seed=1)
    path = data.save(tmp_path / "split.npz")
    back = SaliencySet.load(path)
    assert np.array_equal(back.images, data.images) and np.array_equal(back.masks, data.masks)
    with pytest.raises(DataError, match="images must be uint8"):
        SaliencySet(data.images.astype(float), data.masks)
    with pytest.raises(DataError, match="masks must be bool"):
        SaliencySet(data.images, data.masks[:, :8])
    with pytest.raises(DataError, match="split file not found"):
        SaliencySet.load(tmp_path / "missing.npz")
    (tmp_path / "bad.npz").write_bytes(b"junk")
    with pytest.raises(DataError, match=r"bad\.npz"):
        SaliencySet.load(tmp_path / "bad.npz")
    images, masks = data.tensors()[0]
    assert images.shape == (3, 16, 16) and 0 <= float(images.min()) and float(images.max()) <= 1
    assert masks.shape == (1, 16, 16)


def test_idx_reader(tmp_path):
    data = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    header = bytes([0, 0, 8, 3]) + b"".join(d.to_bytes(4, "big") for d in data.shape)
    (tmp_path / "x-idx3-ubyte").write_bytes(header + data.tobytes())
    assert np.array_equal(read_idx(tmp_path / "x-idx3-ubyte"), data)
    (tmp_path / "short").write_bytes(header + data.tobytes()[:-1])
    with pytest.raises(DataError, match="short: IDX header"):
        read_idx(tmp_path / "short")
    (tmp_path / "text").write_text("hello")
    with pytest.raises(DataError, match="text: not an unsigned-byte IDX"):
        read_idx(tmp_path / "text")


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


@pytest.mark.skipif(not (RAW / "fashion-mnist").is_dir(), reason="raw data not fetched")
def test_raw_data_is_complete():
    images, labels = load_garments(RAW, "train")
    assert images.shape == (60000, 28, 28) and labels.shape == (60000,)
    assert set(np.unique(labels)) == set(range(10))
    assert len(FASHION_FILES) == 4
    photos = load_photos(RAW)
    assert len(photos) >= 10 and all(p.ndim == 3 and p.shape[2] == 3 for p in photos)
