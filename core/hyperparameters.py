"""The settings a learner may change on an optimizer: each one's kind, range and meaning, and the
checks that refuse a value outside them with a sentence that says why."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .errors import LossMountainError


@dataclass(frozen=True)
class Hyperparameter:
    """One setting a learner may change. kind: "number" (low..high), "whole" (an integer low..high),
    "switch" (true/false), "pair" (two numbers, each within its own bounds, named by `parts`) or
    "choice" (one of `choices`)."""

    name: str
    help: str
    kind: str = "number"
    bounds: tuple[float, float] = (0.0, 1.0)
    parts: tuple[tuple[str, float, float], ...] = ()
    choices: tuple[Any, ...] = ()


def _number(name: str, low: float, high: float, help: str) -> Hyperparameter:
    return Hyperparameter(name, help, "number", (low, high))


def _pair(name: str, first: tuple[str, float, float], second: tuple[str, float, float], help: str) -> Hyperparameter:
    return Hyperparameter(name, help, "pair", parts=(first, second))


HYPERPARAMETERS: dict[str, Hyperparameter] = {h.name: h for h in (
    _number("momentum", 0.0, 0.999, "How much of the last step carries into the next (0 = none)."),
    _number("dampening", 0.0, 0.999, "Shrinks the new gradient's share of the momentum buffer."),
    Hyperparameter("nesterov", "Take the gradient where momentum is about to carry you.", "switch"),
    _number("weight_decay", 0.0, 1.0, "Adds a pull toward 0 to every gradient (L2 penalty; decoupled in AdamW)."),
    _number("lr_decay", 0.0, 1.0, "Adagrad divides the learning rate by (1 + step·lr_decay)."),
    _number("eps", 1e-12, 1.0, "Added to the denominator so a tiny gradient history cannot divide by 0."),
    _number("alpha", 0.0, 0.9999, "RMSprop: how slowly its average of squared gradients forgets. "
                                  "ASGD: the power of its learning-rate decay."),
    Hyperparameter("centered", "Divide by the variance of the gradient instead of its raw second moment.", "switch"),
    _pair("betas", ("β1", 0.0, 0.9999), ("β2", 0.0, 0.9999), "How slowly the first and second moments forget."),
    Hyperparameter("amsgrad", "Never let the second-moment estimate shrink.", "switch"),
    _number("rho", 0.0, 0.9999, "How slowly Adadelta's running averages of squared gradients and steps forget."),
    _number("lambd", 0.0, 1.0, "ASGD's decay: the learning rate shrinks as lr / (1 + lambd·lr·step)^alpha."),
    _number("t0", 0.0, 1e9, "ASGD starts averaging the weights after this many steps."),
    _number("momentum_decay", 0.0, 1.0, "NAdam's momentum schedule: β1 (1 − 0.5·0.96^(step·momentum_decay))."),
    Hyperparameter("decoupled_weight_decay", "Decay the weights directly (as AdamW) instead of through the "
                                             "gradient.", "switch"),
    _pair("etas", ("η−", 1e-6, 0.999), ("η+", 1.001, 10.0),
          "Rprop shrinks a coordinate's step by η− when its slope changes sign, grows it by η+ when not."),
    _pair("step_sizes", ("smallest", 0.0, 1000.0), ("largest", 1e-9, 1000.0),
          "The smallest and largest step Rprop may take in each coordinate."),
    Hyperparameter("max_iter", "L-BFGS iterations (and so loss evaluations, at least) in one optimizer.step().",
                   "whole", (1, 100)),
    Hyperparameter("history_size", "How many past steps L-BFGS remembers to estimate the curvature.",
                   "whole", (1, 100)),
    Hyperparameter("line_search_fn", "None: steps of lr along the L-BFGS direction. strong_wolfe: search "
                                     "along it until the loss falls enough (more loss evaluations).",
                   "choice", choices=(None, "strong_wolfe")),
    _number("damping", 1e-6, 1000.0, "Where the Hessian is not positive definite (smallest curvature μ < damping), "
                                     "Newton solves (H + λI) d = ∇f with λ = damping − μ."),
)}


def as_shown(hyperparameter: Hyperparameter, value: Any) -> Any:
    """A default as the UI shows it: numbers as floats (PyTorch writes momentum=0), pairs as tuples."""
    if hyperparameter.kind == "number":
        return float(value)
    if hyperparameter.kind == "pair":
        return tuple(float(v) for v in value)
    return value


def check_number(name: str, number: Any, low: float, high: float) -> float:
    """A finite number from `low` to `high`, as a float; else a LossMountainError naming the setting."""
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
        raise LossMountainError(f"{name} must be a number, got {number!r}")
    if not low <= number <= high:
        raise LossMountainError(f"{name} must be from {low:g} to {high:g}, got {number:g}")
    return float(number)


def check_one(h: Hyperparameter, value: Any) -> Any:
    """`value` checked against `h`'s kind and range, cleaned (a whole number as int, a pair as a tuple)."""
    if h.kind == "switch":
        if not isinstance(value, bool):
            raise LossMountainError(f"{h.name} must be true or false, got {value!r}")
        return value
    if h.kind == "choice":
        if value not in h.choices:
            raise LossMountainError(f"{h.name} must be one of {', '.join(map(str, h.choices))}, got {value!r}")
        return value
    if h.kind == "whole":
        if isinstance(value, bool) or not isinstance(value, int) and not (isinstance(value, float)
                                                                          and value.is_integer()):
            raise LossMountainError(f"{h.name} must be a whole number, got {value!r}")
        return int(check_number(h.name, value, *h.bounds))
    if h.kind == "pair":
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise LossMountainError(f"{h.name} must be two numbers, got {value!r}")
        return tuple(check_number(h.name, number, low, high) for number, (_, low, high) in zip(value, h.parts))
    return check_number(h.name, value, *h.bounds)
