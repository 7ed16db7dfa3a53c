"""Cluster-driven (structured) synthesis: whole filters live or die, offspring are smaller.

The synaptic probability model thins synapses one by one, so an offspring keeps its parent's
dense tensors with zeros in them: fewer synapses, the same cost on real hardware. The
authors' follow-up, *cluster-driven genetic encoding* (Shafiee & Wong,
arXiv:1609.01360), encodes the network at the level of **synaptic clusters** instead. Here a
cluster is one filter of a convolution (one output channel with all its incoming synapses)::

    s_c  = mean |w| over the synapses of filter c (dead synapses count as 0)
    P(c) = exp(s_c / Z - 1)           Z = max s_c over the layer (or over the whole network)

and each filter survives one Bernoulli draw with probability F(E) · P(c), where F(E) is the
environmental factor of the generation, computed by the same environment classes as for
synapses (:class:`~evosynth.ConstantEnvironment`, :class:`~evosynth.BudgetEnvironment`, whose
``keep_fraction`` is then the expected fraction of the parent's *filters* kept).

Why the mean of ``|w|``: the sum grows with the fan-in (a decoder filter that reads a skip
connection has more synapses than its neighbours), and the maximum is the noise of a single
synapse; the mean (the L1 norm of the filter over its fan-in, the filter criterion of Li et
al., 2017, per synapse) is a strength per synapse, on the same scale as the ``|w|`` of
``P(s|w)``. Why ``layer`` normalisation by default: under the usual initialisation a filter's
mean ``|w|`` scales as 1/sqrt(fan-in), so a global Z would mostly remove filters of the layers
with the widest fan-in whatever they learned; a per-layer Z makes the draw compare filters
that are comparable. (With batch normalisation after a convolution the scale of its weights
is not identifiable from the output; P(c) still reads only synaptic strengths, as the paper's
model does. The BN scale is a possible alternative strength, not used here.)

The offspring is then **built as a smaller dense network**: the surviving filters' weights
(and biases, and their batch-norm scale, shift and running statistics) are copied, and every
convolution that reads a removed filter's channel loses that input channel too, through skip
connections as well (an encoder filter feeds the next encoder convolution and, by
concatenation, a decoder convolution: it is drawn once, and removed from both). The head's
output channels (the predicted pixels) are never removed, and at least one filter of every
convolution survives.

Any network works that provides ``conv_graph()`` (a list of
:class:`~evosynth.method.models.ConvNode`), names its output convolution ``output_layer`` (whose
output channels are never removed) and has a ``config`` dataclass with a ``channels`` field,
as :class:`~evosynth.method.models.SaliencyNet` does.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import torch
from torch import nn

from .environment import Environment, as_environment
from .masks import Masks
from .probability import Normalization, check_normalization, heredity
from .synthesis import check_generator, draw

def _graph(model: nn.Module) -> list:
    if not hasattr(model, "conv_graph") or not hasattr(model, "output_layer"):
        raise TypeError(f"structured synthesis needs a network with conv_graph() and "
                        f"output_layer (such as evosynth.SaliencyNet), got "
                        f"{type(model).__name__}")
    return model.conv_graph()


def _filters(model: nn.Module) -> list:
    """The convolutions whose filters are clusters: every node of the graph but the output
    layer (whose output channels are the network's outputs)."""
    return [n for n in _graph(model) if n.name != model.output_layer]


def cluster_strengths(model: nn.Module, masks: Mapping[str, torch.Tensor] | None = None
                      ) -> dict[str, torch.Tensor]:
    """``s_c``: mean ``|w|`` of every filter of every convolution but the head.

    Keyed by convolution name (``"encoder.0.0"``); one float64 value per output channel.
    Dead synapses in ``masks`` (keyed by parameter name, ``"encoder.0.0.weight"``) count as 0.
    """
    strengths = {}
    for node in _filters(model):
        weight = model.get_submodule(node.name).weight.detach().to("cpu", torch.float64).abs()
        if masks is not None:
            weight = weight * masks[f"{node.name}.weight"].to(torch.float64)
        strengths[node.name] = weight.reshape(weight.shape[0], -1).mean(dim=1)
    return strengths


def cluster_probabilities(model: nn.Module, masks: Mapping[str, torch.Tensor] | None = None,
                          normalization: Normalization = "layer") -> dict[str, torch.Tensor]:
    """``P(c) = exp(s_c / Z - 1)`` of every filter (see the module's docstring).

    ``normalization="layer"``: Z is the largest ``s_c`` of the layer, so its strongest filter
    has probability 1 and a filter of zero strength 1/e; ``"global"``: one Z for the network.
    """
    check_normalization(normalization)
    strengths = cluster_strengths(model, masks)
    z_global = max((float(s.max()) for s in strengths.values() if s.numel()), default=0.0)
    return {name: heredity(s, float(s.max()) if normalization == "layer" else z_global)
            .to(torch.float32) for name, s in strengths.items()}


def synthesize_clusters(model: nn.Module, factor: float | Environment,
                        generator: torch.Generator,
                        masks: Mapping[str, torch.Tensor] | None = None,
                        normalization: Normalization = "layer"
                        ) -> tuple[dict[str, torch.Tensor], float]:
    """Draw which filters of ``model`` survive: ``(keep, F(E))`` of :func:`draw_clusters`."""
    keep, f, _ = draw_clusters(model, factor, generator, masks, normalization)
    return keep, f


def draw_clusters(model: nn.Module, factor: float | Environment, generator: torch.Generator,
                  masks: Mapping[str, torch.Tensor] | None = None,
                  normalization: Normalization = "layer"
                  ) -> tuple[dict[str, torch.Tensor], float, dict[str, torch.Tensor]]:
    """Draw which filters of ``model`` survive into the offspring.

    Each filter c survives an independent Bernoulli draw with probability ``F(E) · P(c)``
    (one ``torch.rand`` per convolution from ``generator``, in graph order, so the same seed
    gives the same offspring). A convolution that would lose every filter keeps its most
    probable one.

    Returns:
        ``({convolution name: bool tensor over its filters}, F(E), P(c))``; the output layer
        is not listed (its output channels are always kept).
    """
    check_generator(generator)
    environment = as_environment(factor)
    probabilities = cluster_probabilities(model, masks, normalization)
    f = environment.factor(probabilities)
    keep = draw(probabilities, f, generator)
    for name, alive in keep.items():
        if not bool(alive.any()):
            alive[int(torch.argmax(probabilities[name]))] = True
    return keep, f, probabilities


def _channel_index(keep: torch.Tensor) -> torch.Tensor:
    return torch.nonzero(keep, as_tuple=False).flatten()


@torch.no_grad()
def shrink(model: nn.Module, keep: Mapping[str, torch.Tensor],
           masks: Mapping[str, torch.Tensor] | None = None) -> tuple[nn.Module, Masks]:
    """Build the offspring: a smaller dense copy of ``model`` with only the kept filters.

    Args:
        model: the parent (``conv_graph()`` and ``config.channels``, e.g. a ``SaliencyNet``).
        keep: ``{convolution name: bool tensor over its filters}`` (from
            :func:`synthesize_clusters`); a convolution not listed keeps every filter.
        masks: the parent's synapse masks, sliced the same way (``None``: all alive).

    Returns:
        ``(offspring, masks)``: a new network of the parent's class whose
        ``config.channels`` lists the surviving filter counts, holding the parent's weights of
        the surviving filters (and batch-norm parameters and statistics) from the surviving
        input channels; and its masks.
    """
    graph = _graph(model)
    keep = {name: torch.as_tensor(k, dtype=torch.bool).cpu() for name, k in keep.items()}
    unknown = sorted(set(keep) - {n.name for n in _filters(model)})
    if unknown:
        raise ValueError(f"keep names {unknown}, which are not convolutions of the network "
                         "(or are its output layer, whose output channels are always kept)")
    modules = {n.name: model.get_submodule(n.name) for n in graph}
    out_index = {}
    for node in graph:
        n_out = modules[node.name].out_channels
        if node.name in keep:
            k = keep[node.name]
            if k.shape != (n_out,):
                raise ValueError(f"keep[{node.name!r}] has shape {tuple(k.shape)}, the "
                                 f"convolution has {n_out} filters")
            if not bool(k.any()):
                raise ValueError(f"keep[{node.name!r}] removes every filter of the layer")
            out_index[node.name] = _channel_index(k)
        else:
            out_index[node.name] = torch.arange(n_out)
    channels = tuple(len(out_index[n.name]) for n in _filters(model))
    config = dataclasses.replace(model.config, channels=channels)
    child = type(model)(config)
    parent_state = model.state_dict()
    child_state = child.state_dict()
    masks = Masks(masks) if masks is not None else None
    child_masks = {}
    for node in graph:
        conv = modules[node.name]
        in_index, offset = [], 0
        for source in node.sources:
            width = conv.in_channels if source == "input" else modules[source].out_channels
            picked = torch.arange(width) if source == "input" else out_index[source]
            in_index.append(picked + offset)
            offset += width
        if offset != conv.in_channels:
            raise RuntimeError(f"conv_graph of {node.name!r} accounts for {offset} input "
                               f"channels, the convolution has {conv.in_channels}")
        rows, cols = out_index[node.name], torch.cat(in_index)
        key = f"{node.name}.weight"
        child_state[key] = parent_state[key][rows][:, cols].clone()
        if masks is not None:
            child_masks[key] = masks[key][rows][:, cols].clone()
        if conv.bias is not None:
            child_state[f"{node.name}.bias"] = parent_state[f"{node.name}.bias"][rows].clone()
        if node.batch_norm is not None:
            for field in ("weight", "bias", "running_mean", "running_var"):
                k = f"{node.batch_norm}.{field}"
                if k in parent_state:
                    child_state[k] = parent_state[k][rows].clone()
            k = f"{node.batch_norm}.num_batches_tracked"
            if k in parent_state:
                child_state[k] = parent_state[k].clone()
    child.load_state_dict(child_state)
    child.to(next(model.parameters()).device)
    child.train(model.training)
    return child, (Masks(child_masks) if masks is not None else Masks.ones_like(child))


def count_clusters(model: nn.Module) -> int:
    """Number of filters of every convolution but the output layer (the clusters)."""
    return int(sum(model.get_submodule(n.name).out_channels for n in _filters(model)))


def expected_clusters(probabilities: Mapping[str, torch.Tensor], factor: float) -> float:
    """Expected number of surviving filters, ``F(E) · sum P(c)`` (before the keep-one rule)."""
    return float(factor) * math.fsum(float(p.double().sum()) for p in probabilities.values())
