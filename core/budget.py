"""What a many-ball view can afford, measured before it runs.

A ball's cost depends on the optimizer, the mountain and the steps: L-BFGS and the pytorch-optimizer
classes that are not elementwise run one solo run per ball (core.solo; L-BFGS may evaluate the loss
20 times a step), and a typed formula of nested powers costs twenty times Himmelblau's a ball-step.
So the cost is measured, not guessed: two short runs are timed on this thread's CPU clock (solo runs,
or batches of two sizes for the optimizers that move many in one instance), and a view is sized (or
refused) from that.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .batch import descend_batch
from .descent import descend
from .surfaces import Surface
from .swarm import random_starts

# CPU seconds a view may spend on its balls: a class shares one server, so a view stays near this
VIEW_BUDGET_S = 6.0
# the steps of the longer timed run
PROBE_STEPS = 25
# the balls of a timed batch: enough that a step's fixed cost is shared as in a real view
PROBE_BALLS = 1024
# the balls of a second, small timed batch: its time is mostly that fixed cost
SMALL_PROBE_BALLS = 64


@dataclass(frozen=True)
class Cost:
    """One optimizer's balls in a view: `wanted` balls (solo runs, or balls of a batch) at `per_run` CPU
    seconds each, on top of `fixed` seconds whatever their number (a batch's every step runs the formula's
    and the optimizer's operations once, for one ball or a thousand), all measured; `affordable` is how
    many fit in `budget` seconds."""

    optimizer: str
    per_run: float
    wanted: int
    budget: float = VIEW_BUDGET_S
    fixed: float = 0.0

    @property
    def seconds(self) -> float:
        return self.fixed + self.per_run * self.wanted

    @property
    def affordable(self) -> int:
        # 6 / 0.1 is 59.99…: 60 fit
        return max(int((self.budget - self.fixed) / max(self.per_run, 1e-9) + 1e-9), 0)


def time_one_run(
    surface: Surface, optimizer: str, lr: float, start: Sequence[float], steps: int, zero_grad: bool = True, *,
    hyperparameters: Mapping[str, Any] | None = None, schedule: str = "constant", clip_norm: float | None = None,
) -> float:
    """The CPU seconds one solo run of `steps` steps takes on this thread (other sessions' threads do not
    count), from two short runs timed (a run's fixed cost and its cost a step), so the probe stays short
    whatever the steps; a ball's later steps cost no more than its first (one that settles or leaves, less)."""
    def timed(n: int) -> float:
        began = time.thread_time()
        descend(surface, optimizer, lr, start, n, zero_grad, hyperparameters=hyperparameters, schedule=schedule,
                clip_norm=clip_norm)
        return time.thread_time() - began

    timed(1)  # once untimed: the first run of an optimizer pays once-only costs (importing its package)
    few, more = min(steps, PROBE_STEPS // 5), min(steps, PROBE_STEPS)
    if more == few:  # a run no longer than the short probe: time the run itself
        return timed(steps)
    short, long = timed(few), timed(more)
    per_step = max(long - short, 0.0) / (more - few)
    return max(short - per_step * few, 0.0) + per_step * steps


def time_one_batch(
    surface: Surface, optimizer: str, lr: float, balls: int, steps: int, zero_grad: bool = True, *,
    path: bool = True, hyperparameters: Mapping[str, Any] | None = None, schedule: str = "constant",
    clip_norm: float | None = None,
) -> float:
    """The CPU seconds one batch of `balls` balls (an optimizer that moves many in one instance) takes
    over `steps` steps on this thread, paths kept unless `path` is False: random starts timed over 5 and
    25 steps. A step has a fixed cost whatever the balls (the formula's and the optimizer's operations),
    which a small batch cannot share: time a batch at the size it will run."""
    starts = random_starts(surface, balls, seed=0)

    def timed(n: int) -> float:
        began = time.thread_time()
        descend_batch(surface, optimizer, lr, starts, n, zero_grad, hyperparameters=hyperparameters,
                      schedule=schedule, clip_norm=clip_norm, path=path)
        return time.thread_time() - began

    timed(1)  # once untimed: the first batch pays once-only costs
    few, more = PROBE_STEPS // 5, PROBE_STEPS
    return max(timed(more) - timed(few), 0.0) / (more - few) * steps


def time_batched_balls(
    surface: Surface, optimizer: str, lr: float, steps: int, zero_grad: bool = True, *,
    hyperparameters: Mapping[str, Any] | None = None, schedule: str = "constant", clip_norm: float | None = None,
) -> tuple[float, float]:
    """(the CPU seconds a batch takes over `steps` steps on this thread whatever its size, the seconds each
    of its balls adds), only its ends kept (as a basins map or a swarm rolls): batches of SMALL_PROBE_BALLS
    and PROBE_BALLS timed. A typed formula's step is hundreds of small operations, so a map cut to 529
    balls costs far more than half of 1,024 (priced at a 1,024-ball batch's share, 5.8 s; it took 9.6 s)."""
    small, big = (time_one_batch(surface, optimizer, lr, balls, steps, zero_grad, path=False,
                                 hyperparameters=hyperparameters, schedule=schedule, clip_norm=clip_norm)
                  for balls in (SMALL_PROBE_BALLS, PROBE_BALLS))
    per_ball = max(big - small, 0.0) / (PROBE_BALLS - SMALL_PROBE_BALLS)
    # at least a quarter of a ball's share of the big batch: a noisy probe never makes a ball free
    per_ball = max(per_ball, big / PROBE_BALLS / 4)
    return max(big - per_ball * PROBE_BALLS, 0.0), per_ball


def seconds(value: float) -> str:
    """A duration for a sentence: "1.6 ms", "0.43 s", "2.5 s", "12 s", "3 min"."""
    if value < 0.1:
        return f"{value * 1e3:.2g} ms"
    if value < 10:
        return f"{value:.2g} s" if value < 1 else f"{value:.1f} s"
    return f"{value:.0f} s" if value < 120 else f"{value / 60:.0f} min"
