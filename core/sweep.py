"""Learning-rate sweeps: every chosen optimizer at many learning rates, from one start, at once.

Every (optimizer, learning rate) pair is one ball; all of them share one autograd pass and
each optimizer updates its balls with core.ballwise (torch.optim's rules with a learning rate
per ball). A schedule is applied to each rate exactly as torch.optim.lr_scheduler would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from .ballwise import BallwiseOptimizer, has_ballwise_rule
from .batch import Progress, Rolled, check_device, check_work, roll_balls
from .descent import Run, check_settings
from .errors import LossMountainError
from .optimizers import get_optimizer
from .schedules import get_schedule, make_scheduler
from .solo import roll_solo
from .status import CONVERGED, STATUSES, classify
from .surfaces import Point, Surface

DEFAULT_RATES = 64
# the learning rates a learner picks from (the app's slider, the counterfactual rates of a verdict):
# 20 a decade from 1e-5 to 10, to two significant digits
LR_LADDER: tuple[float, ...] = tuple(sorted({float(f"{10 ** (k / 20):.2g}") for k in range(-100, 21)}))
MAX_RATES = 1024
# "reached" means the loss came within this fraction of the way from the start down to the minimum
DEFAULT_TOLERANCE = 1e-3


@dataclass(frozen=True, eq=False)
class Sweep:
    """One start, many learning rates. losses: (steps + 1, optimizers, rates), NaN after a ball
    diverged. diverged_at, reached_at: (optimizers, rates), the first non-finite step and the first
    step within `tolerance` of `floor` (-1: never). statuses: (optimizers, rates) codes into
    core.status.STATUSES, from the same classifier as every single run; converged_at: the step
    from which a converged ball stayed at its minimum (-1: it did not converge); both None for a
    sweep made with classified=False (classify its paths where they are needed, see statuses_of)."""

    surface: str
    optimizers: tuple[str, ...]
    lrs: np.ndarray
    start: Point
    steps: int
    zero_grad: bool
    losses: np.ndarray
    diverged_at: np.ndarray
    floor: float
    tolerance: float
    reached_at: np.ndarray
    statuses: np.ndarray | None
    converged_at: np.ndarray | None
    # with paths=True: every ball's whole run, so each rung can be read as a Run (see run())
    positions: np.ndarray | None = None  # (steps + 1, optimizers, rates, 2)
    grads: np.ndarray | None = None  # (steps, optimizers, rates, 2)
    lr_steps: np.ndarray | None = None  # (steps, rates): each step's learning rate
    off_positions: np.ndarray | None = None  # (optimizers, rates, 2)
    off_losses: np.ndarray | None = None  # (optimizers, rates)
    settings: tuple[dict, ...] = ()  # each optimizer's hyperparameters
    schedule: str = "constant"
    clip_norm: float | None = None

    @property
    def final_losses(self) -> np.ndarray:
        """(optimizers, rates): each ball's final loss minus the floor; NaN if it diverged."""
        return self.losses[-1] - self.floor

    def run(self, optimizer: str, lr: float) -> Run:
        """The rung at exactly `lr` for `optimizer`, as the Run core.descend would return (kept with
        paths=True; the optimizer's per-step state is not recorded)."""
        if self.positions is None:
            raise LossMountainError("this sweep kept no paths (lr_sweep(..., paths=True))")
        k, found = self.optimizers.index(optimizer), np.flatnonzero(self.lrs == lr)
        if not len(found):
            raise LossMountainError(f"lr {lr!r} is not one of this sweep's learning rates")
        i = int(found[0])
        diverged = int(self.diverged_at[k, i])
        kept = self.steps + 1 if diverged < 0 else diverged
        off = self.off_positions[k, i]
        spec = get_optimizer(optimizer)
        # an optimizer that takes no learning rate ran at its own, as core.descend would
        lrs = self.lr_steps[:, i] if spec.fixed_lr is None else lr_table(self.schedule, [spec.fixed_lr], self.steps)[:, 0]
        return Run(
            surface=self.surface, optimizer=optimizer, lr=spec.lr_of(lr), start=self.start, steps=self.steps,
            zero_grad=self.zero_grad, positions=_frozen(self.positions[:kept, k, i]),
            losses=_frozen(self.losses[:kept, k, i]), grads=_frozen(self.grads[:kept - 1, k, i]),
            diverged_at=None if diverged < 0 else diverged, lrs=_frozen(lrs[:kept - 1]),
            hyperparameters=dict(self.settings[k]), schedule=self.schedule, clip_norm=self.clip_norm,
            off_position=None if diverged < 0 else (float(off[0]), float(off[1])),
            off_loss=None if diverged < 0 else float(self.off_losses[k, i]),
        )

    def statuses_of(self, surface: Surface, optimizer: str, rungs: Sequence[int] | None = None,
                    ) -> tuple[np.ndarray, np.ndarray]:
        """(statuses, converged_at) of one optimizer's balls at the rates numbered `rungs` (default:
        all): read from the sweep, or, for a sweep made with classified=False, classified now from
        its kept paths (each ball's status is its own, whichever others are classified with it)."""
        k = self.optimizers.index(optimizer)
        chosen = np.arange(len(self.lrs)) if rungs is None else np.asarray(rungs, dtype=np.int64)
        if self.statuses is not None:
            return self.statuses[k, chosen], self.converged_at[k, chosen]
        if self.positions is None:
            raise LossMountainError("this sweep kept neither statuses nor paths")
        found = classify(surface, self.positions[:, k, chosen], self.losses[:, k, chosen], self.diverged_at[k, chosen],
                         lrs=self.lr_steps[:, chosen], off_positions=self.off_positions[k, chosen],
                         off_losses=self.off_losses[k, chosen])
        return found.codes, found.converged_at

    def trimmed(self) -> Sweep:
        """This sweep with the losses of its first and last steps only (losses (2, optimizers, rates))
        and no paths: all its figure (core.sweep_figures) and its sentences (core.sweep_verdicts) read,
        kilobytes where a long sweep's every step is megabytes."""
        return replace(self, losses=self.losses[[0, -1]].copy(), positions=None, grads=None, lr_steps=None,
                       off_positions=None, off_losses=None)

    def best_lr(self, optimizer: str) -> float | None:
        """The learning rate that reached the tolerance in the fewest steps and ends converged there
        (a ball that passes within the tolerance and then flies off is not "just right"); None if none
        did. A sweep that named no statuses counts every ball that reached."""
        k = self.optimizers.index(optimizer)
        good = self.reached_at[k] >= 0
        if self.statuses is not None:
            good &= self.statuses[k] == STATUSES.index(CONVERGED)
        if not good.any():
            return None
        return float(self.lrs[int(np.argmin(np.where(good, self.reached_at[k], np.iinfo(np.int64).max)))])


def _frozen(values: np.ndarray) -> np.ndarray:
    array = np.array(values, dtype=np.float64)
    array.setflags(write=False)  # a Run is a value
    return array


def _roll_together(surface, specs, start, steps, zero_grad, hyperparameters, clip_norm, table, device,
                   progress, paths) -> Rolled:
    """Every elementwise optimizer's balls in one tensor: ball k * count + i is optimizer k at rate i."""
    count = table.shape[1]
    param = torch.tensor([start] * (len(specs) * count), dtype=torch.float64, device=device).requires_grad_(True)
    movers = [BallwiseOptimizer(spec, param.detach()[:count], hyperparameters.get(spec.name)) for spec in specs]
    # views made once (each optimizer's balls, each step's rates): a step slices only the new gradient
    balls, step_lrs = param.detach().split(count), table.unbind(0)

    no_grad = torch.no_grad()  # entered every step: one context, not a new one per call (a decorator's)

    def update(step: int) -> None:
        with no_grad:
            for mover, moved, grad in zip(movers, balls, param.grad.split(count)):
                mover.step(moved, grad, step_lrs[step])

    return roll_balls(surface, param, steps, zero_grad, clip_norm, update, progress, grads=paths)


def _share(progress: Progress | None, k: int, parts: int) -> Progress | None:
    """The progress of part k of `parts` equal parts, as a fraction of the whole."""
    return None if progress is None else lambda done: progress((k + done) / parts)


# each Rolled field and its balls' axis
_BALL_AXES = (("positions", 1), ("losses", 1), ("diverged_at", 0), ("off_positions", 0), ("off_losses", 0),
              ("grads", 1))


def _in_order(specs, together: Rolled | None, alone: dict[str, Rolled], count: int) -> Rolled:
    """The batched balls and the solo ones as one Rolled, optimizer by optimizer in `specs` order."""
    if not alone:
        return together
    parts, k = [], 0
    for spec in specs:
        if spec.name in alone:
            parts.append({name: getattr(alone[spec.name], name) for name, _ in _BALL_AXES})
            continue
        mine = slice(k * count, (k + 1) * count)
        parts.append({name: None if getattr(together, name) is None else
                      np.take(getattr(together, name), np.arange(mine.start, mine.stop), axis=axis)
                      for name, axis in _BALL_AXES})
        k += 1
    return Rolled(**{name: None if any(part[name] is None for part in parts) else
                     np.concatenate([part[name] for part in parts], axis=axis) for name, axis in _BALL_AXES})


def _first_within(gaps: np.ndarray, tolerance: float) -> np.ndarray:
    """Each column's first row whose gap is within `tolerance` (-1: none)."""
    within = gaps <= tolerance
    return np.where(within.any(axis=0), within.argmax(axis=0), -1)


def lr_grid(low: float, high: float, count: int = DEFAULT_RATES) -> np.ndarray:
    """`count` learning rates evenly spaced on a log scale from `low` to `high`."""
    if not (isinstance(count, int) and 2 <= count <= MAX_RATES):
        raise LossMountainError(f"a sweep needs 2 to {MAX_RATES} learning rates, got {count!r}")
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low < high):
        raise LossMountainError(f"the learning rates must run from a positive low to a higher high, "
                                f"got {low!r} to {high!r}")
    return np.logspace(np.log10(low), np.log10(high), count)


def lr_table(schedule: str, lrs: np.ndarray, steps: int) -> np.ndarray:
    """(steps, rates): the learning rate each step uses, as torch.optim.lr_scheduler sets it."""
    if schedule == "constant":
        get_schedule(schedule)
        return np.tile(np.asarray(lrs, dtype=np.float64), (steps, 1))
    # one parameter group per rate: the scheduler treats each group exactly as a lone optimizer
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": float(lr)} for lr in lrs]
    optimizer = torch.optim.SGD(groups)
    scheduler = make_scheduler(schedule, optimizer, [float(lr) for lr in lrs], steps)
    if scheduler is None:
        return np.tile(np.asarray(lrs, dtype=np.float64), (steps, 1))
    table = np.empty((steps, len(lrs)))
    for step in range(steps):
        table[step] = [group["lr"] for group in optimizer.param_groups]
        optimizer.step()  # the scheduler expects a step first; with no gradients it changes nothing
        scheduler.step()
    return table


def lr_sweep(
    surface: Surface, optimizers: Sequence[str], start: Sequence[float], steps: int,
    lrs: Sequence[float] | np.ndarray | None = None, zero_grad: bool = True, *,
    hyperparameters: Mapping[str, Mapping[str, Any]] | None = None, schedule: str = "constant",
    clip_norm: float | None = None, tolerance: float = DEFAULT_TOLERANCE,
    device: str | torch.device = "cpu", progress: Progress | None = None, paths: bool = False,
    classified: bool = True,
) -> Sweep:
    """Run each optimizer from `start` at every learning rate in `lrs` (default: 64 from 1e-4 to 10).

    tolerance: a ball has "reached" the minimum once its loss gap to the surface's minimum is at
    most this fraction of the start's gap. paths: keep every ball's whole run (Sweep.run).
    classified=False (with paths): name no ball's status now (a fifth of a 121-rate sweep's time);
    Sweep.statuses_of names one optimizer's when asked. Other arguments as in core.descend_many.
    """
    specs = [get_optimizer(name) for name in optimizers]
    if not specs:
        raise LossMountainError("choose at least one optimizer")
    rates = np.sort(np.asarray(lr_grid(1e-4, 10.0) if lrs is None else lrs, dtype=np.float64))
    if not (2 <= len(rates) <= MAX_RATES and np.isfinite(rates).all() and (rates > 0).all()):
        raise LossMountainError(f"a sweep needs 2 to {MAX_RATES} positive learning rates")
    if not (isinstance(tolerance, (int, float)) and 0 < tolerance < 1):
        raise LossMountainError(f"the tolerance must be a fraction between 0 and 1, got {tolerance!r}")
    start = check_settings(surface, float(rates[0]), start, steps, clip_norm)
    count = len(rates)
    check_work(len(specs) * count, steps)
    chosen = check_device(device)
    table = torch.as_tensor(lr_table(schedule, rates, steps), device=chosen)[:, :, None]
    hyperparameters = hyperparameters or {}
    if not (classified or paths):
        raise LossMountainError("a sweep that names no statuses must keep its paths (paths=True)")
    together = [spec for spec in specs if has_ballwise_rule(spec)]
    solo = [spec for spec in specs if not has_ballwise_rule(spec)]
    parts = len(solo) + bool(together)  # progress: the batch, then each solo optimizer, as equal shares
    rolled = _roll_together(surface, together, start, steps, zero_grad, hyperparameters, clip_norm, table,
                            chosen, _share(progress, 0, parts), paths) if together else None
    # one without a rule for a learning rate per ball runs each rate as its own solo run (core.solo; one
    # run serves every rate of an optimizer that takes none)
    alone = {spec.name: roll_solo(surface, spec, rates, np.array([start] * count), steps, zero_grad,
                                  hyperparameters.get(spec.name), schedule, clip_norm,
                                  _share(progress, k + bool(together), parts), grads=paths)
             for k, spec in enumerate(solo)}
    rolled = _in_order(specs, rolled, alone, count)
    shape = (len(specs), count)
    statuses = converged_at = None
    if classified:
        # a constant rate never runs out: its steps' rates are read only under a schedule
        lrs = None if schedule == "constant" else np.tile(table[:, :, 0].cpu().numpy(), (1, len(specs)))
        found = classify(surface, rolled.positions, rolled.losses, rolled.diverged_at, lrs=lrs,
                         off_positions=rolled.off_positions, off_losses=rolled.off_losses)
        statuses, converged_at = found.codes.reshape(shape), found.converged_at.reshape(shape)
    losses = rolled.losses.reshape(steps + 1, *shape)
    diverged = rolled.diverged_at.reshape(shape)
    floor = surface.min_value
    start_gap = float(losses[0, 0, 0]) - floor
    reached = np.stack([_first_within(losses[:, k] - floor, tolerance * max(start_gap, 1e-300))
                        for k in range(len(specs))])  # an optimizer at a time: one (T, rates) array held
    kept = {}
    if paths:
        kept = dict(
            positions=rolled.positions.reshape(steps + 1, *shape, 2),
            grads=rolled.grads.reshape(steps, *shape, 2), lr_steps=table[:, :, 0].cpu().numpy(),
            off_positions=rolled.off_positions.reshape(*shape, 2), off_losses=rolled.off_losses.reshape(shape),
            settings=tuple(spec.settings(hyperparameters.get(spec.name)) for spec in specs),
            schedule=schedule, clip_norm=None if clip_norm is None else float(clip_norm))
    return Sweep(surface.name, tuple(spec.name for spec in specs), rates, start, steps, zero_grad,
                 losses, diverged, floor, float(tolerance * max(start_gap, 0.0)), reached,
                 statuses, converged_at, **kept)
