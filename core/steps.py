"""One step of a run, up close: the numbers of the update and the arrows that draw it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .descent import Run
from .status import diagonal
from .surfaces import Point, Surface

COMPASS_LENGTH = 0.14  # the compass arrow's length, as a fraction of the surface's diagonal


@dataclass(frozen=True)
class StepNumbers:
    """Step k of a run: from `position`, with `grad` (p.grad) and `lr`, to `new_position`.

    state: the optimizer's state after the step, as optimizer.state holds it. evaluations: how
    many times the step evaluated the loss (L-BFGS's closure calls; 1 for the others).
    """

    step: int
    position: Point
    loss: float
    grad: Point
    lr: float
    update: Point
    new_position: Point
    new_loss: float
    state: dict[str, tuple[float, ...]]
    evaluations: int = 1


def step_numbers(run: Run, k: int) -> StepNumbers | None:
    """The numbers of step k (leaving position k); None when the run took no step k."""
    if not 0 <= k < len(run.grads):
        return None
    here, there = run.positions[k], run.positions[k + 1]
    state = {key: tuple(float(v) for v in np.atleast_1d(values[k])) for key, values in run.state.items()}
    return StepNumbers(
        step=k,
        position=(float(here[0]), float(here[1])),
        loss=float(run.losses[k]),
        grad=(float(run.grads[k, 0]), float(run.grads[k, 1])),
        lr=float(run.lrs[k]),
        update=(float(there[0] - here[0]), float(there[1] - here[1])),
        new_position=(float(there[0]), float(there[1])),
        new_loss=float(run.losses[k + 1]),
        state=state,
        evaluations=1 if run.evaluations is None else int(run.evaluations[k]),
    )


@dataclass(frozen=True)
class StepArrows:
    """Where step k's arrows start and end: the compass (p.grad, pointing uphill, at a fixed
    length so tiny and huge slopes both read) and the step the optimizer actually took."""

    start: Point
    compass_end: Point
    update_end: Point


def compass_end(position: Point, grad: Point, surface: Surface) -> Point:
    """The compass's tip drawn from `position`: along p.grad (uphill) at COMPASS_LENGTH of the
    surface's diagonal, so tiny and huge slopes both read; at `position` where p.grad is 0 or not finite."""
    length = COMPASS_LENGTH * diagonal(surface)
    slope = np.array(grad, dtype=np.float64)
    norm = float(np.hypot(*slope))
    uphill = slope / norm * length if norm > 0 and np.isfinite(norm) else np.zeros(2)
    return float(position[0] + uphill[0]), float(position[1] + uphill[1])


def step_arrows(run: Run, k: int, surface: Surface) -> StepArrows | None:
    """The arrows of step k of `run` on `surface`; None when there is no step k."""
    numbers = step_numbers(run, k)
    if numbers is None:
        return None
    return StepArrows(start=numbers.position, compass_end=compass_end(numbers.position, numbers.grad, surface),
                      update_end=numbers.new_position)
