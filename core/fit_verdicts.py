"""What a fit on the page "Fit real data" did, in sentences computed from the fit itself.

The mean squared error of a line or a quadratic is exactly quadratic in the coefficients, with the
Hessian H = 2/n · XᵀX: its eigenvalues say how stretched the ravine is, and its stiffest
direction is the one a zig-zagging ball keeps crossing. Causes come from counterfactual fits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .data_fit import Data, Fit, features, fit
from .status import ESCAPE_FACTOR
from .wording import number, ratio, steps as count_steps

# a ravine is this many times steeper across than along, or more
RAVINE = 10.0


@dataclass(frozen=True)
class Shape:
    """The MSE mountain's shape: stretch = λmax / λmin, across = the stiffest direction (k,),
    limit = plain gradient descent's stability limit 2/λmax."""

    stretch: float
    across: np.ndarray
    limit: float


def shape(data: Data, model: str, centre: bool) -> Shape:
    """The Hessian of the mean squared error over the coefficients, read as a shape."""
    x = torch.tensor(data.x)
    inputs = features(x, model, float(x.mean()) if centre else 0.0)
    hessian = (2 / len(x) * inputs.T @ inputs).numpy()
    values, vectors = np.linalg.eigh(hessian)
    return Shape(float(values[-1] / max(values[0], 1e-300)), vectors[:, -1], float(2 / values[-1]))


# a turn counts as seen when both its steps cross at least this share of the path's reach
VISIBLE = 0.02


def crossings(result: Fit, across: np.ndarray) -> int:
    """How many times the path visibly turned back across the stiffest direction (a zig-zag a
    viewer can see on the map: both steps of the turn at least VISIBLE of the path's reach)."""
    along = np.diff(result.coefficients, axis=0) @ across
    reach = float(np.max(np.linalg.norm(result.coefficients - result.coefficients[0], axis=1)))
    big = np.abs(along) >= VISIBLE * reach
    return int(np.sum((along[1:] * along[:-1] < 0) & big[1:] & big[:-1]))


def ravine_sentence(data: Data, result: Fit, model: str, centre: bool) -> str:
    """Why a line fitted to data far from x = 0 is a ravine, and whether this path zig-zags in it."""
    found, centred = shape(data, model, centre), shape(data, model, True)
    if centre or found.stretch < RAVINE:
        return (f"The mountain is {ratio(found.stretch)} steeper one way than the other: close to a round "
                "bowl, so the ball heads almost straight for the best fit.")
    turns = crossings(result, found.across)
    said = (f"The data sits far from x = 0 (its mean x is {number(float(np.mean(data.x)))}), so slope and "
            f"intercept pull against each other: the mountain is a narrow ravine, {ratio(found.stretch)} "
            "steeper across than along. ")
    if turns >= 3:
        said += f"On the map, this ball zig-zags: it crosses the ravine's floor {turns} times. "
    else:
        said += ("At this learning rate no zig-zag shows on the map. Plain gradient descent overshoots the "
                 f"floor from lr "
                 f"{number(found.limit / 2)} on, half its stability limit 2/λmax = {number(found.limit)}. ")
    return said + (f"Switch on *Centre the data* and the ravine becomes a bowl only {ratio(centred.stretch)} "
                   "steeper one way than the other: that is why we normalise inputs.")


def flies_off(result: Fit) -> bool:
    """Overflowed, or its loss grew ESCAPE_FACTOR times past the start and is still rising
    (as core.status names a run "diverged")."""
    losses = result.losses
    return result.diverged_at is not None or bool(
        losses[-1] > ESCAPE_FACTOR * losses[0] and losses[-1] >= losses[-len(losses) // 4 - 1])


def trouble_sentence(data: Data, result: Fit, settings: dict) -> str:
    """For a fit that flew off: the cause, from the same fit with one thing changed."""
    if not flies_off(result):
        return ""
    said = (f"Diverged at step {result.diverged_at}: the coefficients overflowed. " if result.diverged_at
            else f"It flies off: its loss grew from {number(float(result.losses[0]))} to "
                 f"{number(float(result.losses[-1]))} and is still rising. ")
    if settings["mode"] == "forget":
        right = fit(data, **{**settings, "mode": "zero_grad"})
        if not flies_off(right):
            return said + ("The missing zero_grad() is the cause: with it, the same fit stays on the "
                           f"mountain and ends at loss {number(float(right.losses[-1]))}.")
    for factor in (0.5, 0.25, 0.125, 0.0625, 0.03125):
        slower = fit(data, **{**settings, "lr": settings["lr"] * factor})
        if not flies_off(slower):
            said += (f"The learning rate is too big for this mountain: at lr {number(settings['lr'] * factor)} "
                     f"the same fit stays on it and ends at loss {number(float(slower.losses[-1]))}.")
            break
    else:
        said += "Even 1/32 of this learning rate flies off."
    if settings["model"] == "line" and not settings["centre"]:
        centred = fit(data, **{**settings, "centre": True})
        if not flies_off(centred):
            said += " Centring the data would also keep it on the mountain at this learning rate."
    return said


def forgotten_sentence(data: Data, result: Fit, settings: dict) -> str:
    """Without zero_grad(): what the summed gradients did to this fit, against the same fit done right."""
    right = fit(data, **{**settings, "mode": "zero_grad"})
    rises = int(np.sum(np.diff(result.losses) > 0))
    said = ("Without zero_grad() each step uses the sum of all the gradients so far. "
            f"Here the loss went up on {rises} of its {count_steps(len(result.losses) - 1)}")
    if flies_off(result):
        return said + "."
    return said + (f" and ends at {number(float(result.losses[-1]))}; done right, the same fit ends at "
                   f"{number(float(right.losses[-1]))}.")
