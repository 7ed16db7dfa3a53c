from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from evosynth import DataError, SaliencySet, load_folder, make_shapes, read_mask
from evosynth.method.data import read_idx


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
