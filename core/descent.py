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
own gradient (the tests check each path against a plain solo loop). An optimizer whose
step needs a closure (L-BFGS) gets those four lines as its closure instead,

    optimizer.step(closure)  # closure: zero_grad, loss, backward, clip; returns the loss

and may call it several times a step: each call is counted, and where it evaluated kept.
"""

from __future__ import annotations

import contextlib
import math
import warnings
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
    exp_avg, exp_avg_sq, step, ...; keys whose values are lists or change shape are left out).
    evaluations: (n,) how many times each step evaluated the loss and its gradient, and evaluated:
    (sum of evaluations, 2) where, in order, for an optimizer that steps with a closure; None for
    the others (one evaluation a step, at positions[i]). diverged_at: the first step whose position or loss
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
    evaluations: np.ndarray | None = None
    evaluated: np.ndarray | None = None

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
                       off_position=None, off_loss=None,
                       evaluations=None if self.evaluations is None else self.evaluations[:k],
                       evaluated=None if self.evaluated is None else self.evaluated[:int(self.evaluations[:k].sum())])

    @property
    def loss_evaluations(self) -> int:
        """How many times the run evaluated the loss and its gradient (one a step, for most)."""
        return self.steps_taken if self.evaluations is None else int(self.evaluations.sum())


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

    def __init__(self, spec, surface, start, lr, steps, overrides, schedule):
        self.spec = spec
        self.param = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        # an optimizer that draws random numbers draws its own stream, as a solo run seeded 0 would
        self.rng = torch.Generator().manual_seed(0).get_state() if spec.random else None
        with self.own_random():
            self.optimizer = spec.make([self.param], lr, overrides, loss_fn=surface)
        self.scheduler = make_scheduler(schedule, self.optimizer, spec.lr_of(lr), steps)
        self.positions = [self.param.detach().clone()]
        self.losses: list[torch.Tensor] = []
        self.grads: list[torch.Tensor] = []
        self.lrs: list[float] = []
        self.states: list[dict[str, torch.Tensor]] = []
        # only a closure's evaluations are kept: any other step evaluates once, where it starts
        self.evaluations: list[int] | None = [] if spec.closure else None
        self.evaluated: list[torch.Tensor] | None = [] if spec.closure else None
        self.diverged_at: int | None = None
        self.off: tuple[Point, float] | None = None

    def drop_last_step(self) -> None:
        for record in (self.grads, self.lrs, self.states, self.evaluations):
            if record:
                record.pop()
        if self.evaluated is not None:
            del self.evaluated[sum(self.evaluations):]  # a step's evaluations go with it

    @contextlib.contextmanager
    def own_random(self):
        """torch's generator set to this run's own stream while it steps (nothing, if it draws none)."""
        if self.rng is None:
            yield
            return
        with torch.random.fork_rng(devices=[]):
            torch.set_rng_state(self.rng)
            yield
            self.rng = torch.get_rng_state()

    def own_backward(self, surface: Surface, zero_grad: bool) -> None:
        """The loop's zero_grad, loss and backward for an optimizer that reads a Hessian-vector product:
        backward keeps the graph (create_graph=True), so it gets a pass of its own."""
        if zero_grad:
            self.optimizer.zero_grad()
        with warnings.catch_warnings():  # the grad's graph is dropped after the step (see step())
            warnings.filterwarnings("ignore", "Using backward\\(\\) with create_graph=True")
            surface(self.param).backward(create_graph=True)

    def closure_for(self, surface: Surface, zero_grad: bool, clip_norm: float | None):
        """The closure an L-BFGS-style step calls: the training loop's four lines, counted."""
        def closure() -> torch.Tensor:
            with torch.enable_grad():  # a step runs under no_grad; its closure must still differentiate
                if zero_grad:
                    self.optimizer.zero_grad()
                loss = surface(self.param)
                loss.backward()
                if clip_norm is not None:
                    torch.nn.utils.clip_grad_norm_([self.param], clip_norm)
            if self.evaluations[-1] == 0:
                self.grads.append(self.param.grad.detach().clone())  # the gradient where the step began
            self.evaluations[-1] += 1
            self.evaluated.append(self.param.detach().clone())
            return loss
        return closure

    def step(self, surface: Surface, zero_grad: bool, clip_norm: float | None) -> bool:
        """Clip, record and take one step in the optimizer's own way (after the shared backward, with
        a backward of its own that keeps the graph, or through a closure); returns False if the new
        position is not finite."""
        group = self.optimizer.param_groups[0]
        self.lrs.append(float(group.get(self.spec.lr_name, group.get("lr", math.nan))))
        if self.spec.closure:
            self.evaluations.append(0)
            with self.own_random():
                self.optimizer.step(self.closure_for(surface, zero_grad, clip_norm))
        else:
            with self.own_random():  # a Hutchinson estimate draws its probe vectors in the backward
                if self.spec.create_graph:
                    self.own_backward(surface, zero_grad)
                if clip_norm is not None:
                    torch.nn.utils.clip_grad_norm_([self.param], clip_norm)
                self.grads.append(self.param.grad.detach().clone())
                self.optimizer.step()
        if self.spec.create_graph and self.param.grad is not None:
            self.param.grad = self.param.grad.detach()  # the graph was for this step's Hessian only
        if self.scheduler is not None:
            self.scheduler.step()
        self.states.append(_state_of(self.optimizer.state[self.param]))
        if not bool(torch.isfinite(self.param).all()):
            self.drop_last_step()  # the last kept position has no step leaving it
            x, y = (float(v) for v in self.param.detach())
            self.off = ((x, y), math.nan)
            return False
        self.positions.append(self.param.detach().clone())
        return True


def _state_of(state: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """optimizer.state's numbers and tensors, copied (L-BFGS's lists of past steps are left out)."""
    kept = {}
    for key, value in state.items():
        if isinstance(value, torch.Tensor):
            kept[key] = value.detach().clone()
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            kept[key] = torch.tensor(float(value), dtype=torch.float64)
    return kept


def _stacked_state(states: list[dict[str, torch.Tensor]]) -> dict[str, np.ndarray]:
    """One (n, ...) array per key that every step kept with one shape."""
    if not states:
        return {}
    stacked = {}
    for key, first in states[0].items():
        values = [state.get(key) for state in states]
        if all(value is not None and value.shape == first.shape for value in values):
            stacked[key] = _frozen(torch.stack(values))
    return stacked


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
    tracks = [_Track(spec, surface, start, lr, steps, hyperparameters.get(spec.name), schedule) for spec in specs]
    active = list(tracks)
    own_pass = [spec.closure or spec.create_graph for spec in specs]

    for step in range(steps + 1):
        last = step == steps
        if not last and zero_grad:
            for track in active:
                track.optimizer.zero_grad()
        with torch.set_grad_enabled(not last):
            loss = surface(torch.stack([track.param for track in active]))
        finite = torch.isfinite(loss)
        # a closure-stepping optimizer, or one whose backward keeps the graph, makes its own passes
        backward = finite if not any(own_pass) else finite & ~torch.tensor(
            [track.spec.closure or track.spec.create_graph for track in active])
        if not last and bool(backward.any()):
            loss[backward].sum().backward()
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
            if track.step(surface, zero_grad, clip_norm):
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
            lr=track.spec.lr_of(lr),
            start=start,
            steps=steps,
            zero_grad=zero_grad,
            positions=_frozen(torch.stack(track.positions)),
            losses=_frozen(torch.stack(track.losses)),
            grads=_frozen(torch.stack(track.grads)) if track.grads else _frozen(torch.zeros(0, 2)),
            diverged_at=track.diverged_at,
            lrs=_frozen(torch.tensor(track.lrs, dtype=torch.float64)),
            state=_stacked_state(track.states),
            hyperparameters=track.spec.settings(hyperparameters.get(track.spec.name)),
            schedule=schedule,
            clip_norm=None if clip_norm is None else float(clip_norm),
            off_position=None if track.off is None else track.off[0],
            off_loss=None if track.off is None else track.off[1],
            evaluations=None if track.evaluations is None else _frozen_counts(track.evaluations),
            evaluated=None if track.evaluated is None else
            _frozen(torch.stack(track.evaluated)) if track.evaluated else _frozen(torch.zeros(0, 2)),
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


def _frozen_counts(counts: list[int]) -> np.ndarray:
    array = np.array(counts, dtype=np.int64)
    array.setflags(write=False)
    return array


def _frozen(values: torch.Tensor) -> np.ndarray:
    array = values.to(torch.float64).numpy()
    array.setflags(write=False)  # a Run is a value: nobody edits its history
    return array
