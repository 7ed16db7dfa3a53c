"""Saliency networks: a fully-convolutional encoder-decoder (U-Net style) ancestor.

The architecture is configuration: :class:`SaliencyNetConfig` says how wide each encoder stage
is and how many wide convolutions sit at the lowest resolution (where synapses cost the
fewest FLOPs). ``PRESETS["tiny"]`` is a debug preset for tests and smoke runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class SaliencyNetConfig:
    """Shape of the encoder-decoder.

    Attributes:
        widths: channels of each encoder stage, from full resolution down; every stage after
            the first halves the resolution. The decoder mirrors them with skip connections.
        bottleneck_width: channels of the convolutions at the lowest resolution.
        bottleneck_layers: number of 3x3 convolutions at the lowest resolution.
        convs_per_stage: 3x3 convolutions per encoder and decoder stage.
        batch_norm: batch normalisation after every convolution (not a synapse).
        in_channels: 3 for RGB images.
        patch: the image is first rearranged into ``patch`` × ``patch`` blocks stacked as
            channels (pixel unshuffle, no synapses), and the output is rearranged back (pixel
            shuffle), so that every layer works at 1/patch of the resolution: wide layers,
            many synapses, few FLOPs. 1 keeps full resolution.
        head_kernel: kernel size of the output convolution.
    """

    widths: tuple[int, ...] = (16, 32, 64)
    bottleneck_width: int = 128
    bottleneck_layers: int = 2
    convs_per_stage: int = 1
    batch_norm: bool = True
    in_channels: int = 3
    patch: int = 1
    head_kernel: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", tuple(self.widths))
        if not self.widths or any(not isinstance(w, int) or w < 1 for w in self.widths):
            raise ValueError(f"model.widths must be a non-empty list of positive integers, "
                             f"got {list(self.widths)!r}")
        for key in ("bottleneck_width", "convs_per_stage", "in_channels", "patch"):
            value = getattr(self, key)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"model.{key} must be an integer >= 1, got {value!r}")
        if self.head_kernel not in (1, 3):
            raise ValueError(f"model.head_kernel must be 1 or 3, got {self.head_kernel!r}")
        if not isinstance(self.bottleneck_layers, int) or self.bottleneck_layers < 0:
            raise ValueError(f"model.bottleneck_layers must be an integer >= 0, "
                             f"got {self.bottleneck_layers!r}")

    @property
    def downsampling(self) -> int:
        """Input sides must be divisible by this."""
        return self.patch * 2 ** len(self.widths)


PRESETS: dict[str, SaliencyNetConfig] = {
    "tiny": SaliencyNetConfig(widths=(4, 8), bottleneck_width=8, bottleneck_layers=1),
    "small": SaliencyNetConfig(),
}


def _conv_block(in_channels: int, out_channels: int, batch_norm: bool) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(in_channels, out_channels, 3, padding=1,
                                         bias=not batch_norm)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(nn.ReLU(inplace=True))
    return layers


def _stage(in_channels: int, out_channels: int, n: int, batch_norm: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(n):
        layers += _conv_block(in_channels if i == 0 else out_channels, out_channels, batch_norm)
    return nn.Sequential(*layers)


class SaliencyNet(nn.Module):
    """Encoder-decoder that maps an RGB image (B, 3, H, W) to saliency logits (B, 1, H, W)."""

    def __init__(self, config: SaliencyNetConfig | None = None):
        super().__init__()
        self.config = config = config or SaliencyNetConfig()
        c = config
        self.encoder = nn.ModuleList()
        channels = c.in_channels * c.patch ** 2
        for width in c.widths:
            self.encoder.append(_stage(channels, width, c.convs_per_stage, c.batch_norm))
            channels = width
        self.bottleneck = _stage(channels, c.bottleneck_width, c.bottleneck_layers, c.batch_norm) \
            if c.bottleneck_layers else nn.Identity()
        channels = c.bottleneck_width if c.bottleneck_layers else channels
        self.decoder = nn.ModuleList()
        for width in reversed(c.widths):
            self.decoder.append(_stage(channels + width, width, c.convs_per_stage, c.batch_norm))
            channels = width
        self.head = nn.Conv2d(channels, c.patch ** 2, c.head_kernel, padding=c.head_kernel // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        patch = self.config.patch
        if x.shape[-1] % patch or x.shape[-2] % patch:
            raise ValueError(f"image sides {tuple(x.shape[-2:])} must be divisible by "
                             f"model.patch = {patch}")
        x = F.pixel_unshuffle(x, patch) if patch > 1 else x
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for stage, skip in zip(self.decoder, reversed(skips)):
            x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            x = stage(torch.cat([x, skip], dim=1))
        x = self.head(x)
        return F.pixel_shuffle(x, patch) if patch > 1 else x


def build_model(preset: str | None = None, **overrides: object) -> SaliencyNet:
    """A :class:`SaliencyNet` from a preset name and/or config fields."""
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"model preset must be one of {sorted(PRESETS)}, got {preset!r}")
    base = PRESETS[preset] if preset else SaliencyNetConfig()
    fields = {**base.__dict__, **overrides}
    unknown = set(overrides) - set(base.__dict__)
    if unknown:
        raise ValueError(f"unknown model parameters {sorted(unknown)}; expected some of "
                         f"{sorted(base.__dict__)}")
    return SaliencyNet(SaliencyNetConfig(**fields))
