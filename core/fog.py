"""Into the fog: a walk on a hidden mountain, one real torch.optim.SGD step at a time, and the
ground the walk has uncovered (the lesson's story: you only feel the tilt under your boots)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .descent import check_settings, check_stride
from .errors import LossMountainError
from .surfaces import Point, Surface

MAX_WALK = 500  # steps one walk may take: a learner presses Step, so far more than anyone needs
FADE = 0.4  # the outer share of the radius over which the uncovered ground fades back into fog
CABIN_TOLERANCE = 1e-3  # the cabin is reached once the loss gap is at most this share of the start's


@dataclass(frozen=True, eq=False)
class Walk:
    """A walk in the fog. positions (k + 1, 2), losses (k + 1,), grads (k + 1, 2): where the walker
    stood after each step, the loss there and `coeffs.grad` after `loss.backward()` there (the
    compass, pointing uphill; the last row is what the walker feels now). strides (k,): each step's
    learning rate. flown_off: the last step left the finite numbers (positions keep the last
    finite place; the walk cannot go on). zero_grad: whether coeffs.grad was wiped before each
    backward(); fresh (k + 1, 2): the gradient of each place's loss alone (equal to grads when it
    was; without it, grads[i] is the sum of fresh[0..i])."""

    surface: str
    start: Point
    strides: tuple[float, ...]
    positions: np.ndarray
    losses: np.ndarray
    grads: np.ndarray
    flown_off: bool = False
    zero_grad: bool = True
    fresh: np.ndarray | None = None

    @property
    def steps(self) -> int:
        return len(self.positions) - 1

    @property
    def here(self) -> Point:
        return float(self.positions[-1, 0]), float(self.positions[-1, 1])

    @property
    def compass(self) -> Point:
        """`coeffs.grad` where the walker stands: the tilt, pointing uphill."""
        return float(self.grads[-1, 0]), float(self.grads[-1, 1])


def walk(surface: Surface, start: Sequence[float], strides: Sequence[float], zero_grad: bool = True) -> Walk:
    """Walk from `start`, step i a torch.optim.SGD step at learning rate strides[i] (the lesson's
    loop: zero_grad, loss, backward, step; without zero_grad, coeffs.grad keeps the sum of every
    backward so far). Stops early if a step leaves the finite numbers."""
    if len(strides) > MAX_WALK:
        raise LossMountainError(f"a walk in the fog takes at most {MAX_WALK} steps")
    for stride in strides:
        check_stride(stride, 1)
    point = check_settings(surface, strides[0] if strides else 1.0, start, 1)
    coeffs = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([coeffs], lr=1.0)
    positions, losses, grads, fresh = [], [], [], []
    flown_off = False

    def feel() -> bool:
        """The lesson's magic button at the current place; False where the loss is not finite."""
        if zero_grad:
            optimizer.zero_grad()
        loss = surface(coeffs)
        if not (torch.isfinite(loss) and torch.isfinite(coeffs).all()):
            return False
        # this place's own gradient, before backward() adds it to whatever coeffs.grad holds
        (alone,) = torch.autograd.grad(loss, coeffs, retain_graph=True)
        loss.backward()
        positions.append(coeffs.detach().clone().numpy())
        losses.append(float(loss.detach()))
        grads.append(coeffs.grad.detach().clone().numpy())
        fresh.append(alone.numpy())
        return True

    feel()
    for stride in strides:
        optimizer.param_groups[0]["lr"] = float(stride)
        optimizer.step()
        if not feel():
            flown_off = True
            break
    taken = len(positions) - 1
    return Walk(surface.name, point, tuple(float(s) for s in strides[:taken]), np.array(positions),
                np.array(losses), np.array(grads), flown_off, bool(zero_grad), np.array(fresh))


def at_cabin(surface: Surface, walk_: Walk) -> bool:
    """Whether the walker has reached the cabin: the loss gap to the minimum is at most
    CABIN_TOLERANCE of the gap at the start (a start at the minimum is there already)."""
    floor = surface.min_value
    start_gap = max(float(walk_.losses[0]) - floor, 0.0)
    return float(walk_.losses[-1]) - floor <= CABIN_TOLERANCE * start_gap


def uncovered(xs: np.ndarray, ys: np.ndarray, places: np.ndarray, radius: float) -> np.ndarray:
    """How clearly each grid point (ny, nx) shows through the fog, from 0 (hidden) to 1: fully
    within (1 - FADE) · radius of a place the walker stood, fading to 0 at `radius`."""
    if not (isinstance(radius, (int, float)) and math.isfinite(radius) and radius > 0):
        raise LossMountainError(f"the fog's radius must be a positive number, got {radius!r}")
    places = np.asarray(places, dtype=np.float64).reshape(-1, 2)
    gx, gy = np.meshgrid(xs, ys)
    nearest = np.full(gx.shape, np.inf)
    for px, py in places:  # one place at a time: a long walk stays small in memory
        np.minimum(nearest, np.hypot(gx - px, gy - py), out=nearest)
    return np.clip((radius - nearest) / (FADE * radius), 0.0, 1.0)
