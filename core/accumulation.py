"""Gradients that pile up: what p.grad holds when zero_grad() is skipped, and what that does.

Without zero_grad(), every loss.backward() adds the fresh gradient ∇f at the ball to p.grad, so
after k steps p.grad is the sum of the k + 1 compass arrows felt so far (unless clipping rescales
it). The lesson this app grew from says such a ball "tries to go north and south at once — you'll
just get stuck". Whether that happens is a fact of each run, measured here, not a slogan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .descent import Run, gradients_at
from .surfaces import Surface
from .verdict import Verdict
from .wording import number, point, steps as count_steps


@dataclass(frozen=True)
class Pile:
    """One run's gradients. fresh: ∇f at every position of the path (n + 1, 2). against: the
    share of steps whose p.grad was shorter than the fresh gradient (the old arrows pulled
    against the new one). held_end, fresh_end: |p.grad| and |∇f| at the last step."""

    fresh: np.ndarray
    against: float
    held_end: float
    fresh_end: float


def pile(surface: Surface, run: Run) -> Pile:
    """What p.grad held along `run` against the fresh gradient at each step."""
    fresh = gradients_at(surface, run.positions)
    held = np.hypot(*run.grads.T) if len(run.grads) else np.zeros(0)
    felt = np.hypot(*fresh[:len(held)].T)
    with np.errstate(invalid="ignore"):
        against = float(np.mean(held < felt)) if len(held) else 0.0
    return Pile(fresh, against, float(held[-1]) if len(held) else 0.0, float(felt[-1]) if len(felt) else 0.0)


def north_and_south(surface: Surface, run: Run, result: Verdict, found: Pile) -> str:
    """Does a ball without zero_grad() get stuck, pulled two ways at once? This run's answer."""
    if run.zero_grad:
        return "It calls zero_grad(), so p.grad only ever holds the fresh gradient."
    pulled = (f"on {round(100 * found.against)}% of its steps the old arrows pulled against the new one, "
              "so p.grad was shorter than the slope underfoot")
    if result.status == "stuck":
        return (f"Yes: it stopped at {point(result.end)}, where the summed arrows balance; {pulled}.")
    if result.status == "bouncing":
        return (f"No: the summed compass keeps swinging it through the valley instead — {pulled}, "
                "but they never cancel for good.")
    if result.status in ("diverged", "off_domain"):
        return ("No: the old arrows add up instead of cancelling, and throw it off the mountain"
                + (f" at step {run.diverged_at}." if run.diverged_at is not None else "."))
    if result.status == "converged":
        return (f"No: it still settles, at {point(result.end)} after {count_steps(result.converged_at or 0)}, "
                f"although {pulled}.")
    return (f"No: it keeps moving (|p.grad| is {number(found.held_end)} against a fresh slope of "
            f"{number(found.fresh_end)}); {pulled}.")
