"""Many balls at once: one optimizer, many starts, one tensor.

Every optimizer here updates each number on its own (elementwise), so one parameter of
shape (N, 2) whose loss is the *sum* of the N balls' losses gives each ball exactly its solo
trajectory; the tests check this against core.descend ball by ball. A ball that leaves the
finite numbers is frozen out of the loss and its path cut there, as in a solo run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .descent import MAX_STEPS
from .errors import LossMountainError
from .optimizers import get_optimizer
from .surfaces import Surface

MAX_BALLS = 100_000


@dataclass(frozen=True, eq=False)
class BatchRun:
    """positions: (steps + 1, N, 2), NaN from each ball's first non-finite step on; losses:
    (steps + 1, N) likewise; diverged_at: (N,) the first non-finite step, or -1."""

    optimizer: str
    lr: float
    positions: np.ndarray
    losses: np.ndarray
    diverged_at: np.ndarray


def descend_batch(
    surface: Surface, optimizer: str, lr: float, starts: Sequence[Sequence[float]] | np.ndarray,
    steps: int, zero_grad: bool = True, device: str | torch.device = "cpu",
) -> BatchRun:
    """Run `optimizer` from every start in `starts` (N, 2) at once; returns a BatchRun."""
    spec = get_optimizer(optimizer)
    if not (isinstance(lr, (int, float)) and np.isfinite(lr) and lr > 0):
        raise LossMountainError(f"learning rate must be a positive number, got {lr!r}")
    if not 1 <= steps <= MAX_STEPS:
        raise LossMountainError(f"steps must be a whole number from 1 to {MAX_STEPS}, got {steps!r}")
    points = torch.as_tensor(np.asarray(starts, dtype=np.float64), device=device)
    if points.ndim != 2 or points.shape[1] != 2 or not 1 <= len(points) <= MAX_BALLS:
        raise LossMountainError(f"starts must be 1 to {MAX_BALLS} pairs x, y")
    param = points.clone().requires_grad_(True)
    opt = spec.make([param], lr)
    alive = torch.ones(len(points), dtype=torch.bool, device=device)
    diverged = torch.full((len(points),), -1, dtype=torch.long, device=device)
    positions, losses = [], []
    nan = torch.tensor(float("nan"), dtype=torch.float64, device=device)
    for step in range(steps + 1):
        if zero_grad:
            opt.zero_grad()
        loss = surface(param)
        finite = torch.isfinite(loss) & torch.isfinite(param).all(dim=1)
        newly = alive & ~finite
        diverged[newly] = step
        alive &= finite
        positions.append(torch.where(alive[:, None], param.detach(), nan))
        losses.append(torch.where(alive, loss.detach(), nan))
        if step == steps or not bool(alive.any()):
            break
        # only the balls still on the mountain carry a loss; the others stay where they were
        torch.where(alive, loss, torch.zeros_like(loss)).sum().backward()
        opt.step()
    while len(positions) < steps + 1:
        positions.append(torch.full_like(positions[0], float("nan")))
        losses.append(torch.full_like(losses[0], float("nan")))
    return BatchRun(spec.name, float(lr), torch.stack(positions).cpu().numpy(),
                    torch.stack(losses).cpu().numpy(), diverged.cpu().numpy())
