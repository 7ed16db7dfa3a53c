"""The second task: Fashion-MNIST classification, with a LeNet-5-style network and a
torchvision ResNet, to show that the engine works on any ``nn.Module``.

Images are the raw 28×28 grey garments scaled to [0, 1] and standardised with the training
split's mean and standard deviation; labels are the ten Fashion-MNIST classes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torchvision.models.resnet import BasicBlock, ResNet

from ..hparams import check_word
from .raw import load_garments
from ..method.training import select_device

#: Fashion-MNIST's standardisation constants (mean and std of the training images in [0, 1]).
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al. 1998) for 28×28 inputs: two 5×5 convolutions with max pooling,
    then three fully-connected layers (61,470 synapses; most of them fully connected, like the
    networks of the paper's time)."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(inplace=True), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(inplace=True),
            nn.Linear(120, 84), nn.ReLU(inplace=True), nn.Linear(84, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def resnet(classes: int = 10, blocks: tuple[int, int, int, int] = (1, 1, 1, 1)) -> ResNet:
    """torchvision's ResNet with basic blocks (``(2, 2, 2, 2)`` is ResNet-18; the default
    ``(1, 1, 1, 1)`` is ResNet-10), its first convolution taking one grey channel."""
    network = ResNet(BasicBlock, list(blocks), num_classes=classes)
    network.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return network


CLASSIFIERS = {"lenet5": LeNet5, "resnet": resnet}


def build_classifier(name: str) -> nn.Module:
    """A fresh classifier: ``lenet5`` or ``resnet``."""
    check_word("classifier", name, sorted(CLASSIFIERS))
    return CLASSIFIERS[name]()


def fashion_split(raw: str | Path, split: str, n: int | None = None,
                  seed: int = 0) -> TensorDataset:
    """Fashion-MNIST ``train`` or ``t10k`` as (image (1×28×28 float), label) pairs.

    ``n`` draws that many images at random (seeded, without replacement); ``None`` keeps all.
    """
    images, labels = load_garments(raw, split)
    if n is not None:
        if not 1 <= n <= len(images):
            raise ValueError(f"n must be in [1, {len(images)}] for split {split!r}, got {n}")
        index = np.sort(np.random.default_rng(seed).choice(len(images), n, replace=False))
        images, labels = images[index], labels[index]
    x = (torch.from_numpy(images).float().div_(255).sub_(FASHION_MEAN).div_(FASHION_STD))
    return TensorDataset(x.unsqueeze(1), torch.from_numpy(labels.astype(np.int64)))


@torch.no_grad()
def accuracy(model: nn.Module, dataset: TensorDataset, batch_size: int = 512,
             device: str = "auto") -> float:
    """Fraction of ``dataset`` that ``model`` classifies correctly."""
    dev = select_device(device)
    model.to(dev).eval()
    correct = 0
    for images, labels in DataLoader(dataset, batch_size=batch_size):
        correct += int((model(images.to(dev)).argmax(1).cpu() == labels).sum())
    return correct / max(len(dataset), 1)


def classification_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over the classes."""
    return F.cross_entropy(logits, labels)
