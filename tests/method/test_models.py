import pytest
import torch

from evosynth import build_model, count_synapses
from evosynth.method.models import SaliencyNetConfig


@pytest.mark.parametrize("patch,head_kernel", [(1, 1), (2, 3), (4, 3)])
def test_output_matches_input_size(patch, head_kernel):
    net = build_model(widths=(4, 8), bottleneck_width=8, bottleneck_layers=1, patch=patch,
                      head_kernel=head_kernel)
    x = torch.rand(2, 3, 32, 32)
    assert net(x).shape == (2, 1, 32, 32)


def test_patch_puts_synapses_at_low_resolution():
    full = build_model(widths=(4, 8), bottleneck_width=8, bottleneck_layers=1)
    patched = build_model(widths=(4, 8), bottleneck_width=8, bottleneck_layers=1, patch=2)
    # The first layer sees 3 * 2 * 2 = 12 channels; the head predicts 4 sub-pixels.
    assert patched.encoder[0][0].weight.shape == (4, 12, 3, 3)
    assert patched.head.weight.shape == (4, 4, 1, 1)
    assert count_synapses(patched) == count_synapses(full) + 4 * 9 * 9 + 4 * 3


def test_bad_model_config():
    with pytest.raises(ValueError, match="model.widths"):
        SaliencyNetConfig(widths=())
    with pytest.raises(ValueError, match="model.patch"):
        SaliencyNetConfig(patch=0)
    with pytest.raises(ValueError, match="model.head_kernel"):
        SaliencyNetConfig(head_kernel=5)
    with pytest.raises(ValueError, match="unknown model parameters"):
        build_model("tiny", depth=3)
    with pytest.raises(ValueError, match="preset"):
        build_model("huge")
    with pytest.raises(ValueError, match="divisible by model.patch"):
        build_model(patch=4)(torch.rand(1, 3, 30, 30))


def test_model_channels_are_validated():
    with pytest.raises(ValueError, match="model.channels must list 5"):
        build_model(widths=(6, 8), bottleneck_width=10, bottleneck_layers=1, channels=(1, 2))
