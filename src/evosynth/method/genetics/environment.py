"""The environmental factor model F(E): natural selection under scarce resources.

An environment looks at the synaptic probabilities of a parent and returns the factor
F(E) in (0, 1] that scales every one of them: P_keep = F(E) · P(s | w).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import torch

from ...hparams import check_word


def _check_factor(factor: float, name: str = "factor") -> float:
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not math.isfinite(factor) \
            or not 0.0 < factor <= 1.0:
        raise ValueError(f"environmental {name} must be a number in (0, 1], got {factor!r}")
    return float(factor)


class Environment:
    """Base class: ``factor(probabilities) -> F(E)``."""

    def factor(self, probabilities: Mapping[str, torch.Tensor]) -> float:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class ConstantEnvironment(Environment):
    """The same factor F(E) in every generation (the paper's simplest environment)."""

    value: float

    def __post_init__(self) -> None:
        _check_factor(self.value)

    def factor(self, probabilities: Mapping[str, torch.Tensor]) -> float:
        return float(self.value)


@dataclass(frozen=True)
class BudgetEnvironment(Environment):
    """An environment that can feed a set number of synapses.

    The factor is solved so that the *expected* number of surviving synapses,
    F · sum(P), equals the target. Give exactly one of:

    * ``target_synapses``: the expected number of synapses of the offspring;
    * ``keep_fraction``: the expected fraction of the parent's alive synapses kept.

    When the target is out of reach (above sum(P)), F is capped at 1.
    """

    target_synapses: int | None = None
    keep_fraction: float | None = None

    def __post_init__(self) -> None:
        if (self.target_synapses is None) == (self.keep_fraction is None):
            raise ValueError("BudgetEnvironment needs exactly one of target_synapses or "
                             "keep_fraction")
        if self.target_synapses is not None and (
                isinstance(self.target_synapses, bool) or not isinstance(self.target_synapses, int)
                or self.target_synapses < 1):
            raise ValueError(f"target_synapses must be an integer >= 1, got "
                             f"{self.target_synapses!r}")
        if self.keep_fraction is not None:
            _check_factor(self.keep_fraction, "keep_fraction")

    def factor(self, probabilities: Mapping[str, torch.Tensor]) -> float:
        expected_at_one = float(sum(float(p.double().sum()) for p in probabilities.values()))
        if expected_at_one <= 0:
            return 1.0
        if self.target_synapses is not None:
            target = float(self.target_synapses)
        else:
            alive = sum(int((p > 0).sum()) for p in probabilities.values())
            target = self.keep_fraction * alive
        return min(1.0, target / expected_at_one)


#: Every kind of environment a ``params.yaml`` entry names (``environment.kind``, the words of
#: :data:`evosynth.hparams.ENVIRONMENTS`), built from that entry's setting.
ENVIRONMENT_KINDS = {
    "constant": lambda factor=None, **_: ConstantEnvironment(factor),
    "budget": lambda keep_fraction=None, **_: BudgetEnvironment(keep_fraction=keep_fraction),
}


def build_environment(kind: str, **settings: float | None) -> Environment:
    """The environment of one ``environment:`` entry: ``build_environment("constant",
    factor=1.0)``, ``build_environment("budget", keep_fraction=0.33)``."""
    check_word("environment kind", kind, ENVIRONMENT_KINDS)
    return ENVIRONMENT_KINDS[kind](**settings)


def as_environment(factor: float | Environment) -> Environment:
    """Accept a bare number in (0, 1] (a constant environment) or an :class:`Environment`."""
    if isinstance(factor, Environment):
        return factor
    return ConstantEnvironment(_check_factor(factor))
