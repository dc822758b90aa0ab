"""Many balls at once: one optimizer, many starts, one tensor.

Every optimizer here updates each number on its own (elementwise), so one parameter of
shape (N, 2) whose loss is the *sum* of the N balls' losses gives each ball exactly its solo
trajectory; the tests check this against core.descend ball by ball. A ball that leaves the
finite numbers has its path cut there, as in a solo run (a NaN in one row of the summed loss
touches no other row's gradient).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .ballwise import clip_rows_
from .descent import check_stride
from .errors import LossMountainError
from .optimizers import get_optimizer
from .schedules import make_scheduler
from .surfaces import Surface

MAX_BALLS = 160_000  # a 400 × 400 basins map (core.basins.MAX_RESOLUTION)
# every ball's whole path is kept: (steps + 1) x balls x 2 float64s, at most ~400 MB
MAX_BALL_STEPS = 25_000_000

Progress = Callable[[float], None]


@dataclass(frozen=True, eq=False)
class BatchRun:
    """positions: (steps + 1, N, 2), NaN from each ball's first non-finite step on; losses:
    (steps + 1, N) likewise; diverged_at: (N,) the first non-finite step, or -1. Without the
    whole path (path=False) positions and losses have two rows: the start, and the last finite
    place of each ball. off_positions (N, 2), off_losses (N,): where the first non-finite step
    landed and the loss there (NaN for balls that stayed finite)."""

    optimizer: str
    lr: float
    positions: np.ndarray
    losses: np.ndarray
    diverged_at: np.ndarray
    off_positions: np.ndarray | None = None
    off_losses: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class Rolled:
    """What roll_balls returns: positions (rows, N, 2), losses (rows, N), diverged_at (N,), and
    where each ball's first non-finite step landed with the loss there (NaN where none did);
    grads (steps, N, 2): the p.grad each step used (after clipping), when asked for."""

    positions: np.ndarray
    losses: np.ndarray
    diverged_at: np.ndarray
    off_positions: np.ndarray
    off_losses: np.ndarray
    grads: np.ndarray | None = None
    evaluations: np.ndarray | None = None  # (steps, N) loss evaluations per step, where they are not all 1


def check_device(device: str | torch.device) -> torch.device:
    """The torch device named by `device` ("cpu", "cuda", "cuda:1", "mps"), if this machine has it."""
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError):
        raise LossMountainError(f"unknown device {device!r}: use cpu, cuda or mps") from None
    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available()}
    if not available.get(chosen.type, False):
        raise LossMountainError(f"this machine has no {chosen.type} device; use --device cpu")
    if chosen.type == "cuda" and chosen.index is not None and chosen.index >= torch.cuda.device_count():
        raise LossMountainError(f"there is no {chosen}: this machine has {torch.cuda.device_count()} GPU(s)")
    return chosen


def check_starts(starts: Sequence[Sequence[float]] | np.ndarray, steps: int) -> np.ndarray:
    """Validate many start points (and their steps) at the boundary; returns an (N, 2) float64 array."""
    try:
        points = np.asarray(starts, dtype=np.float64)
    except (TypeError, ValueError):
        raise LossMountainError("starts must be pairs of numbers x, y") from None
    if points.ndim != 2 or points.shape[1] != 2 or not 1 <= len(points) <= MAX_BALLS:
        raise LossMountainError(f"starts must be 1 to {MAX_BALLS} pairs x, y")
    if not np.isfinite(points).all():
        raise LossMountainError("starts must be finite numbers")
    check_work(len(points), steps)
    return points


def check_work(balls: int, steps: int) -> None:
    """Refuse a batch whose kept paths would not fit in memory, saying what to lower."""
    if balls * (steps + 1) > MAX_BALL_STEPS:
        raise LossMountainError(f"balls x steps must be at most {MAX_BALL_STEPS:,} (every path is kept): "
                                f"{balls:,} x {steps:,} is too many; use fewer balls or steps")


def roll_balls(
    surface: Surface, param: torch.Tensor, steps: int, zero_grad: bool, clip_norm: float | None,
    update: Callable[[int], None], progress: Progress | None = None, path: bool = True,
    grads: bool = False,
) -> Rolled:
    """The training loop for a leaf `param` (N, 2) of balls; `update(step)` moves them after each
    backward pass. Returns their positions (steps + 1, N, 2), losses (steps + 1, N) and the rest
    (see Rolled); with path=False only two rows: the start and each ball's last finite place.
    grads (whole paths only): also keep the p.grad of every step (NaN once a ball has left the
    finite numbers)."""
    if path:
        return _roll_whole_paths(surface, param, steps, zero_grad, clip_norm, update, progress, grads)
    return _roll_to_the_end(surface, param, steps, zero_grad, clip_norm, update, progress)


def _roll_to_the_end(
    surface: Surface, param: torch.Tensor, steps: int, zero_grad: bool, clip_norm: float | None,
    update: Callable[[int], None], progress: Progress | None,
) -> Rolled:
    """roll_balls keeping two rows, the start and each ball's last finite place: a ball that leaves
    the finite numbers is frozen out of the loss the step it leaves (its later rows are not kept)."""
    n, device = len(param), param.device
    positions = torch.full((2, n, 2), float("nan"), dtype=torch.float64, device=device)
    losses = torch.full((2, n), float("nan"), dtype=torch.float64, device=device)
    alive = torch.ones(n, dtype=torch.bool, device=device)
    diverged = torch.full((n,), -1, dtype=torch.long, device=device)
    off_positions = torch.full((n, 2), float("nan"), dtype=torch.float64, device=device)
    off_losses = torch.full((n,), float("nan"), dtype=torch.float64, device=device)
    report_every = max(1, steps // 20)
    everyone = True  # no ball has left the finite numbers yet: the bookkeeping can be skipped
    for step in range(steps + 1):
        if zero_grad:
            param.grad = None  # what optimizer.zero_grad() does (set_to_none)
        loss = surface(param)
        finite = torch.isfinite(loss) & torch.isfinite(param).all(dim=1)
        row = min(step, 1)
        everyone = everyone and bool(finite.all())
        if everyone:
            positions[row] = param.detach()
            losses[row] = loss.detach()
            if step == steps:
                break
            loss.sum().backward()
        else:
            leaving = alive & ~finite
            if bool(leaving.any()):
                diverged[leaving] = step
                off_positions[leaving] = param.detach()[leaving]
                off_losses[leaving] = loss.detach()[leaving]
                alive &= finite
            positions[row] = torch.where(alive[:, None], param.detach(), positions[row])
            losses[row] = torch.where(alive, loss.detach(), losses[row])
            if step == steps or not bool(alive.any()):
                break
            # only the balls still on the mountain carry a loss; the others stay where they were
            torch.where(alive, loss, torch.zeros_like(loss)).sum().backward()
        if clip_norm is not None:
            clip_rows_(param.grad, clip_norm)
        update(step)
        if progress is not None and step % report_every == 0:
            progress(step / steps)
    if progress is not None:
        progress(1.0)
    return Rolled(*(values.cpu().numpy() for values in (positions, losses, diverged, off_positions, off_losses)))


def _roll_whole_paths(
    surface: Surface, param: torch.Tensor, steps: int, zero_grad: bool, clip_norm: float | None,
    update: Callable[[int], None], progress: Progress | None, grads: bool,
) -> Rolled:
    """roll_balls keeping every row: every ball stays in the summed loss (each row's gradient is
    its own, so a NaN in one row touches no other), and who left the finite numbers, and where,
    is read from the rows afterwards: no bookkeeping (and no device sync) per step."""
    n, device = len(param), param.device
    positions = torch.full((steps + 1, n, 2), float("nan"), dtype=torch.float64, device=device)
    losses = torch.full((steps + 1, n), float("nan"), dtype=torch.float64, device=device)
    used = torch.full((steps, n, 2), float("nan"), dtype=torch.float64, device=device) if grads else None
    # each step's rows as views made once: keeping a step is then one copy, not an indexing (the loop
    # is bound by the number of tensor operations, not their size)
    position_rows, loss_rows = positions.unbind(0), losses.unbind(0)
    grad_rows = used.unbind(0) if used is not None else None
    # backward from the balls' losses with ones = loss.sum().backward(), one operation fewer
    ones = torch.ones(n, dtype=torch.float64, device=device)
    report_every = max(1, steps // 20)
    for step in range(steps + 1):
        if zero_grad:
            param.grad = None  # what optimizer.zero_grad() does (set_to_none)
        loss = surface(param)
        position_rows[step].copy_(param.detach())
        loss_rows[step].copy_(loss.detach())
        # every 16 steps: stop once no ball is left on the mountain
        if step == steps or (step % 16 == 15 and not bool(torch.isfinite(loss).any())):
            break
        loss.backward(ones)
        if clip_norm is not None:
            clip_rows_(param.grad, clip_norm)
        if grad_rows is not None:
            grad_rows[step].copy_(param.grad)
        update(step)
        if progress is not None and step % report_every == 0:
            progress(step / steps)
    if progress is not None:
        progress(1.0)
    positions, losses = positions.cpu().numpy(), losses.cpu().numpy()
    written = step + 1
    finite = np.isfinite(losses[:written]) & np.isfinite(positions[:written]).all(axis=2)
    left = ~finite.all(axis=0)
    diverged = np.where(left, (~finite).argmax(axis=0), -1)
    balls = np.flatnonzero(left)
    off_positions = np.full((n, 2), np.nan)
    off_losses = np.full(n, np.nan)
    off_positions[balls] = positions[diverged[balls], balls]
    off_losses[balls] = losses[diverged[balls], balls]
    # a path is cut where its ball left: that row and every later one are NaN, as in a solo run
    cut = np.arange(steps + 1)[:, None] >= np.where(left, diverged, written)[None, :]
    positions[cut] = np.nan
    losses[cut] = np.nan
    kept_grads = None
    if used is not None:
        kept_grads = used.cpu().numpy()
        kept_grads[cut[:steps]] = np.nan
    return Rolled(positions, losses, diverged, off_positions, off_losses, grads=kept_grads)


def descend_batch(
    surface: Surface, optimizer: str, lr: float, starts: Sequence[Sequence[float]] | np.ndarray,
    steps: int, zero_grad: bool = True, *, hyperparameters: Mapping[str, Any] | None = None,
    schedule: str = "constant", clip_norm: float | None = None, device: str | torch.device = "cpu",
    progress: Progress | None = None, path: bool = True,
) -> BatchRun:
    """Run `optimizer` (a real torch.optim one) from every start in `starts` (N, 2) at once (one
    instance per ball, one after another, for an optimizer that is not elementwise: core.solo).

    hyperparameters, schedule, clip_norm: as in core.descend (clipping acts on each ball's own
    gradient). device: where the tensors live. progress: called with the fraction done.
    path: keep every step (else only the start and the last finite place, for big grids).
    """
    spec = get_optimizer(optimizer)
    check_stride(lr, steps, clip_norm)
    points = check_starts(starts, steps if path else 1)
    if not spec.batches:
        from .solo import roll_solo  # core.solo lays its runs out as this module's Rolled

        rolled = roll_solo(surface, spec, [lr] * len(points), points, steps, zero_grad, hyperparameters,
                           schedule, clip_norm, progress, path)
        return BatchRun(spec.name, spec.lr_of(lr), rolled.positions, rolled.losses, rolled.diverged_at,
                        rolled.off_positions, rolled.off_losses)
    param = torch.tensor(points, device=check_device(device)).requires_grad_(True)
    torch_optimizer = spec.make([param], lr, hyperparameters, loss_fn=surface)
    scheduler = make_scheduler(schedule, torch_optimizer, spec.lr_of(lr), steps)

    def update(step: int) -> None:
        torch_optimizer.step()
        if scheduler is not None:
            scheduler.step()

    rolled = roll_balls(surface, param, steps, zero_grad, clip_norm, update, progress, path)
    return BatchRun(spec.name, spec.lr_of(lr), rolled.positions, rolled.losses, rolled.diverged_at,
                    rolled.off_positions, rolled.off_losses)
