"""Salient-object metrics: F-measure (beta^2 = 0.3), adaptive and max, MAE, PR curves.

The conventions are those of the field's reference implementation, ``pysodmetrics``
(``py_sod_metrics.Fmeasure`` and ``MAE``), vectorized in torch over a batch of maps:

* a saliency map is an 8-bit grey image (a float map in [0, 1] is first rounded to 8 bits,
  as when it is saved as a PNG), scaled to [0, 1] and min-max normalised per image;
* ground truth is binarised at 128 (``gt > 128``) when given as 8-bit, or taken as boolean;
* adaptive F-measure: threshold ``min(2 × mean saliency, 1)``, per image, then averaged;
* precision, recall and F-measure at the 256 thresholds 255, 254, ..., 0 of the 8-bit map,
  averaged over images; max-F is the maximum of the averaged F-measure curve;
* MAE: mean ``|saliency − ground truth|`` per image, averaged over images.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

BETA2 = 0.3
#: Thresholds of the 8-bit map: 255, 254, ..., 0.
N_THRESHOLDS = 256


@dataclass(frozen=True)
class SaliencyScores:
    """Data-set level scores. Curves are indexed by threshold 255, 254, ..., 0."""

    f_beta_adaptive: float
    f_beta_max: float
    mae: float
    precision: torch.Tensor
    recall: torch.Tensor
    f_beta_curve: torch.Tensor
    n_images: int

    @property
    def thresholds(self) -> list[int]:
        """The threshold of every point of the curves: 255, 254, ..., 0."""
        return list(range(N_THRESHOLDS - 1, -1, -1))

    def summary(self) -> dict[str, float]:
        """The scalar scores, for ``metrics.json``."""
        return {"f_beta_adaptive": self.f_beta_adaptive, "f_beta_max": self.f_beta_max,
                "mae": self.mae}


def _has_float64(device: torch.device) -> bool:
    """Whether ``device`` computes in float64 (Apple's MPS does not)."""
    return device.type != "mps"


def _as_unit_maps(saliency: torch.Tensor, normalize: bool) -> torch.Tensor:
    saliency = saliency.detach()
    if saliency.dtype == torch.uint8:
        maps = saliency.to(torch.float64) / 255
    elif saliency.is_floating_point():
        if saliency.numel() and (saliency.min() < 0 or saliency.max() > 1):
            raise ValueError("saliency maps must lie in [0, 1] (apply a sigmoid to logits)")
        maps = saliency.to(torch.float64)
        if normalize:
            maps = torch.round(maps * 255) / 255
    else:
        raise TypeError(f"saliency maps must be uint8 or floating point, got {saliency.dtype}")
    maps = maps.flatten(1)
    if normalize:
        lo = maps.min(dim=1, keepdim=True).values
        hi = maps.max(dim=1, keepdim=True).values
        span = hi - lo
        maps = torch.where(span > 0, (maps - lo) / torch.where(span > 0, span, 1), maps)
    return maps


def _as_bool_masks(target: torch.Tensor) -> torch.Tensor:
    target = target.detach()
    if target.dtype == torch.bool:
        return target.flatten(1)
    if target.dtype == torch.uint8:
        return (target > 128).flatten(1)
    if target.is_floating_point():
        return (target > 0.5).flatten(1)
    raise TypeError(f"ground truth must be bool, uint8 or float, got {target.dtype}")


class SaliencyMetrics:
    """Accumulates F-measure, MAE and PR curves over batches of saliency maps.

    >>> metrics = SaliencyMetrics()
    >>> metrics.update(torch.sigmoid(logits), masks)   # doctest: +SKIP
    >>> metrics.compute().f_beta_adaptive              # doctest: +SKIP
    """

    def __init__(self, beta2: float = BETA2, normalize: bool = True) -> None:
        self.beta2 = beta2
        self.normalize = normalize
        self._adaptive: list[torch.Tensor] = []
        self._mae: list[torch.Tensor] = []
        self._precision: list[torch.Tensor] = []
        self._recall: list[torch.Tensor] = []
        self._f: list[torch.Tensor] = []

    def _f_measure(self, precision: torch.Tensor, recall: torch.Tensor) -> torch.Tensor:
        numerator = (1 + self.beta2) * precision * recall
        denominator = torch.where(numerator == 0, torch.ones_like(numerator),
                                  self.beta2 * precision + recall)
        return numerator / denominator

    @torch.no_grad()
    def update(self, saliency: torch.Tensor, target: torch.Tensor) -> None:
        """Add a batch: ``saliency`` (N, [1,] H, W) in [0, 1] or uint8; ``target`` same shape."""
        if saliency.shape != target.shape:
            raise ValueError(f"saliency maps {tuple(saliency.shape)} and ground truth "
                             f"{tuple(target.shape)} differ in shape")
        if saliency.dim() < 2:
            raise ValueError("expected a batch of maps (N, H, W)")
        if not _has_float64(saliency.device):   # Apple's MPS: the scores are computed on CPU
            saliency, target = saliency.cpu(), target.cpu()
        pred = _as_unit_maps(saliency, self.normalize)
        gt = _as_bool_masks(target).to(pred.device)
        n = pred.shape[0]
        gt_f = gt.to(torch.float64)
        gt_count = gt_f.sum(dim=1)

        # Adaptive F-measure.
        threshold = torch.clamp(2 * pred.mean(dim=1, keepdim=True), max=1.0)
        binary = pred >= threshold
        intersection = (binary & gt).sum(dim=1).to(torch.float64)
        predicted = binary.sum(dim=1).to(torch.float64)
        safe = intersection > 0
        precision = torch.where(safe, intersection / predicted.clamp(min=1), 0.0)
        recall = torch.where(safe, intersection / gt_count.clamp(min=1), 0.0)
        adaptive = torch.where(safe, (1 + self.beta2) * precision * recall
                               / torch.where(safe, self.beta2 * precision + recall, 1.0), 0.0)
        self._adaptive.append(adaptive.cpu())

        # PR curve over the 256 thresholds of the 8-bit map (as pysodmetrics: truncation).
        levels = (pred * (N_THRESHOLDS - 1)).to(torch.uint8).to(torch.int64)
        offsets = (torch.arange(n, device=pred.device).unsqueeze(1) * 2 * N_THRESHOLDS
                   + gt.to(torch.int64) * N_THRESHOLDS)
        hist = torch.bincount((levels + offsets).flatten(), minlength=n * 2 * N_THRESHOLDS)
        hist = hist.reshape(n, 2, N_THRESHOLDS).to(torch.float64)
        bg_hist, fg_hist = hist[:, 0], hist[:, 1]
        tp = torch.cumsum(torch.flip(fg_hist, dims=[1]), dim=1)
        positives = tp + torch.cumsum(torch.flip(bg_hist, dims=[1]), dim=1)
        positives = torch.where(positives == 0, torch.ones_like(positives), positives)
        curve_precision = tp / positives
        curve_recall = tp / gt_count.clamp(min=1).unsqueeze(1)
        self._precision.append(curve_precision.cpu())
        self._recall.append(curve_recall.cpu())
        self._f.append(self._f_measure(curve_precision, curve_recall).cpu())

        self._mae.append((pred - gt_f).abs().mean(dim=1).cpu())

    def compute(self) -> SaliencyScores:
        """Scores over every map seen so far."""
        if not self._mae:
            raise ValueError("no saliency maps were added (call update first)")
        f_curve = torch.cat(self._f).mean(dim=0)
        return SaliencyScores(
            f_beta_adaptive=float(torch.cat(self._adaptive).mean()),
            f_beta_max=float(f_curve.max()),
            mae=float(torch.cat(self._mae).mean()),
            precision=torch.cat(self._precision).mean(dim=0),
            recall=torch.cat(self._recall).mean(dim=0),
            f_beta_curve=f_curve,
            n_images=int(sum(len(m) for m in self._mae)),
        )


def saliency_scores(saliency: torch.Tensor, target: torch.Tensor, **kwargs: object) -> SaliencyScores:
    """Scores of one batch of maps (see :class:`SaliencyMetrics`)."""
    metrics = SaliencyMetrics(**kwargs)  # type: ignore[arg-type]
    metrics.update(saliency, target)
    return metrics.compute()
