"""Balls that cannot share one optimizer: one torch.optim instance (and one solo run) per ball.

L-BFGS mixes its coordinates (a step's direction comes from the whole parameter's history) and
Newton's method solves with the whole Hessian, so one instance over an (N, 2) tensor of balls would
couple them. Here each ball is its own core.descend run, laid out as core.batch.roll_balls lays
out a batch (NaN from a ball's first non-finite step on), so every batched view can hold them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .batch import Progress, Rolled
from .descent import Run, descend
from .optimizers import OptimizerSpec
from .surfaces import Surface


def roll_solo(
    surface: Surface, spec: OptimizerSpec, lrs: Sequence[float], starts: np.ndarray, steps: int,
    zero_grad: bool, overrides: Mapping[str, Any] | None, schedule: str, clip_norm: float | None,
    progress: Progress | None = None, path: bool = True, grads: bool = False,
) -> Rolled:
    """Ball i: `spec` at lrs[i] from starts[i] (N, 2), as its own solo run, laid out like roll_balls
    (with each step's loss evaluations, 0 once a ball has left). Balls whose settings are the same
    (an optimizer that takes no learning rate, from one start) are run once."""
    n = len(starts)
    rows = steps + 1 if path else 2
    positions = np.full((rows, n, 2), np.nan)
    losses = np.full((rows, n), np.nan)
    kept_grads = np.full((steps, n, 2), np.nan) if grads and path else None
    evaluations = np.zeros((steps, n), dtype=np.int64)
    diverged = np.full(n, -1, dtype=np.int64)
    off_positions = np.full((n, 2), np.nan)
    off_losses = np.full(n, np.nan)
    done: dict[tuple, Run] = {}
    for i in range(n):
        key = (spec.lr_of(lrs[i]), float(starts[i, 0]), float(starts[i, 1]))
        if key not in done:
            done[key] = descend(surface, spec.name, float(lrs[i]), tuple(starts[i]), steps, zero_grad,
                                hyperparameters=overrides, schedule=schedule, clip_norm=clip_norm)
        run = done[key]
        kept = len(run.positions)
        evaluations[:len(run.grads), i] = 1 if run.evaluations is None else run.evaluations
        if path:
            positions[:kept, i], losses[:kept, i] = run.positions, run.losses
            if kept_grads is not None:
                kept_grads[:len(run.grads), i] = run.grads
        else:
            positions[0, i], losses[0, i] = run.positions[0], run.losses[0]
            positions[1, i], losses[1, i] = run.positions[-1], run.losses[-1]
        if run.diverged_at is not None:
            diverged[i] = run.diverged_at
            off_positions[i] = run.off_position
            off_losses[i] = run.off_loss
        if progress is not None:
            progress((i + 1) / n)
    return Rolled(positions, losses, diverged, off_positions, off_losses, grads=kept_grads, evaluations=evaluations)
