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
    return (x0, x1), (y0, y1)


def _lowest_point(formula, bounds: tuple[Point, Point]) -> tuple[Point, float, np.ndarray]:
    xs, ys, loss = sample(formula, bounds, SEARCH_RESOLUTION)
    finite = torch.isfinite(loss)
    if not bool(finite.any()):
        raise LossMountainError("the formula has no finite value anywhere inside these bounds")
    masked = torch.where(finite, loss, torch.tensor(math.inf, dtype=torch.float64))
    i, j = divmod(int(torch.argmin(masked)), SEARCH_RESOLUTION)
    values = loss[finite].numpy()
    # linspace lands a hair off round numbers: (0.9999999999999998, …) is meant as (1, …)
    lowest = (round(float(xs[j]), 10), round(float(ys[i]), 10))
    return lowest, float(formula(torch.tensor(lowest, dtype=torch.float64))), values


def formula_surface(text: str, bounds=DEFAULT_BOUNDS) -> Surface:
    """A Surface for a typed formula; its marked minimum is the lowest point found on a fine grid."""
    formula = parse_formula(text)
    bounds = check_bounds(bounds)
    lowest, low, values = _lowest_point(formula, bounds)
    (x0, x1), (y0, y1) = bounds
    start = (round(x0 + 0.8 * (x1 - x0), 6), round(y0 + 0.8 * (y1 - y0), 6))
    if not math.isfinite(float(formula(torch.tensor(start, dtype=torch.float64)))):
        start = lowest
    spread = float(np.median(values)) - low
    # a few tall walls would flatten the rest: draw such surfaces log-compressed
    steep = spread > 0 and float(values.max()) - low > 50 * spread
    return Surface(
        name=SURFACE_NAME, title="Your formula", formula=formula.text, fn=formula, bounds=bounds,
        minima=(lowest,), start=start, lr=0.01, display="log1p" if steep else "linear",
        blurb="Your own mountain. The gold marker is the lowest point found on a grid over these bounds.",
        display_scale=max(spread, 1e-9), code=formula.code, minima_label="lowest point found",
    )
