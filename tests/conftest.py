import pytest
import torch
from torch import nn


@pytest.fixture
def generator() -> torch.Generator:
    return torch.Generator().manual_seed(1234)


class SmallNet(nn.Module):
    """A known network: conv 3->4 (3x3), conv-transpose 4->2 (2x2), linear 8->5."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.norm = nn.BatchNorm2d(4)
        self.up = nn.ConvTranspose2d(4, 2, 2)
        self.fc = nn.Linear(8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.up(torch.relu(self.norm(self.conv(x))))
        return self.fc(x.mean(dim=(2, 3)).repeat(1, 4))


@pytest.fixture
def small_net() -> SmallNet:
    torch.manual_seed(0)
    return SmallNet()
