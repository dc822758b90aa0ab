"""Gradient descent with real `torch.optim`: the training loop, recorded step by step.

The loop for each optimizer is exactly

    optimizer.zero_grad()   # skipped when zero_grad=False: p.grad then accumulates
    loss = surface(p)
    loss.backward()
    torch.nn.utils.clip_grad_norm_([p], clip_norm)   # only when clipping is on
    optimizer.step()
    scheduler.step()        # only with a learning-rate schedule

Several optimizers share one forward/backward pass: their parameters are stacked and
the *sum* of their losses is differentiated, which gives each parameter exactly its
own gradient (the tests check each path against a plain solo loop).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import numpy as np
import torch

from .errors import LossMountainError
from .optimizers import get_optimizer
from .schedules import make_scheduler
from .surfaces import Point, Surface

MAX_STEPS = 100_000


@dataclass(frozen=True, eq=False)
class Run:
    """One optimizer's descent. Arrays are float64 numpy, cut at the first non-finite value.

    positions: (n + 1, 2), row 0 is the start. losses: (n + 1,), the true loss there.
    grads: (n, 2), the `p.grad` the step leaving positions[i] used (accumulated when
    zero_grad is off, clipped when clipping is on). lrs: (n,), that step's learning rate.
    state: optimizer.state after each step, one (n, ...) array per key (momentum_buffer,
    exp_avg, exp_avg_sq, step, ...). diverged_at: the first step whose position or loss
    was not finite (so positions has diverged_at rows), or None. off_position, off_loss: where
    that first non-finite step landed and the loss there (either may be non-finite), else None.
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
    lrs: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # plain dicts (not MappingProxyType) so st.cache_data can pickle a Run
    state: dict[str, np.ndarray] = field(default_factory=dict)
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    schedule: str = "constant"
    clip_norm: float | None = None
    off_position: Point | None = None
    off_loss: float | None = None

    @property
    def steps_taken(self) -> int:
        return len(self.positions) - 1

    def prefix(self, k: int) -> Run:
        """The run as it stood after its first k steps (the whole run from its last step on)."""
        if k >= self.steps:
            return self
        if self.diverged_at is not None and k >= self.diverged_at:
            return replace(self, steps=k)  # it had already left the finite numbers
        # slices of read-only arrays stay read-only
        return replace(self, steps=k, positions=self.positions[:k + 1], losses=self.losses[:k + 1],
                       grads=self.grads[:k], lrs=self.lrs[:k], diverged_at=None,
                       state={key: values[:k] for key, values in self.state.items()},
                       off_position=None, off_loss=None)


def check_settings(
    surface: Surface, lr: float, start: Sequence[float], steps: int, clip_norm: float | None = None,
) -> Point:
    """Validate descent settings at the boundary; returns the start as a float pair."""
    check_stride(lr, steps, clip_norm)
    x, y = check_point(start, "start")
    if not math.isfinite(float(surface(torch.tensor((x, y), dtype=torch.float64)))):
        raise LossMountainError(f"the loss of {surface.name} at the start ({x}, {y}) is not finite")
    return (x, y)


def check_point(point: Sequence[float], what: str = "a place") -> Point:
    """Two finite numbers x, y, checked at the boundary; `what` names them in the message."""
    try:
        x, y = (float(v) for v in point)
    except (TypeError, ValueError):
        raise LossMountainError(f"{what} must be two numbers x y, got {point!r}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise LossMountainError(f"{what} must be two finite numbers, got ({x}, {y})")
    return (x, y)


def check_stride(lr: float, steps: int, clip_norm: float | None = None) -> None:
    """Validate the learning rate, the number of steps and the clipping norm."""
    if clip_norm is not None and (isinstance(clip_norm, bool) or not isinstance(clip_norm, (int, float))
                                  or not math.isfinite(clip_norm) or clip_norm <= 0):
        raise LossMountainError(f"the clipping norm must be a positive number, got {clip_norm!r}")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise LossMountainError(f"learning rate must be a positive number, got {lr!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise LossMountainError(f"steps must be a whole number from 1 to {MAX_STEPS}, got {steps!r}")


class _Track:
    """One optimizer's parameter, optimizer, scheduler and growing record."""

    def __init__(self, spec, start, lr, steps, overrides, schedule):
        self.spec = spec
        self.param = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        self.optimizer = spec.make([self.param], lr, overrides)
        self.scheduler = make_scheduler(schedule, self.optimizer, lr, steps)
        self.positions = [self.param.detach().clone()]
        self.losses: list[torch.Tensor] = []
        self.grads: list[torch.Tensor] = []
        self.lrs: list[float] = []
        self.states: list[dict[str, torch.Tensor]] = []
        self.diverged_at: int | None = None
        self.off: tuple[Point, float] | None = None

    def drop_last_step(self) -> None:
        for record in (self.grads, self.lrs, self.states):
            if record:
                record.pop()

    def step(self, clip_norm: float | None) -> bool:
        """Clip, record and take one step; returns False if the new position is not finite."""
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_([self.param], clip_norm)
        self.grads.append(self.param.grad.detach().clone())
        self.lrs.append(self.optimizer.param_groups[0]["lr"])
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        self.states.append({key: torch.as_tensor(value).detach().clone()
                            for key, value in self.optimizer.state[self.param].items()
                            if value is not None})
        if not bool(torch.isfinite(self.param).all()):
            self.drop_last_step()  # the last kept position has no step leaving it
            x, y = (float(v) for v in self.param.detach())
            self.off = ((x, y), math.nan)
            return False
        self.positions.append(self.param.detach().clone())
        return True


def descend_many(
    surface: Surface,
    optimizers: Sequence[str],
    lr: float,
    start: Sequence[float],
    steps: int,
    zero_grad: bool = True,
    *,
    hyperparameters: Mapping[str, Mapping[str, Any]] | None = None,
    schedule: str = "constant",
    clip_norm: float | None = None,
) -> tuple[Run, ...]:
    """Run each named optimizer from `start` for `steps` steps; returns one Run each, in order.

    hyperparameters: per optimizer name, overrides of its settings (see OptimizerSpec.settings).
    schedule: a name from core.schedules.SCHEDULES. clip_norm: clip p.grad to this norm.
    """
    specs = [get_optimizer(name) for name in optimizers]
    if not specs:
        raise LossMountainError("choose at least one optimizer")
    start = check_settings(surface, lr, start, steps, clip_norm)
    hyperparameters = hyperparameters or {}
    tracks = [_Track(spec, start, lr, steps, hyperparameters.get(spec.name), schedule) for spec in specs]
    active = list(tracks)

    for step in range(steps + 1):
        last = step == steps
        if not last and zero_grad:
            for track in active:
                track.optimizer.zero_grad()
        with torch.set_grad_enabled(not last):
            loss = surface(torch.stack([track.param for track in active]))
        finite = torch.isfinite(loss)
        if not last and bool(finite.any()):
            loss[finite].sum().backward()
        still_active = []
        for j, track in enumerate(active):
            if not finite[j]:
                # cut the position without a loss, and the step that led to it
                x, y = (float(v) for v in track.positions.pop())
                track.off = ((x, y), float(loss[j].detach()))
                track.drop_last_step()
                track.diverged_at = step
                continue
            track.losses.append(loss[j].detach())
            if last:
                continue
            if track.step(clip_norm):
                still_active.append(track)
            else:
                track.diverged_at = step + 1
        active = still_active
        if not active:
            break

    return tuple(
        Run(
            surface=surface.name,
            optimizer=track.spec.name,
            lr=float(lr),
            start=start,
            steps=steps,
            zero_grad=zero_grad,
            positions=_frozen(torch.stack(track.positions)),
            losses=_frozen(torch.stack(track.losses)),
            grads=_frozen(torch.stack(track.grads)) if track.grads else _frozen(torch.zeros(0, 2)),
            diverged_at=track.diverged_at,
            lrs=_frozen(torch.tensor(track.lrs, dtype=torch.float64)),
            state={
                key: _frozen(torch.stack([state[key] for state in track.states]))
                for key in (track.states[0] if track.states else {})
            },
            hyperparameters=track.spec.settings(hyperparameters.get(track.spec.name)),
            schedule=schedule,
            clip_norm=None if clip_norm is None else float(clip_norm),
            off_position=None if track.off is None else track.off[0],
            off_loss=None if track.off is None else track.off[1],
        )
        for track in tracks
    )


def descend(
    surface: Surface,
    optimizer: str,
    lr: float,
    start: Sequence[float],
    steps: int,
    zero_grad: bool = True,
    *,
    hyperparameters: Mapping[str, Any] | None = None,
    schedule: str = "constant",
    clip_norm: float | None = None,
) -> Run:
    """Run one optimizer; returns its Run (hyperparameters are this optimizer's overrides)."""
    return descend_many(surface, [optimizer], lr, start, steps, zero_grad,
                        hyperparameters={optimizer: hyperparameters or {}}, schedule=schedule,
                        clip_norm=clip_norm)[0]


def gradients_at(surface: Surface, positions: np.ndarray) -> np.ndarray:
    """The fresh gradient ∇f at each (x, y) row of `positions`, in one autograd pass."""
    points = torch.tensor(positions, dtype=torch.float64, requires_grad=True)
    surface(points).sum().backward()  # each loss depends on its own row only
    return points.grad.numpy()


def _frozen(values: torch.Tensor) -> np.ndarray:
    array = values.to(torch.float64).numpy()
    array.setflags(write=False)  # a Run is a value: nobody edits its history
    return array
