"""Where a run ended up, in words a learner understands."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .descent import Run
from .surfaces import Point, Surface

REACHED = "reached a minimum"
STUCK = "stuck on a flat spot"
ROLLING = "still rolling"
DIVERGED = "diverged"
ESCAPING = "leaping away"
# a ball whose loss gap to the minimum grew this many times over is on its way off the mountain
ESCAPE_FACTOR = 100


@dataclass(frozen=True)
class Outcome:
    """status: one of REACHED, STUCK, ROLLING, ESCAPING, DIVERGED. nearest: the closest global minimum."""

    status: str
    final_loss: float
    final_position: Point
    nearest: Point
    distance: float
    sentence: str


def outcome(run: Run, surface: Surface) -> Outcome:
    """Classify where `run` ended on `surface`; returns an Outcome with a one-line sentence."""
    (x0, x1), (y0, y1) = surface.bounds
    scale = math.hypot(x1 - x0, y1 - y0)
    end = run.positions[-1]
    minima = np.array(surface.minima)
    distances = np.hypot(*(minima - end).T)
    k = int(np.argmin(distances))
    nearest = (float(minima[k, 0]), float(minima[k, 1]))
    # settled: over the last tenth of the path (at least 5 positions) it stayed put
    tail = run.positions[-max(5, len(run.positions) // 10):]
    wander = float(np.max(np.hypot(*(tail - end).T)))
    if run.diverged_at is not None:
        status = DIVERGED
        sentence = (f"diverged at step {run.diverged_at}: its position or loss stopped being a finite "
                    "number. Its strides grew until the numbers overflowed, or it stepped where the "
                    "formula is undefined: try a smaller learning rate.")
    elif run.losses[-1] - surface.min_value > ESCAPE_FACTOR * max(run.losses[0] - surface.min_value, 1e-12):
        status = ESCAPING
        sentence = (f"is leaping ever higher: its loss grew from {run.losses[0]:.3g} to "
                    f"{run.losses[-1]:.3g}, because every step overshoots the valley further. "
                    "The learning rate is too big here; a few more steps and the numbers overflow.")
    elif distances[k] <= 1e-3 * scale:
        status = REACHED
        sentence = f"reached the minimum at ({nearest[0]:.3g}, {nearest[1]:.3g})."
    elif wander <= 1e-4 * scale and len(run.positions) > 5:
        status = STUCK
        sentence = "stopped on a flat spot that is not a global minimum (a local minimum or a saddle)."
        if len(run.lrs) and run.lrs[-1] <= 0.05 * run.lrs.max():
            # a decayed schedule halts a ball anywhere: do not call that a flat spot
            sentence = (f"came to a halt {distances[k]:.3g} from the nearest minimum because the schedule's "
                        f"learning rate ran down to {run.lrs[-1]:.2g}, not because the ground is flat.")
    else:
        status = ROLLING
        sentence = (f"is still rolling: {distances[k]:.3g} away from the nearest minimum. "
                    "More steps or a bigger learning rate would take it further.")
    return Outcome(status, float(run.losses[-1]), (float(end[0]), float(end[1])), nearest,
                   float(distances[k]), sentence)
