"""Gradient descent with real `torch.optim`: the training loop, recorded step by step.

The loop for each optimizer is exactly

    optimizer.zero_grad()   # skipped when zero_grad=False: p.grad then accumulates
    loss = surface(p)
    loss.backward()
    optimizer.step()

Several optimizers share one forward/backward pass: their parameters are stacked and
the *sum* of their losses is differentiated, which gives each parameter exactly its
own gradient (the tests check each path against a plain solo loop).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .errors import LossMountainError
from .optimizers import get_optimizer
from .surfaces import Point, Surface

MAX_STEPS = 100_000


@dataclass(frozen=True, eq=False)
class Run:
    """One optimizer's descent. Arrays are float64 numpy, cut at the first non-finite value.

    positions: (n + 1, 2), row 0 is the start. losses: (n + 1,), the true loss there.
    grads: (n, 2), the `p.grad` the step leaving positions[i] used (accumulated when
    zero_grad is off). diverged_at: the first step whose position or loss was not
    finite (so positions has diverged_at rows), or None.
    """

    surface: str
    optimizer: str
    lr: float
    start: Point
    steps: int
    zero_grad: bool
    positions: np.ndarray
    losses: np.ndarray
    grads: np.ndarray
    diverged_at: int | None

    @property
    def steps_taken(self) -> int:
        return len(self.positions) - 1


def check_settings(surface: Surface, lr: float, start: Sequence[float], steps: int) -> Point:
    """Validate descent settings at the boundary; returns the start as a float pair."""
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise LossMountainError(f"learning rate must be a positive number, got {lr!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise LossMountainError(f"steps must be a whole number from 1 to {MAX_STEPS}, got {steps!r}")
    try:
        x, y = (float(v) for v in start)
    except (TypeError, ValueError):
        raise LossMountainError(f"start must be two numbers x y, got {start!r}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise LossMountainError(f"start must be two finite numbers, got ({x}, {y})")
    if not math.isfinite(float(surface(torch.tensor((x, y), dtype=torch.float64)))):
        raise LossMountainError(f"the loss of {surface.name} at the start ({x}, {y}) is not finite")
    return (x, y)


def descend_many(
    surface: Surface,
    optimizers: Sequence[str],
    lr: float,
    start: Sequence[float],
    steps: int,
    zero_grad: bool = True,
) -> tuple[Run, ...]:
    """Run each named optimizer from `start` for `steps` steps; returns one Run each, in order."""
    specs = [get_optimizer(name) for name in optimizers]
    if not specs:
        raise LossMountainError("choose at least one optimizer")
    start = check_settings(surface, lr, start, steps)
    params = [torch.tensor(start, dtype=torch.float64, requires_grad=True) for _ in specs]
    opts = [spec.make([p], lr) for spec, p in zip(specs, params)]
    positions = [[p.detach().clone()] for p in params]
    losses: list[list[torch.Tensor]] = [[] for _ in specs]
    grads: list[list[torch.Tensor]] = [[] for _ in specs]
    diverged_at: list[int | None] = [None] * len(specs)
    active = list(range(len(specs)))

    for step in range(steps + 1):
        last = step == steps
        if not last and zero_grad:
            for i in active:
                opts[i].zero_grad()
        with torch.set_grad_enabled(not last):
            loss = surface(torch.stack([params[i] for i in active]))
        finite = torch.isfinite(loss)
        if not last and bool(finite.any()):
            loss[finite].sum().backward()
        still_active = []
        for j, i in enumerate(active):
            if not finite[j]:
                # cut the position without a loss, and the step that led to it
                positions[i].pop()
                if grads[i]:
                    grads[i].pop()
                diverged_at[i] = step
                continue
            losses[i].append(loss[j].detach())
            if last:
                continue
            grads[i].append(params[i].grad.detach().clone())
            opts[i].step()
            if not bool(torch.isfinite(params[i]).all()):
                diverged_at[i] = step + 1
                grads[i].pop()  # the last kept position has no step leaving it
                continue
            positions[i].append(params[i].detach().clone())
            still_active.append(i)
        active = still_active
        if not active:
            break

    return tuple(
        Run(
            surface=surface.name,
            optimizer=spec.name,
            lr=float(lr),
            start=start,
            steps=steps,
            zero_grad=zero_grad,
            positions=_frozen(torch.stack(positions[i])),
            losses=_frozen(torch.stack(losses[i])),
            grads=_frozen(torch.stack(grads[i])) if grads[i] else _frozen(torch.zeros(0, 2)),
            diverged_at=diverged_at[i],
        )
        for i, spec in enumerate(specs)
    )


def descend(
    surface: Surface,
    optimizer: str,
    lr: float,
    start: Sequence[float],
    steps: int,
    zero_grad: bool = True,
) -> Run:
    """Run one optimizer; returns its Run (see descend_many)."""
    return descend_many(surface, [optimizer], lr, start, steps, zero_grad)[0]


def _frozen(values: torch.Tensor) -> np.ndarray:
    array = values.to(torch.float64).numpy()
    array.setflags(write=False)  # a Run is a value: nobody edits its history
    return array
