"""A swarm: many balls from random starts rolling down the same mountain with one optimizer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .basins import Ends, classify_ends
from .batch import MAX_BALLS, Progress, descend_batch
from .errors import LossMountainError
from .surfaces import Surface

DEFAULT_SWARM = 200


@dataclass(frozen=True, eq=False)
class Swarm:
    """positions: (steps + 1, N, 2) and losses: (steps + 1, N), NaN after a ball diverged;
    diverged_at: (N,) or -1; ends: where each ball ended (see core.basins.Ends)."""

    surface: str
    optimizer: str
    lr: float
    steps: int
    zero_grad: bool
    seed: int
    positions: np.ndarray
    losses: np.ndarray
    diverged_at: np.ndarray
    ends: Ends


def random_starts(surface: Surface, count: int, seed: int = 0) -> np.ndarray:
    """`count` starts spread uniformly over the surface's bounds, all where the loss is defined
    (as far as 20 redraws can find such points); returns an (count, 2) array."""
    rng = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = surface.bounds
    low, high = np.array([x0, y0]), np.array([x1, y1])
    starts = rng.uniform(low, high, (count, 2))
    for _ in range(20):
        with torch.no_grad():
            bad = ~torch.isfinite(surface(torch.as_tensor(starts))).numpy()
        if not bad.any():
            break
        starts[bad] = rng.uniform(low, high, (int(bad.sum()), 2))
    return starts


def swarm(
    surface: Surface, optimizer: str, lr: float, steps: int, count: int = DEFAULT_SWARM, seed: int = 0,
    zero_grad: bool = True, *, hyperparameters: Mapping[str, Any] | None = None, schedule: str = "constant",
    clip_norm: float | None = None, device: str | torch.device = "cpu", progress: Progress | None = None,
) -> Swarm:
    """Roll `count` balls from random starts (drawn with `seed`) at once; returns a Swarm."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BALLS:
        raise LossMountainError(f"a swarm has 1 to {MAX_BALLS:,} balls, got {count!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise LossMountainError(f"the seed must be a whole number from 0, got {seed!r}")
    batch = descend_batch(surface, optimizer, lr, random_starts(surface, count, seed), steps, zero_grad,
                          hyperparameters=hyperparameters, schedule=schedule, clip_norm=clip_norm,
                          device=device, progress=progress)
    ends = classify_ends(surface, batch.positions, batch.losses, batch.diverged_at)
    return Swarm(surface.name, batch.optimizer, batch.lr, steps, zero_grad, seed, batch.positions,
                 batch.losses, batch.diverged_at, ends)
