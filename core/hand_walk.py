"""You are the optimizer: a walk in the fog where the learner picks each step's direction and
length. Every place still gets its real compass (loss.backward() fills coeffs.grad), but the update
is the learner's own, applied to that tensor by hand; and the race afterwards, plain SGD and Adam
from the same start for as many steps."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .descent import Run, check_settings, descend_many
from .errors import LossMountainError
from .fog import MAX_WALK, Walk
from .status import diagonal
from .surfaces import Surface

CABIN_REACH = 0.04  # within this share of the map's diagonal of the lowest point, the walker is at the cabin
RACERS = ("sgd", "adam")


def hand_walk(surface: Surface, start: Sequence[float], moves: Sequence[tuple[float, float]]) -> Walk:
    """Walk from `start`, move i going `length` in the direction `heading` degrees (0 = +x, 90 =
    +y): at each place loss.backward() fills coeffs.grad (shown, not followed), then the learner's
    step is added to coeffs under torch.no_grad(). Stops early where the loss is not finite.
    The Walk's strides are the moves' lengths."""
    if len(moves) > MAX_WALK:
        raise LossMountainError(f"a walk in the fog takes at most {MAX_WALK} steps")
    for heading, length in moves:
        if not (math.isfinite(heading) and math.isfinite(length) and length > 0):
            raise LossMountainError(f"a step needs a direction and a positive length, got ({heading!r}, {length!r})")
    point = check_settings(surface, 1.0, start, 1)
    coeffs = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    positions, losses, grads = [], [], []
    for k in range(len(moves) + 1):
        coeffs.grad = None
        loss = surface(coeffs)
        if not torch.isfinite(loss):
            break
        loss.backward()  # the compass: the learner sees it and may ignore it
        positions.append(coeffs.detach().clone().numpy())
        losses.append(float(loss.detach()))
        grads.append(coeffs.grad.clone().numpy())
        if k == len(moves):
            break
        heading, length = moves[k]
        angle = math.radians(heading)
        with torch.no_grad():  # the learner's own update, where an optimizer would put its own
            coeffs += length * torch.tensor([math.cos(angle), math.sin(angle)], dtype=torch.float64)
    taken = len(positions) - 1
    return Walk(surface.name, point, tuple(float(length) for _, length in moves[:taken]), np.array(positions),
                np.array(losses), np.array(grads), flown_off=taken < len(moves), fresh=np.array(grads))


def heading_to(here: Sequence[float], target: Sequence[float]) -> float | None:
    """The direction from `here` to `target` in whole degrees (0 … 359); None where they coincide."""
    dx, dy = target[0] - here[0], target[1] - here[1]
    if math.hypot(dx, dy) == 0:
        return None
    return float(round(math.degrees(math.atan2(dy, dx))) % 360)


def _first_near(surface: Surface, positions: np.ndarray) -> int | None:
    """The first row of `positions` within CABIN_REACH of the diagonal of the lowest point; None if none."""
    low = np.asarray(surface.minima[0], dtype=np.float64)
    near = np.flatnonzero(np.hypot(*(positions - low).T) <= CABIN_REACH * diagonal(surface))
    return int(near[0]) if len(near) else None


def first_at_cabin(surface: Surface, walk: Walk) -> int | None:
    """The first step at which the walker stood at the cabin (its score); None if never."""
    return _first_near(surface, walk.positions)


@dataclass(frozen=True)
class Race:
    """Plain SGD and Adam from the walk's start for as many steps as the walker took, at the
    mountain's learning rate; each one's final loss and whether it reached the cabin (and when)."""

    runs: tuple[Run, ...]
    arrived: tuple[int | None, ...]


def race(surface: Surface, walk: Walk) -> Race:
    steps = max(walk.steps, 1)
    runs = descend_many(surface, list(RACERS), surface.lr, walk.start, steps)
    return Race(tuple(runs), tuple(_first_near(surface, run.positions) for run in runs))
