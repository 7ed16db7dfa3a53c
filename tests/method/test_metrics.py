import warnings

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter

from evosynth import SaliencyMetrics, saliency_scores
from evosynth.method.metrics import _has_float64

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import py_sod_metrics


def _reference(preds: np.ndarray, gts: np.ndarray, normalize: bool = True):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fm, mae = py_sod_metrics.Fmeasure(), py_sod_metrics.MAE()
    for pred, gt in zip(preds, gts):
        fm.step(pred=pred, gt=gt, normalize=normalize)
        mae.step(pred=pred, gt=gt, normalize=normalize)
    f = fm.get_results()
    return {"adaptive": f["fm"]["adp"], "curve": f["fm"]["curve"], "precision": f["pr"]["p"],
            "recall": f["pr"]["r"], "mae": mae.get_results()["mae"]}


def _real_looking(n: int, size: int, rng: np.random.Generator):
    """Blob-shaped ground truth (uint8 with soft edges) and blurred, noisy predictions."""
    gts, preds = [], []
    yy, xx = np.mgrid[0:size, 0:size]
    for _ in range(n):
        cy, cx = rng.uniform(0.2, 0.8, 2) * size
        ry, rx = rng.uniform(0.1, 0.35, 2) * size
        inside = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2
        gt = np.clip(255 * (1.5 - inside), 0, 255).astype(np.uint8)  # soft matte edges
        pred = gaussian_filter(gt.astype(float), rng.uniform(1, 4)) + rng.normal(0, 30, gt.shape)
        shift = rng.integers(-3, 4, 2)
        pred = np.roll(pred, tuple(shift), axis=(0, 1))
        preds.append(np.clip(pred, 0, 255).astype(np.uint8))
        gts.append(gt)
    return np.stack(preds), np.stack(gts)


def _compare(ours, ref):
    assert ours.f_beta_adaptive == pytest.approx(ref["adaptive"], abs=1e-6)
    assert ours.f_beta_max == pytest.approx(ref["curve"].max(), abs=1e-6)
    assert ours.mae == pytest.approx(ref["mae"], abs=1e-6)
    np.testing.assert_allclose(ours.f_beta_curve.numpy(), ref["curve"], atol=1e-6)
    np.testing.assert_allclose(ours.precision.numpy(), ref["precision"], atol=1e-6)
    np.testing.assert_allclose(ours.recall.numpy(), ref["recall"], atol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agrees_with_pysodmetrics_on_random_maps(seed):
    rng = np.random.default_rng(seed)
    preds = rng.integers(0, 256, (12, 24, 20), dtype=np.uint8)
    gts = (rng.random((12, 24, 20)) > 0.7).astype(np.uint8) * 255
    ours = saliency_scores(torch.from_numpy(preds), torch.from_numpy(gts))
    _compare(ours, _reference(preds, gts))


def test_agrees_with_pysodmetrics_on_real_looking_maps_in_batches():
    rng = np.random.default_rng(5)
    preds, gts = _real_looking(30, 48, rng)
    metrics = SaliencyMetrics()
    for start in range(0, 30, 7):  # uneven batches accumulate exactly
        metrics.update(torch.from_numpy(preds[start:start + 7]), torch.from_numpy(gts[start:start + 7]))
    ours = metrics.compute()
    assert ours.n_images == 30
    ref = _reference(preds, gts)
    _compare(ours, ref)
    assert 0.3 < ours.f_beta_max < 1.0  # a meaningful, non-degenerate case


def test_float_maps_are_read_as_8_bit_images():
    rng = np.random.default_rng(9)
    preds, gts = _real_looking(8, 32, rng)
    floats = torch.from_numpy(preds).double() / 255
    ours = saliency_scores(floats, torch.from_numpy(gts) > 128)
    _compare(ours, _reference(preds, gts))


def test_without_normalization_matches_reference_float_mode():
    rng = np.random.default_rng(11)
    preds = rng.random((6, 16, 16))
    gts = rng.random((6, 16, 16)) > 0.6
    ours = saliency_scores(torch.from_numpy(preds), torch.from_numpy(gts), normalize=False)
    _compare(ours, _reference(preds, gts, normalize=False))


def test_edge_cases_constant_map_and_empty_ground_truth():
    preds = np.stack([np.full((8, 8), 77, np.uint8), np.zeros((8, 8), np.uint8)])
    gts = np.stack([np.zeros((8, 8), np.uint8), np.full((8, 8), 255, np.uint8)])
    ours = saliency_scores(torch.from_numpy(preds), torch.from_numpy(gts))
    _compare(ours, _reference(preds, gts))


def test_perfect_map_scores_one():
    gt = torch.zeros(2, 10, 10, dtype=torch.bool)
    gt[:, 2:6, 3:8] = True
    scores = saliency_scores(gt.float(), gt)
    assert scores.f_beta_adaptive == pytest.approx(1.0)
    assert scores.f_beta_max == pytest.approx(1.0)
    assert scores.mae == 0.0


def test_bad_inputs():
    with pytest.raises(ValueError, match="differ in shape"):
        saliency_scores(torch.rand(2, 4, 4), torch.zeros(2, 4, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        saliency_scores(torch.randn(2, 4, 4) * 5, torch.zeros(2, 4, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="update first"):
        SaliencyMetrics().compute()


def test_metrics_leave_mps_for_the_cpu():
    assert not _has_float64(torch.device("mps")) and _has_float64(torch.device("cpu"))
    metrics = SaliencyMetrics()
    metrics.update(torch.rand(2, 8, 8), torch.rand(2, 8, 8) > 0.5)
    assert metrics.compute().n_images == 2
