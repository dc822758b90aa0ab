"""Friendly names for real `torch.optim` optimizers (and Newton's method, as a reference), each
with one colour used in every view, its family, and the hyperparameters a learner may change,
within ranges that cannot break them."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import torch

from .errors import LossMountainError
from .hyperparameters import HYPERPARAMETERS, Hyperparameter, as_shown, check_one
from .newton import Newton


# what a learner may change on each class, in the order the UI shows them
TUNABLE: dict[type[torch.optim.Optimizer], tuple[str, ...]] = {
    torch.optim.SGD: ("momentum", "dampening", "nesterov", "weight_decay"),
    torch.optim.Adagrad: ("lr_decay", "eps", "weight_decay"),
    torch.optim.RMSprop: ("alpha", "eps", "momentum", "centered", "weight_decay"),
    torch.optim.Adam: ("betas", "eps", "weight_decay", "amsgrad"),
    torch.optim.AdamW: ("betas", "eps", "weight_decay", "amsgrad"),
    torch.optim.Adadelta: ("rho", "eps", "weight_decay"),
    torch.optim.Adamax: ("betas", "eps", "weight_decay"),
    torch.optim.ASGD: ("lambd", "alpha", "t0", "weight_decay"),
    torch.optim.NAdam: ("betas", "eps", "momentum_decay", "weight_decay", "decoupled_weight_decay"),
    torch.optim.RAdam: ("betas", "eps", "weight_decay", "decoupled_weight_decay"),
    torch.optim.Rprop: ("etas", "step_sizes"),
    torch.optim.LBFGS: ("max_iter", "history_size", "line_search_fn"),
    Newton: ("damping",),
}

# the families the picker groups optimizers by, in its order
FAMILIES = ("gradient descent", "adaptive", "sign-based", "second-order", "learning-rate free", "schedule-free",
            "layer-wise", "reference")


# reading a signature is slow, and every app rerun asks: read once per optimizer name
_DEFAULTS: dict[str, dict[str, Any]] = {}


def _defaults(spec: "OptimizerSpec") -> dict[str, Any]:
    if spec.name not in _DEFAULTS:
        _DEFAULTS[spec.name] = spec._read_defaults()
    return _DEFAULTS[spec.name]


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer class with the hyperparameters that differ from its defaults.

    closure: its step() needs a closure that re-evaluates the loss (L-BFGS), so it may evaluate the
    loss several times a step. elementwise: it moves each ball on its own (each number, or Newton's
    each row), so one instance over many balls (an (N, 2) tensor) moves each exactly as alone;
    otherwise every ball needs its own instance. needs_loss_fn: it is built with the loss function (Newton's Hessian). fixed_lr: it
    takes no learning rate from the learner (Newton always steps to the quadratic model's minimum).
    """

    name: str
    label: str
    cls: type[torch.optim.Optimizer]
    color: str
    blurb: str
    kwargs: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    family: str = "adaptive"
    closure: bool = False
    elementwise: bool = True
    needs_loss_fn: bool = False
    fixed_lr: float | None = None
    create_graph: bool = False
    random: bool = False
    library: str | None = None
    lr_name: str = "lr"

    @property
    def source(self) -> str:
        """Where the class comes from, as the learner would import it."""
        if self.library is not None:
            return "pytorch-optimizer"
        return "torch.optim" if self.cls.__module__.startswith("torch.optim") else "Loss Mountain (reference)"

    @property
    def class_path(self) -> str:
        if self.library is not None:
            return f"pytorch_optimizer.{self.cls.__name__}"
        return f"torch.optim.{self.cls.__name__}" if self.source == "torch.optim" else self.cls.__name__

    @property
    def batches(self) -> bool:
        """Whether one instance moves many balls (an (N, 2) tensor) in the plain loop, each as alone."""
        return self.elementwise and not self.closure and not self.create_graph

    @property
    def sweeps_cheaply(self) -> bool:
        """Whether its balls at many learning rates cost about one ball: a rule with a learning rate per
        ball (core.ballwise: one batch), or no learning rate at all (one run serves every rate)."""
        from .ballwise import has_ballwise_rule  # core.ballwise builds on this module

        return has_ballwise_rule(self) or self.fixed_lr is not None

    def hyperparameters(self) -> tuple[Hyperparameter, ...]:
        """The settings the app's widgets offer (a library optimizer's are changed from the CLI)."""
        return () if self.library is not None else tuple(HYPERPARAMETERS[name] for name in TUNABLE[self.cls])

    def defaults(self) -> dict[str, Any]:
        """Every tunable hyperparameter: the class's default, unless this spec sets it."""
        return dict(_defaults(self))

    def _read_defaults(self) -> dict[str, Any]:
        if self.library is not None:
            from .library import signature_defaults  # core.library builds on this module

            return signature_defaults(self.cls, self.lr_name)
        signature = inspect.signature(self.cls.__init__).parameters
        values = {name: self.kwargs.get(name, signature[name].default) for name in TUNABLE[self.cls]}
        # PyTorch writes some defaults as ints (momentum=0): show every number as a float
        return {name: as_shown(HYPERPARAMETERS[name], value) for name, value in values.items()}

    def settings(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The hyperparameters to build with: defaults, then checked `overrides`."""
        return self.defaults() | check_hyperparameters(self, overrides or {})

    def lr_of(self, lr: float) -> float:
        """The learning rate this optimizer is built with when the learner asks for `lr`."""
        return float(lr) if self.fixed_lr is None else self.fixed_lr

    def make(
        self, params: Iterable[torch.Tensor], lr: float, overrides: Mapping[str, Any] | None = None,
        loss_fn: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> torch.optim.Optimizer:
        """A fresh optimizer over `params` with learning rate `lr` and these settings (`loss_fn`:
        the loss of the parameter, for an optimizer that needs it)."""
        extra = {"loss_fn": loss_fn} if self.needs_loss_fn else {}
        return self.cls(params, **{self.lr_name: self.lr_of(lr)}, **self.settings(overrides), **extra)


def check_hyperparameters(spec: OptimizerSpec, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Validate hyperparameter overrides for `spec`; returns them cleaned (floats, bools, tuples)."""
    if spec.library is not None:
        return _check_library(spec, overrides)
    allowed = TUNABLE[spec.cls]
    clean: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in allowed:
            raise LossMountainError(
                f"{spec.label} has no hyperparameter {name!r}; it has: {', '.join(allowed)}")
        clean[name] = check_one(HYPERPARAMETERS[name], value)
    merged = spec.defaults() | clean
    # torch.optim.SGD refuses Nesterov without momentum, or with dampening
    if merged.get("nesterov") and (merged["momentum"] <= 0 or merged["dampening"] != 0):
        raise LossMountainError("nesterov needs momentum above 0 and dampening 0")
    if "step_sizes" in merged and not 0 <= merged["step_sizes"][0] <= merged["step_sizes"][1]:
        raise LossMountainError("Rprop's smallest step size must not exceed its largest")
    return clean


def _check_library(spec: OptimizerSpec, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A library optimizer's overrides: only its constructor's numbers, switches and pairs, each of the
    default's kind and finite (the library checks its own ranges, and its refusal is passed on)."""
    defaults = spec.defaults()
    clean: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in defaults:
            raise LossMountainError(f"{spec.label} has no hyperparameter {name!r} to set here; it has: "
                                    f"{', '.join(defaults) or 'none'}")
        # the default's own kind (library defaults are exactly bool, int, float or a pair: core.library)
        kind = {bool: "switch", tuple: "pair", int: "whole"}.get(type(defaults[name]), "number")
        clean[name] = check_one(Hyperparameter(name, "", kind, (-1e12, 1e12), parts=(("", -1e12, 1e12),) * 2), value)
    return clean


_SPECS = (
    OptimizerSpec("sgd", "SGD", torch.optim.SGD, "#1f77b4",
                  "Plain gradient descent: step straight downhill, stride = lr × slope.",
                  family="gradient descent"),
    OptimizerSpec("momentum", "Momentum", torch.optim.SGD, "#ff7f0e",
                  "SGD with momentum 0.9: a heavy ball that builds up speed.",
                  MappingProxyType({"momentum": 0.9}), family="gradient descent"),
    OptimizerSpec("nesterov", "Nesterov", torch.optim.SGD, "#d62728",
                  "Momentum that looks ahead before it steps.",
                  MappingProxyType({"momentum": 0.9, "nesterov": True}), family="gradient descent"),
    OptimizerSpec("adagrad", "Adagrad", torch.optim.Adagrad, "#17becf",
                  "Shrinks each coordinate's stride by all the slope it has seen."),
    OptimizerSpec("rmsprop", "RMSprop", torch.optim.RMSprop, "#2ca02c",
                  "Divides the stride by a running average of recent slopes."),
    OptimizerSpec("adam", "Adam", torch.optim.Adam, "#9467bd",
                  "Momentum plus RMSprop-style scaling: steps of about lr in each direction."),
    OptimizerSpec("adamw", "AdamW", torch.optim.AdamW, "#8c564b",
                  "Adam with decoupled weight decay (0.01), which pulls weights toward 0."),
    OptimizerSpec("adadelta", "Adadelta", torch.optim.Adadelta, "#bcbd22",
                  "Scales each step by the ratio of recent step sizes to recent slopes (PyTorch's lr 1.0 "
                  "multiplies it)."),
    OptimizerSpec("adamax", "Adamax", torch.optim.Adamax, "#e377c2",
                  "Adam with the largest recent slope in place of the average squared one."),
    OptimizerSpec("asgd", "ASGD", torch.optim.ASGD, "#7f7f7f",
                  "SGD with a slowly shrinking learning rate that also averages the weights it visits.",
                  family="gradient descent"),
    OptimizerSpec("nadam", "NAdam", torch.optim.NAdam, "#393b79",
                  "Adam with Nesterov's look-ahead in its momentum."),
    OptimizerSpec("radam", "RAdam", torch.optim.RAdam, "#637939",
                  "Adam that steps like momentum-SGD until its slope statistics can be trusted."),
    OptimizerSpec("rprop", "Rprop", torch.optim.Rprop, "#ad494a",
                  "Ignores the slope's size, only its sign: grows a coordinate's step while the sign holds.",
                  family="sign-based"),
    OptimizerSpec("lbfgs", "L-BFGS", torch.optim.LBFGS, "#7b4173",
                  "Estimates the curvature from its last steps; one step may evaluate the loss many times.",
                  family="second-order", closure=True, elementwise=False),
    OptimizerSpec("newton", "Newton", Newton, "#000000",
                  "Exact Newton steps with the true Hessian: jumps to the minimum of the local quadratic "
                  "(it takes no learning rate).",
                  family="reference", needs_loss_fn=True, fixed_lr=1.0),
)

OPTIMIZERS: dict[str, OptimizerSpec] = {spec.name: spec for spec in _SPECS}


@functools.cache
def library_optimizers() -> dict[str, OptimizerSpec]:
    """pytorch-optimizer's offered optimizers by our name for each (core.library; imports the package)."""
    from .library import library_specs  # core.library builds on this module

    return library_specs(frozenset(OPTIMIZERS))


@functools.cache  # asked on every app rerun: the same mapping each time (nobody edits it)
def every_optimizer() -> dict[str, OptimizerSpec]:
    """torch.optim's, Newton's method, and pytorch-optimizer's: everything a learner may pick."""
    return OPTIMIZERS | library_optimizers()


# the optimizers one instance of which can move many balls at once (the basin maps and swarms)
ELEMENTWISE: tuple[str, ...] = tuple(name for name, spec in OPTIMIZERS.items() if spec.batches)
# the optimizers any model's training loop can use as written (no closure, no loss function to build with)
PLAIN_STEP: tuple[str, ...] = tuple(name for name, spec in OPTIMIZERS.items()
                                    if not spec.closure and not spec.needs_loss_fn)


def get_optimizer(name: str) -> OptimizerSpec:
    """Look an optimizer up by name (torch.optim's first: the library loads only for its own names);
    raises LossMountainError listing the valid names."""
    if name in OPTIMIZERS:
        return OPTIMIZERS[name]
    if isinstance(name, str) and name in _library_names():
        return library_optimizers()[name]
    raise LossMountainError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}, or one of "
                            "pytorch-optimizer's (`python -m core optimizers` lists every one)")


@functools.cache
def _library_names() -> frozenset[str]:
    """Our names for pytorch-optimizer's offered optimizers, read from the listing (no import of the package)."""
    from .library import names_here  # core.library builds on this module

    return frozenset(names_here(set(OPTIMIZERS)).values())
