"""Friendly names for real `torch.optim` optimizers, each with one colour used in every view,
and the hyperparameters a learner may change, within ranges that cannot break them."""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import torch

from .errors import LossMountainError, lookup

# name: (lowest, highest) for numbers, None for switches; betas bound each of its two values
RANGES: dict[str, tuple[float, float] | None] = {
    "momentum": (0.0, 0.999), "dampening": (0.0, 0.999), "nesterov": None,
    "weight_decay": (0.0, 1.0), "lr_decay": (0.0, 1.0), "eps": (1e-12, 1.0),
    "alpha": (0.0, 0.9999), "betas": (0.0, 0.9999), "amsgrad": None, "centered": None,
}
# what a learner may change on each torch.optim class, in the order the UI shows them
TUNABLE: dict[type[torch.optim.Optimizer], tuple[str, ...]] = {
    torch.optim.SGD: ("momentum", "dampening", "nesterov", "weight_decay"),
    torch.optim.Adagrad: ("lr_decay", "eps", "weight_decay"),
    torch.optim.RMSprop: ("alpha", "eps", "momentum", "centered", "weight_decay"),
    torch.optim.Adam: ("betas", "eps", "weight_decay", "amsgrad"),
    torch.optim.AdamW: ("betas", "eps", "weight_decay", "amsgrad"),
}


# reading a signature is slow, and every app rerun asks: read once per optimizer name
_DEFAULTS: dict[str, dict[str, Any]] = {}


def _defaults(spec: "OptimizerSpec") -> dict[str, Any]:
    if spec.name not in _DEFAULTS:
        _DEFAULTS[spec.name] = spec._read_defaults()
    return _DEFAULTS[spec.name]


@dataclass(frozen=True)
class OptimizerSpec:
    """A torch.optim class with the hyperparameters that differ from PyTorch's defaults."""

    name: str
    label: str
    cls: type[torch.optim.Optimizer]
    color: str
    blurb: str
    kwargs: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def defaults(self) -> dict[str, Any]:
        """Every tunable hyperparameter: PyTorch's default, unless this spec sets it."""
        return dict(_defaults(self))

    def _read_defaults(self) -> dict[str, Any]:
        signature = inspect.signature(self.cls.__init__).parameters
        values = {name: self.kwargs.get(name, signature[name].default) for name in TUNABLE[self.cls]}
        # PyTorch writes some defaults as ints (momentum=0): show every number as a float
        return {name: float(value) if isinstance(value, int) and not isinstance(value, bool) else value
                for name, value in values.items()}

    def settings(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The hyperparameters to build with: defaults, then checked `overrides`."""
        return self.defaults() | check_hyperparameters(self, overrides or {})

    def make(
        self, params: Iterable[torch.Tensor], lr: float, overrides: Mapping[str, Any] | None = None,
    ) -> torch.optim.Optimizer:
        """A fresh optimizer over `params` with learning rate `lr` and these settings."""
        return self.cls(params, lr=lr, **self.settings(overrides))


def check_hyperparameters(spec: OptimizerSpec, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Validate hyperparameter overrides for `spec`; returns them cleaned (floats, bools, tuples)."""
    allowed = TUNABLE[spec.cls]
    clean: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in allowed:
            raise LossMountainError(
                f"{spec.label} has no hyperparameter {name!r}; it has: {', '.join(allowed)}")
        bounds = RANGES[name]
        if bounds is None:
            if not isinstance(value, bool):
                raise LossMountainError(f"{name} must be true or false, got {value!r}")
            clean[name] = value
            continue
        values = value if name == "betas" else (value,)
        if name == "betas" and (not isinstance(value, (tuple, list)) or len(value) != 2):
            raise LossMountainError(f"betas must be two numbers, got {value!r}")
        numbers = []
        for number in values:
            if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
                raise LossMountainError(f"{name} must be a number, got {number!r}")
            if not bounds[0] <= number <= bounds[1]:
                raise LossMountainError(f"{name} must be from {bounds[0]:g} to {bounds[1]:g}, got {number:g}")
            numbers.append(float(number))
        clean[name] = tuple(numbers) if name == "betas" else numbers[0]
    merged = spec.defaults() | clean
    # torch.optim.SGD refuses Nesterov without momentum, or with dampening
    if merged.get("nesterov") and (merged["momentum"] <= 0 or merged["dampening"] != 0):
        raise LossMountainError("nesterov needs momentum above 0 and dampening 0")
    return clean


_SPECS = (
    OptimizerSpec("sgd", "SGD", torch.optim.SGD, "#1f77b4",
                  "Plain gradient descent: step straight downhill, stride = lr × slope."),
    OptimizerSpec("momentum", "Momentum", torch.optim.SGD, "#ff7f0e",
                  "SGD with momentum 0.9: a heavy ball that builds up speed.",
                  MappingProxyType({"momentum": 0.9})),
    OptimizerSpec("nesterov", "Nesterov", torch.optim.SGD, "#d62728",
                  "Momentum that looks ahead before it steps.",
                  MappingProxyType({"momentum": 0.9, "nesterov": True})),
    OptimizerSpec("adagrad", "Adagrad", torch.optim.Adagrad, "#17becf",
                  "Shrinks each coordinate's stride by all the slope it has seen."),
    OptimizerSpec("rmsprop", "RMSprop", torch.optim.RMSprop, "#2ca02c",
                  "Divides the stride by a running average of recent slopes."),
    OptimizerSpec("adam", "Adam", torch.optim.Adam, "#9467bd",
                  "Momentum plus RMSprop-style scaling: steps of about lr in each direction."),
    OptimizerSpec("adamw", "AdamW", torch.optim.AdamW, "#8c564b",
                  "Adam with decoupled weight decay (0.01), which pulls weights toward 0."),
)

OPTIMIZERS: dict[str, OptimizerSpec] = {spec.name: spec for spec in _SPECS}


def get_optimizer(name: str) -> OptimizerSpec:
    """Look an optimizer up by name; raises LossMountainError listing the valid names."""
    return lookup(OPTIMIZERS, name, "optimizer")
