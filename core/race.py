"""A fair race: every optimizer gets the same tuning budget, then races from the same seeded starts.

1. Tuning. Each optimizer tries every rate of one log grid (the budget: the same rates for all) on
   `tuning_balls` starts drawn with seed + 1. Its rate is the one at which the most tuning balls end
   at a global minimum; ties go to the fewest median steps to get there, then to the lowest median
   final loss, then to the smaller rate.
   (An optimizer that takes no learning rate, Newton's method, has nothing to tune.)
2. The race. At that rate, `balls` starts drawn with `seed` (not the tuning ones). A ball *reaches* a
   global minimum when its loss ends within `tolerance` of the way from its start's loss down to the
   surface's minimum; its steps are the first step at which its loss is that close, and its loss
   evaluations are those made up to that step (L-BFGS evaluates several times a step).
Entrants are ranked by the share that reach, then the median steps, then the median evaluations,
then the median final loss (a ball that left the finite numbers counts as an infinite loss).
Everything is seeded and runs in float64 on the CPU: the same arguments give the same table, bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .ballwise import BallwiseOptimizer, has_ballwise_rule
from .batch import Progress, Rolled, check_work, descend_batch, roll_balls
from .descent import check_stride
from .errors import LossMountainError
from .optimizers import get_optimizer
from .solo import roll_solo
from .surfaces import Surface
from .sweep import DEFAULT_TOLERANCE, lr_grid
from .swarm import random_starts

DEFAULT_BALLS = 64
DEFAULT_TUNING_BALLS = 16
DEFAULT_STEPS = 200
# the tuning budget: 16 rates, 5 a decade from 1e-4 to 10 (rounded to 2 significant digits)
TUNING_RATES = tuple(float(f"{lr:.2g}") for lr in lr_grid(1e-4, 10.0, 16))
MAX_RACE_BALLS = 4096
CRITERION = ("the rate at which the most tuning balls end at a global minimum; ties: fewest median steps, "
             "then the lowest median final loss, then the smaller rate")


@dataclass(frozen=True)
class Entrant:
    """One optimizer's race. tuned: the share of tuning balls that reached at each grid rate (None for
    an optimizer that takes no learning rate). reached: the share of race balls that reached a global
    minimum; median_steps, median_evaluations: among those (None if none did); final_loss: the
    median final loss over all race balls (inf when over half left the finite numbers); evaluations:
    every loss evaluation its balls made in the race; rank: 1 is the winner."""

    optimizer: str
    lr: float
    tuned: tuple[float, ...] | None
    reached: float
    median_steps: float | None
    median_evaluations: float | None
    final_loss: float
    evaluations: int
    rank: int


@dataclass(frozen=True)
class Race:
    """The settings (seeds, budget, criterion) and the entrants, ranked."""

    surface: str
    steps: int
    balls: int
    seed: int
    tuning_balls: int
    tuning_seed: int
    rates: tuple[float, ...]
    tolerance: float
    criterion: str
    entrants: tuple[Entrant, ...]

    def rows(self) -> list[dict]:
        """The table, one dict per entrant in rank order (the CLI's CSV and JSON rows)."""
        return [{"rank": e.rank, "optimizer": e.optimizer, "lr": e.lr, "reached": e.reached,
                 "median_steps": e.median_steps, "median_evaluations": e.median_evaluations,
                 "median_final_loss": e.final_loss, "evaluations": e.evaluations} for e in self.entrants]


@dataclass(frozen=True)
class _Outcome:
    reached: np.ndarray  # (N,) bool
    steps: np.ndarray  # (N,) first step within the tolerance (-1: never)
    evaluations_to: np.ndarray  # (N,) loss evaluations made before that step
    final: np.ndarray  # (N,) final loss, inf for a ball that left the finite numbers
    evaluations: int


def _roll(surface: Surface, name: str, lrs: np.ndarray, starts: np.ndarray, steps: int) -> Rolled:
    """Ball i: optimizer `name` at lrs[i] from starts[i], as one batch wherever the optimizer allows."""
    spec = get_optimizer(name)
    if has_ballwise_rule(spec):
        param = torch.tensor(starts, dtype=torch.float64).requires_grad_(True)
        mover = BallwiseOptimizer(spec, param.detach())
        column = torch.tensor(lrs, dtype=torch.float64)[:, None]
        no_grad = torch.no_grad()

        def update(step: int) -> None:
            with no_grad:
                mover.step(param.detach(), param.grad, column)

        return roll_balls(surface, param, steps, True, None, update)
    if not spec.batches:
        return roll_solo(surface, spec, lrs, starts, steps, True, None, "constant", None)
    # one instance for all the balls at one rate (Newton takes none: all of them in one)
    rates = np.array([spec.lr_of(lr) for lr in lrs])
    n = len(starts)
    rolled = Rolled(np.full((steps + 1, n, 2), np.nan), np.full((steps + 1, n), np.nan), np.full(n, -1),
                    np.full((n, 2), np.nan), np.full(n, np.nan))
    for rate in np.unique(rates):
        mine = rates == rate
        run = descend_batch(surface, name, float(rate), starts[mine], steps)
        rolled.positions[:, mine], rolled.losses[:, mine] = run.positions, run.losses
        rolled.diverged_at[mine], rolled.off_positions[mine], rolled.off_losses[mine] = (
            run.diverged_at, run.off_positions, run.off_losses)
    return rolled


def _outcome(surface: Surface, rolled: Rolled, tolerance: float) -> _Outcome:
    gap = rolled.losses - surface.min_value
    within = gap <= tolerance * np.maximum(gap[0], 1e-300)  # NaN (after leaving) is never within
    ends_within = within[-1]
    first = np.where(within.any(axis=0), within.argmax(axis=0), -1)
    n = rolled.losses.shape[1]
    per_step = (np.isfinite(rolled.losses[:-1]).astype(np.int64) if rolled.evaluations is None
                else rolled.evaluations)  # one evaluation a step while on the mountain
    before = np.vstack([np.zeros((1, n), dtype=np.int64), np.cumsum(per_step, axis=0)])
    evaluations_to = np.where(first >= 0, before[np.maximum(first, 0), np.arange(n)], -1)
    final = np.where(np.isfinite(rolled.losses[-1]), rolled.losses[-1], np.inf)
    return _Outcome(ends_within, np.where(ends_within, first, -1), np.where(ends_within, evaluations_to, -1),
                    final, int(per_step.sum()))


def _median(values: np.ndarray) -> float | None:
    return float(np.median(values)) if len(values) else None


def race_batches(name: str, balls: int, rates: int = len(TUNING_RATES),
                 tuning_balls: int = DEFAULT_TUNING_BALLS) -> tuple[int, ...]:
    """The batches a fair race rolls for optimizer `name`, as their counts of balls (see _tune and
    _roll): its tuning, every rate in one batch where a rate per ball is allowed, else a batch per rate
    (none for an optimizer that takes no learning rate), then its race in one batch. For an optimizer
    that batches (core.budget times each size: a small batch is mostly a step's fixed cost)."""
    spec = get_optimizer(name)
    tuning = () if spec.fixed_lr is not None else (
        (rates * tuning_balls,) if has_ballwise_rule(spec) else (tuning_balls,) * rates)
    return (*tuning, balls)


def _tune(surface: Surface, name: str, rates: np.ndarray, starts: np.ndarray, steps: int,
          tolerance: float) -> tuple[float, tuple[float, ...] | None]:
    spec = get_optimizer(name)
    if spec.fixed_lr is not None:
        return spec.fixed_lr, None
    balls = len(starts)
    rolled = _roll(surface, name, np.repeat(rates, balls), np.tile(starts, (len(rates), 1)), steps)
    found = _outcome(surface, rolled, tolerance)
    shares, keys = [], []
    for i, rate in enumerate(rates):
        mine = slice(i * balls, (i + 1) * balls)
        reached = found.reached[mine]
        steps_there = found.steps[mine][reached]
        shares.append(float(reached.mean()))
        keys.append((-reached.mean(), np.median(steps_there) if reached.any() else np.inf,
                     np.median(found.final[mine]), rate))
    best = min(range(len(rates)), key=lambda i: keys[i])
    return float(rates[best]), tuple(shares)


def fair_race(
    surface: Surface, optimizers: Sequence[str], steps: int = DEFAULT_STEPS, balls: int = DEFAULT_BALLS,
    seed: int = 0, *, rates: Sequence[float] = TUNING_RATES, tuning_balls: int = DEFAULT_TUNING_BALLS,
    tolerance: float = DEFAULT_TOLERANCE, progress: Progress | None = None,
) -> Race:
    """Tune each optimizer's learning rate on the same budget, race them from the same seeded starts,
    and rank them (see the module's docstring for every rule)."""
    names = list(dict.fromkeys(optimizers))
    if not names:
        raise LossMountainError("choose at least one optimizer to race")
    for name in names:
        get_optimizer(name)
    grid = np.sort(np.asarray(rates, dtype=np.float64))
    if not (1 <= len(grid) <= 64 and np.isfinite(grid).all() and (grid > 0).all()):
        raise LossMountainError("the tuning budget must be 1 to 64 positive learning rates")
    for count, what in ((balls, "race balls"), (tuning_balls, "tuning balls")):
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_RACE_BALLS:
            raise LossMountainError(f"{what} must be a whole number from 1 to {MAX_RACE_BALLS}, got {count!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise LossMountainError(f"the seed must be a whole number from 0, got {seed!r}")
    if not (isinstance(tolerance, (int, float)) and 0 < tolerance < 1):
        raise LossMountainError(f"the tolerance must be a fraction between 0 and 1, got {tolerance!r}")
    check_stride(1.0, steps)
    check_work(max(balls, tuning_balls * len(grid)), steps)
    race_starts, tuning_starts = random_starts(surface, balls, seed), random_starts(surface, tuning_balls, seed + 1)
    results = []
    for k, name in enumerate(names):
        lr, tuned = _tune(surface, name, grid, tuning_starts, steps, tolerance)
        found = _outcome(surface, _roll(surface, name, np.full(balls, lr), race_starts, steps), tolerance)
        results.append((name, lr, tuned, float(found.reached.mean()), _median(found.steps[found.reached]),
                        _median(found.evaluations_to[found.reached]), float(np.median(found.final)),
                        found.evaluations))
        if progress is not None:
            progress((k + 1) / len(names))
    order = sorted(range(len(results)), key=lambda i: (
        -results[i][3], np.inf if results[i][4] is None else results[i][4],
        np.inf if results[i][5] is None else results[i][5], results[i][6], i))
    entrants = tuple(Entrant(*results[i], rank=rank + 1) for rank, i in enumerate(order))
    return Race(surface.name, steps, balls, seed, tuning_balls, seed + 1, tuple(float(r) for r in grid),
                float(tolerance), CRITERION, entrants)
