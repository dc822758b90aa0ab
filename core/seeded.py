"""Mountains from a number: a gentle bowl with a few wells dug into it, the same for everyone who
types the same number (a class can compare scores on mountain #7). Built as a typed formula
(core.custom), so it is parsed, checked and searched for its lowest point like any other."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .custom import formula_surface
from .errors import LossMountainError
from .surfaces import Point, Surface

MAX_SEED = 9999
WELLS = 4


def _minus(centre: float) -> str:
    """"- 1.93" or "+ 1.92": the formula reads as typed by hand."""
    return f"- {centre:.2f}" if centre >= 0 else f"+ {-centre:.2f}"


def seeded_formula(seed: int) -> str:
    """The formula of mountain #seed: 0.04·(x² + y²) minus WELLS Gaussian wells of random depth,
    width and place (numpy's seeded generator, so every machine draws the same)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise LossMountainError(f"a mountain's number is a whole number from 0 to {MAX_SEED}, got {seed!r}")
    rng = np.random.default_rng(seed)
    terms = ["0.04*(x**2 + y**2)"]
    for _ in range(WELLS):
        depth, width = rng.uniform(1.0, 3.0), rng.uniform(0.8, 2.5)
        cx, cy = rng.uniform(-3.5, 3.5, size=2)
        terms.append(f"{depth:.2f}*exp(-((x {_minus(cx)})**2 + (y {_minus(cy)})**2)/{width:.2f})")
    return " - ".join(terms)


def seeded_start(seed: int, surface: Surface) -> Point:
    """A start on mountain #seed at least half the window away from its lowest point."""
    rng = np.random.default_rng(seed + 1_000_003)
    (x0, x1), (y0, y1) = surface.bounds
    low = np.array(surface.minima[0])
    for _ in range(100):
        start = rng.uniform([x0 + 0.5, y0 + 0.5], [x1 - 0.5, y1 - 0.5])
        if np.hypot(*(start - low)) >= 0.5 * (x1 - x0):
            break
    return round(float(start[0]), 2), round(float(start[1]), 2)


def seeded_mountain(seed: int) -> Surface:
    """Mountain #seed over −5 … 5 both ways, its lowest point found on a fine grid (the cabin)."""
    surface = formula_surface(seeded_formula(seed))
    made = replace(surface, name=f"seeded-{seed}", title=f"Mountain #{seed}",
                   blurb=f"Mountain #{seed}: a bowl with {WELLS} wells; the deepest holds the cabin.")
    return replace(made, start=seeded_start(seed, made))
