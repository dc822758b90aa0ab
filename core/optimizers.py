"""Friendly names for real `torch.optim` optimizers, each with one colour used in every view."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import torch

from .errors import lookup


@dataclass(frozen=True)
class OptimizerSpec:
    """A torch.optim class with the hyperparameters that differ from PyTorch's defaults."""

    name: str
    label: str
    cls: type[torch.optim.Optimizer]
    color: str
    blurb: str
    kwargs: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def make(self, params: Iterable[torch.Tensor], lr: float) -> torch.optim.Optimizer:
        """A fresh optimizer over `params` with this spec's settings and learning rate `lr`."""
        return self.cls(params, lr=lr, **self.kwargs)


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
