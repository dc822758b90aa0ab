"""What a descent did, named from computed facts: one classifier for one ball or thousands.

A ball's status is one of STATUSES. The facts behind it are measured on the path itself and on
the surface where the ball ended (its exact gradient and Hessian by autograd):

- diverged: a position or loss stopped being finite, or the loss grew ESCAPE_FACTOR times past
  its start and was still rising;
- off_domain: the first non-finite value came from a finite step that landed where the formula
  is undefined (NaN or −inf there), while the loss was not growing;
- converged: the ball ends within TOLERANCE × the map's diagonal of a minimum (a known global
  minimum, or a point where a Newton step is shorter than that and every point on a ring around
  it is higher) and its last step was that short too;
- schedule_ran_out: not converged, and the schedule's last learning rate is at most
  SCHEDULE_FLOOR of its largest;
- stuck: not converged, stopped (its last steps moved less than the tolerance) where the slope
  vanishes but the ground is not higher all around (a saddle, a plateau);
- bouncing: its steps flip across the valley (consecutive steps point against each other on
  average) or its loss rises on at least a quarter of its last steps, and the swings do not
  halve over that stretch;
- creeping: none of these: it is still on its way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import torch

from .surfaces import Surface

CONVERGED, CREEPING, BOUNCING, STUCK, DIVERGED, OFF_DOMAIN, SCHEDULE_RAN_OUT = STATUSES = (
    "converged", "creeping", "bouncing", "stuck", "diverged", "off_domain", "schedule_ran_out")
# the statuses as a sentence names them
LABELS = {CONVERGED: "converged", CREEPING: "creeping", BOUNCING: "bouncing", STUCK: "stuck",
          DIVERGED: "diverged", OFF_DOMAIN: "off the domain", SCHEDULE_RAN_OUT: "schedule ran out"}
# "at a point": within this fraction of the map's diagonal
TOLERANCE = 1e-3
# a loss this many times its start's gap above the minimum, and still rising, is flying off
ESCAPE_FACTOR = 100
# a schedule whose learning rate fell to this fraction of its peak has run out
SCHEDULE_FLOOR = 0.05
# the stretch of a path read for its habits: the last quarter, at least this many steps
TAIL_STEPS = 10
RING_DIRECTIONS = 16
# path cells (steps × balls) classified at once: each working array of a batch is then at most 512 kB
# (as fast as the whole batch at once; 2**18 cells held 15 MB more at the peak)
CLASSIFY_CELLS = 2**16


@dataclass(frozen=True, eq=False)
class Statuses:
    """Many balls' statuses and the facts behind them, each an array over the balls.

    codes: index into STATUSES. end: the last finite position; end_step: its step.
    minimum: for converged balls, the minimum they sit at (a known one, or where they ended);
    NaN otherwise. known: converged at one of the surface's known global minima.
    converged_at: the first step from which a converged ball stayed within the tolerance of
    where it ended (-1 if not converged). shrink: over the last stretch, how much the swings
    shrank (second half's largest step / first half's). loss_rises: the share of the last
    steps on which the loss went up. lr_left: the last learning rate over the largest.
    hessian: (N, 2, 2) at the end (NaN where undefined). tolerance: the distance used.
    """

    codes: np.ndarray
    end: np.ndarray
    end_step: np.ndarray
    minimum: np.ndarray
    known: np.ndarray
    converged_at: np.ndarray
    shrink: np.ndarray
    loss_rises: np.ndarray
    lr_left: np.ndarray
    hessian: np.ndarray
    tolerance: float

    def names(self) -> list[str]:
        return [STATUSES[code] for code in self.codes]


def diagonal(surface: Surface) -> float:
    (x0, x1), (y0, y1) = surface.bounds
    return math.hypot(x1 - x0, y1 - y0)


def slopes_and_curvatures(surface: Surface, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact gradient (N, 2) and Hessian (N, 2, 2) at each point, by autograd in one batch
    (each ball's loss depends on its own row only, so summing keeps them apart)."""
    at = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(surface(at).sum(), at, create_graph=True)
    columns = []
    for j in range(2):
        if grad.requires_grad:
            (column,) = torch.autograd.grad(grad[:, j].sum(), at, retain_graph=True, allow_unused=True)
        else:
            column = None
        columns.append(torch.zeros_like(at) if column is None else column)
    hessian = torch.stack(columns, dim=2).detach().numpy()
    return grad.detach().numpy(), (hessian + hessian.transpose(0, 2, 1)) / 2


def newton_distance(grad: np.ndarray, hessian: np.ndarray) -> np.ndarray:
    """|H⁻¹ ∇f| with |eigenvalues| (so saddles count too): how far the nearest point where the
    slope vanishes is, for a quadratic; 0 where the slope is exactly 0, inf where undefined."""
    distance = np.full(len(grad), np.inf)
    usable = np.isfinite(hessian).all(axis=(1, 2)) & np.isfinite(grad).all(axis=1)
    if usable.any():
        values, vectors = np.linalg.eigh(hessian[usable])
        along = np.einsum("nij,ni->nj", vectors, grad[usable])
        with np.errstate(divide="ignore", invalid="ignore"):
            steps = np.where(along == 0, 0.0, along / np.abs(values))
        distance[usable] = np.hypot(*steps.T)
    return np.where(np.isfinite(distance), distance, np.inf)


def higher_all_around(surface: Surface, points: np.ndarray, radius: float) -> np.ndarray:
    """Whether every point on a ring of `radius` around each point is strictly higher."""
    angles = np.linspace(0, 2 * np.pi, RING_DIRECTIONS, endpoint=False)
    ring = points[:, None, :] + radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)[None]
    with torch.no_grad():
        centre = surface(torch.tensor(points, dtype=torch.float64)).numpy()
        around = surface(torch.tensor(ring, dtype=torch.float64)).numpy()
    return (around > centre[:, None]).all(axis=1)


def _tail(end_step: np.ndarray) -> np.ndarray:
    """How many of the last steps each ball's habits are read from."""
    return np.maximum(np.minimum(end_step, TAIL_STEPS), np.ceil(end_step / 4).astype(int))


def classify(
    surface: Surface, positions: np.ndarray, losses: np.ndarray, diverged_at: np.ndarray, *,
    lrs: np.ndarray | None = None, off_positions: np.ndarray | None = None,
    off_losses: np.ndarray | None = None,
) -> Statuses:
    """Name what each of N balls did.

    positions (T + 1, N, 2) and losses (T + 1, N), NaN after a ball's last finite place;
    diverged_at (N,) its first non-finite step or -1; lrs (T, N) each step's learning rate
    (None: constant); off_positions (N, 2) and off_losses (N,): where the first non-finite
    step landed and its loss there (NaN where unknown).
    """
    n = positions.shape[1]
    per = max(1, CLASSIFY_CELLS // max(len(positions), 1))
    if n <= per:
        return _classify(surface, positions, losses, diverged_at, lrs, off_positions, off_losses)
    # a few balls at a time: each ball's facts are its own, and the whole batch's working arrays
    # are held about ten times over (a 121-rate ladder of five optimizers × 1,170 steps: +75 → +27 MB)
    parts = [_classify(surface, positions[:, a:a + per], losses[:, a:a + per], diverged_at[a:a + per],
                       None if lrs is None else lrs[:, a:a + per],
                       None if off_positions is None else off_positions[a:a + per],
                       None if off_losses is None else off_losses[a:a + per])
             for a in range(0, n, per)]
    return Statuses(**{field.name: np.concatenate([getattr(part, field.name) for part in parts])
                       for field in fields(Statuses) if field.name != "tolerance"},
                    tolerance=parts[0].tolerance)


def _classify(surface: Surface, positions: np.ndarray, losses: np.ndarray, diverged_at: np.ndarray,
              lrs: np.ndarray | None, off_positions: np.ndarray | None, off_losses: np.ndarray | None) -> Statuses:
    """classify for one batch of balls, all at once."""
    n = positions.shape[1]
    balls = np.arange(n)
    tolerance = TOLERANCE * diagonal(surface)
    finite = np.isfinite(losses) & np.isfinite(positions).all(axis=2)
    end_step = np.where(finite.any(axis=0), finite.shape[0] - 1 - np.argmax(finite[::-1], axis=0), 0)
    end = positions[end_step, balls]
    end_loss = losses[end_step, balls]
    # without a minimum in the window, growth is measured from the lowest loss the ball saw
    floor = np.nanmin(losses, axis=0) if surface.no_minimum else surface.min_value
    start_gap = losses[0] - floor
    gap_floor = 1e-12 * np.maximum(1.0, np.abs(floor))

    # the last stretch: step lengths, turns and loss rises, read from the rows from the earliest
    # stretch's start on (no earlier row is used: a sweep's classify took a quarter of its time)
    tail = _tail(end_step)
    w0 = int(max(0, (end_step - tail).min())) if n else 0
    updates = np.diff(positions[w0:], axis=0)  # (T - w0, N, 2): update w0 + r
    lengths = np.hypot(updates[..., 0], updates[..., 1])
    steps_index = np.arange(w0, w0 + updates.shape[0])[:, None]
    in_tail = (steps_index >= (end_step - tail)[None]) & (steps_index < end_step[None])
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        dots = (updates[1:] * updates[:-1]).sum(axis=2)
        cosines = dots / (lengths[1:] * lengths[:-1])
    pair_in_tail = in_tail[1:] & in_tail[:-1] & np.isfinite(cosines)
    turning = np.where(pair_in_tail.any(axis=0),
                       np.nansum(np.where(pair_in_tail, cosines, 0.0), axis=0) / np.maximum(pair_in_tail.sum(axis=0), 1),
                       1.0)
    rises = np.diff(losses[w0:], axis=0) > 0
    loss_rises = np.where(in_tail.any(axis=0), (rises & in_tail).sum(axis=0) / np.maximum(in_tail.sum(axis=0), 1), 0.0)
    half = end_step - tail // 2
    first = in_tail & (steps_index < half[None])
    second = in_tail & (steps_index >= half[None])
    biggest_first = np.where(first, lengths, 0.0).max(axis=0) if len(lengths) else np.zeros(n)
    biggest_second = np.where(second, lengths, 0.0).max(axis=0) if len(lengths) else np.zeros(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        shrink = np.where(biggest_first > 0, biggest_second / biggest_first, 1.0)
    loss_first = np.where(first, losses[w0 + 1:], -np.inf).max(axis=0) if len(lengths) else end_loss
    loss_second = np.where(second, losses[w0 + 1:], -np.inf).max(axis=0) if len(lengths) else end_loss
    rows = np.arange(w0, len(positions))[:, None]
    last_stretch = (rows >= (end_step - tail)[None]) & (rows <= end_step[None])
    distance = np.hypot(*(positions - end[None]).transpose(2, 0, 1))  # (T + 1, N): from where each ended
    with np.errstate(invalid="ignore"):
        moved = np.where(last_stretch, np.nan_to_num(distance[w0:], nan=0.0), 0.0).max(axis=0)
    last_step = np.where(end_step > 0, np.hypot(*(end - positions[np.maximum(end_step - 1, 0), balls]).T), 0.0)

    # where the ball ended: a minimum, or a place where the slope vanishes, or neither
    grad, hessian = slopes_and_curvatures(surface, end)
    stationary = newton_distance(grad, hessian) <= tolerance
    minima = np.array(surface.minima)
    to_known = np.hypot(*(end[:, None, :] - minima[None]).transpose(2, 0, 1))
    nearest = to_known.argmin(axis=1)
    known = (to_known[balls, nearest] <= tolerance) & (not surface.no_minimum)
    ring = np.zeros(n, dtype=bool)
    if stationary.any():
        ring[stationary] = higher_all_around(surface, end[stationary], 3 * tolerance)
    at_minimum = known | (stationary & ring)
    settled = last_step <= tolerance

    # the verdicts, most decisive first
    growing = (end_loss - floor > ESCAPE_FACTOR * np.maximum(start_gap, gap_floor)) & (loss_second >= loss_first)
    stopped = diverged_at >= 0
    if off_positions is None:
        off_positions = np.full((n, 2), np.nan)
        off_losses = np.full(n, np.nan)
    undefined = (stopped & np.isfinite(off_positions).all(axis=1)
                 & (np.isnan(off_losses) | (off_losses == -np.inf))
                 & (end_loss - floor <= ESCAPE_FACTOR * np.maximum(start_gap, gap_floor)))
    if lrs is not None and len(lrs):
        known_lrs = np.where(np.isfinite(lrs), np.abs(lrs), 0.0)
        peak = known_lrs.max(axis=0)
        last_lr = known_lrs[np.maximum(end_step - 1, 0), balls]
        lr_left = np.where((peak > 0) & (end_step > 0), last_lr / np.where(peak > 0, peak, 1.0), 1.0)
    else:
        lr_left = np.ones(n)
    converged = at_minimum & settled & ~stopped & ~growing
    swinging = ((turning < 0) | (loss_rises >= 0.25)) & ~(shrink < 0.5)

    codes = np.full(n, STATUSES.index(CREEPING))
    codes[swinging] = STATUSES.index(BOUNCING)
    codes[stationary & ~at_minimum & (moved <= tolerance)] = STATUSES.index(STUCK)
    codes[(lr_left <= SCHEDULE_FLOOR) & ~converged] = STATUSES.index(SCHEDULE_RAN_OUT)
    codes[converged] = STATUSES.index(CONVERGED)
    codes[growing | stopped] = STATUSES.index(DIVERGED)
    codes[undefined] = STATUSES.index(OFF_DOMAIN)

    # a converged ball's minimum, and the step from which it stayed there
    sitting = np.where(known[:, None], minima[nearest], end)
    minimum = np.where(converged[:, None], sitting, np.nan)
    outside = (distance > tolerance) & (np.arange(len(positions))[:, None] <= end_step[None])
    last_outside = np.where(outside.any(axis=0), len(positions) - 1 - np.argmax(outside[::-1], axis=0), -1)
    converged_at = np.where(converged, last_outside + 1, -1)
    return Statuses(codes, end, end_step, minimum, known & converged, converged_at, shrink, loss_rises,
                    lr_left, hessian, tolerance)
