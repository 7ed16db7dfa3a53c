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

from ..hparams import SaliencyNetConfig


@dataclass(frozen=True)
class ConvNode:
    """One convolution of a network's graph: its name, its batch norm and its input sources."""

    name: str
    batch_norm: str | None
    sources: tuple[str, ...]


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


def _stage(in_channels: int, out_channels: list[int], batch_norm: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for out in out_channels:
        layers += _conv_block(in_channels, out, batch_norm)
        in_channels = out
    return nn.Sequential(*layers)


class SaliencyNet(nn.Module):
    """Encoder-decoder that maps an RGB image (B, 3, H, W) to saliency logits (B, 1, H, W)."""

    #: The convolution that predicts the pixels: structured synthesis never removes its
    #: output channels (:mod:`evosynth.method.genetics.clusters`).
    output_layer = "head"

    def __init__(self, config: SaliencyNetConfig | None = None):
        super().__init__()
        self.config = config = config or SaliencyNetConfig()
        c = config
        k, out = c.convs_per_stage, list(c.conv_channels)
        n_enc = len(c.widths) * k
        enc, mid, dec = out[:n_enc], out[n_enc:n_enc + c.bottleneck_layers], \
            out[n_enc + c.bottleneck_layers:]
        self.encoder = nn.ModuleList()
        channels = c.in_channels * c.patch ** 2
        skip_channels = []
        for i in range(len(c.widths)):
            widths = enc[i * k:(i + 1) * k]
            self.encoder.append(_stage(channels, widths, c.batch_norm))
            channels = widths[-1]
            skip_channels.append(channels)
        self.bottleneck = _stage(channels, mid, c.batch_norm) if c.bottleneck_layers \
            else nn.Identity()
        channels = mid[-1] if c.bottleneck_layers else channels
        self.decoder = nn.ModuleList()
        for i, skip in enumerate(reversed(skip_channels)):
            widths = dec[i * k:(i + 1) * k]
            self.decoder.append(_stage(channels + skip, widths, c.batch_norm))
            channels = widths[-1]
        self.head = nn.Conv2d(channels, c.patch ** 2, c.head_kernel, padding=c.head_kernel // 2)

    def conv_names(self) -> list[str]:
        """Module names of the 3x3 convolutions, in the order of ``config.channels``."""
        return [name for name, _ in self._convs()]

    def _convs(self) -> list[tuple[str, nn.Conv2d]]:
        convs = []
        for prefix, stages in (("encoder", list(self.encoder)), ("bottleneck", None),
                               ("decoder", list(self.decoder))):
            if stages is None:
                if isinstance(self.bottleneck, nn.Sequential):
                    convs += [(f"bottleneck.{j}", m) for j, m in enumerate(self.bottleneck)
                              if isinstance(m, nn.Conv2d)]
                continue
            for i, stage in enumerate(stages):
                convs += [(f"{prefix}.{i}.{j}", m) for j, m in enumerate(stage)
                          if isinstance(m, nn.Conv2d)]
        return convs

    def conv_graph(self) -> list[ConvNode]:
        """Where every convolution's input channels come from (the head last).

        Each node names a convolution, the batch normalisation after it (or ``None``) and its
        input *sources*, in the order in which their channels are concatenated: ``"input"``
        (the image, after pixel unshuffle) or the name of another convolution. A decoder
        convolution reads the upsampled previous output and then the skip connection; that is
        what keeps shapes consistent when filters are removed: an encoder filter that goes
        removes its channel from the next encoder convolution *and* from the decoder
        convolution that reads the skip.
        """
        c = self.config
        convs = self.conv_names()
        k, n_enc = c.convs_per_stage, len(c.widths) * c.convs_per_stage
        bn = {}
        for name, _ in self._convs():
            parent, index = name.rsplit(".", 1)
            stage = self.get_submodule(parent)
            nxt = int(index) + 1
            bn[name] = f"{parent}.{nxt}" if nxt < len(stage) and isinstance(
                stage[nxt], nn.BatchNorm2d) else None
        nodes, previous = [], "input"
        skips = []
        for i, name in enumerate(convs[:n_enc]):
            nodes.append(ConvNode(name, bn[name], (previous,)))
            previous = name
            if (i + 1) % k == 0:
                skips.append(name)
        for name in convs[n_enc:n_enc + c.bottleneck_layers]:
            nodes.append(ConvNode(name, bn[name], (previous,)))
            previous = name
        for i, name in enumerate(convs[n_enc + c.bottleneck_layers:]):
            sources = (previous, skips[-1 - i // k]) if i % k == 0 else (previous,)
            nodes.append(ConvNode(name, bn[name], sources))
            previous = name
        nodes.append(ConvNode("head", None, (previous,)))
        return nodes

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
