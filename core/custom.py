"""A surface from a typed formula, over bounds the user chooses."""

from __future__ import annotations

import math

import numpy as np
import torch

from .errors import LossMountainError
from .formula import parse_formula
from .grid import sample
from .surfaces import Point, Surface

DEFAULT_BOUNDS: tuple[Point, Point] = ((-5.0, 5.0), (-5.0, 5.0))
LARGEST_BOUND = 1e6
NARROWEST = 1e-6
SEARCH_RESOLUTION = 201
SURFACE_NAME = "custom"


def check_bounds(bounds) -> tuple[Point, Point]:
    """((x_min, x_max), (y_min, y_max)) as floats, each range finite, non-empty and not huge."""
    try:
        (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in bounds)
    except (TypeError, ValueError):
        raise LossMountainError("bounds must be four numbers: x_min x_max y_min y_max") from None
    for name, low, high in (("x", x0, x1), ("y", y0, y1)):
        if not (math.isfinite(low) and math.isfinite(high)) or max(abs(low), abs(high)) > LARGEST_BOUND:
            raise LossMountainError(f"the {name} bounds must be numbers between -1e6 and 1e6")
        if not low < high:
            raise LossMountainError(f"the {name} range must go from a smaller to a larger number, "
                                    f"got {low:g} to {high:g}")
        # narrower, and a start's digits (or float64 itself) could not tell its points apart
        if high - low < NARROWEST * max(1.0, abs(low), abs(high)):
            raise LossMountainError(f"the {name} range must be at least {NARROWEST:g} wide "
                                    f"(times its largest bound, if that is over 1), got {low:g} to {high:g}")
    return (x0, x1), (y0, y1)


def _lowest_point(formula, bounds: tuple[Point, Point]) -> tuple[Point, float, np.ndarray, str]:
    """The lowest point on a fine grid, its loss, the finite values, and why it is not a minimum
    ("" when it is one: inside the window, finite all around, and flat enough there)."""
    xs, ys, loss = sample(formula, bounds, SEARCH_RESOLUTION)
    finite = torch.isfinite(loss)
    if not bool(finite.any()):
        raise LossMountainError("the formula has no finite value anywhere inside these bounds")
    masked = torch.where(finite, loss, torch.tensor(math.inf, dtype=torch.float64))
    lowest_value = float(masked.min())
    # a flat floor is lowest in many places: take the one nearest the middle of the window
    ties = torch.nonzero(masked <= lowest_value + 1e-12 * (1 + abs(lowest_value)))
    middle = (SEARCH_RESOLUTION - 1) / 2
    i, j = (int(v) for v in ties[torch.argmin(((ties - middle) ** 2).sum(dim=1))])
    found = (float(xs[j]), float(ys[i]))
    # linspace lands a hair off round numbers: (0.9999999999999998, …) is meant as (1, …)
    rounded = (round(found[0], 10), round(found[1], 10))
    low = float(formula(torch.tensor(rounded, dtype=torch.float64)))
    lowest = rounded if math.isfinite(low) and low <= float(loss[i, j]) + 1e-9 * (1 + abs(low)) else found
    return lowest, float(formula(torch.tensor(lowest, dtype=torch.float64))), loss[finite].numpy(), \
        _why_no_minimum(formula, loss, i, j, float(xs[1] - xs[0]), lowest)


def _why_no_minimum(formula, loss: torch.Tensor, i: int, j: int, spacing: float, lowest: Point) -> str:
    last = loss.shape[0] - 1
    if i in (0, last) or j in (0, last):
        return "the loss keeps falling towards the edge of the window"
    around = loss[i - 1:i + 2, j - 1:j + 2]
    if not bool(torch.isfinite(around).all()):
        return "the loss falls without bound towards a place where the formula is undefined or infinite"
    point = torch.tensor(lowest, dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(formula(point), point)
    rise = float(around.max() - around[1, 1])
    # at a smooth minimum found to within half a cell, the slope times a cell is about the rise
    if not bool(torch.isfinite(slope).all()) or float(slope.norm()) * spacing > 4 * rise + 1e-12:
        return "the loss falls without bound towards a point where the formula blows up"
    return ""


def _default_lr(formula, lowest: Point, start: Point, no_minimum: str, diagonal: float) -> float:
    """A stride that shows motion at once: 0.4 of plain SGD's stability limit 2/λmax at the
    minimum (as the built-in mountains have); without a minimum, a first step of 2% of the map."""
    if not no_minimum:
        hessian = torch.autograd.functional.hessian(formula, torch.tensor(lowest, dtype=torch.float64))
        if bool(torch.isfinite(hessian).all()):
            top = float(torch.linalg.eigvalsh((hessian + hessian.T) / 2)[-1])
            if top > 0:
                return min(max(0.4 * 2 / top, 1e-5), 10.0)
    at = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(formula(at), at)
    norm = float(slope.norm())
    return min(max(0.02 * diagonal / norm, 1e-5), 10.0) if math.isfinite(norm) and norm > 0 else 0.01


def formula_surface(text: str, bounds=DEFAULT_BOUNDS) -> Surface:
    """A Surface for a typed formula; its marked minimum is the lowest point found on a fine grid
    (no_minimum says why that is not a minimum, when it is not)."""
    formula = parse_formula(text)
    bounds = check_bounds(bounds)
    lowest, low, values, no_minimum = _lowest_point(formula, bounds)
    (x0, x1), (y0, y1) = bounds
    start = (round(x0 + 0.8 * (x1 - x0), 6), round(y0 + 0.8 * (y1 - y0), 6))
    if not math.isfinite(float(formula(torch.tensor(start, dtype=torch.float64)))):
        start = lowest
    # a pole's single deep value would flatten the picture: read the spread from the bulk
    floor = float(np.percentile(values, 1)) if no_minimum else low
    spread = float(np.median(values)) - floor
    # a few tall walls would flatten the rest: draw such surfaces log-compressed
    steep = not no_minimum and spread > 0 and float(values.max()) - low > 50 * spread
    blurb = "Your own mountain. The gold marker is the lowest point found on a grid over these bounds."
    if no_minimum:
        blurb += f" There is no minimum inside these bounds: {no_minimum}."
    return Surface(
        name=SURFACE_NAME, title="Your formula", formula=formula.text, fn=formula, bounds=bounds,
        minima=(lowest,), start=start,
        lr=_default_lr(formula, lowest, start, no_minimum, math.hypot(x1 - x0, y1 - y0)),
        display="log1p" if steep else "linear", blurb=blurb, display_scale=max(spread, 1e-9),
        code=formula.code, minima_label="lowest point found", no_minimum=no_minimum,
    )
