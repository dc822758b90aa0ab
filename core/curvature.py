"""Curvature: the Hessian of a surface, its eigenvalues, and why a learning rate is "too big".

For plain gradient descent near a minimum, each step multiplies the distance along an
eigenvector by (1 − lr·λ). That shrinks only while |1 − lr·λ| < 1, i.e. lr < 2/λ_max:
past this stability limit the ball overshoots further every step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .surfaces import Point, Surface
from .wording import number, ratio as times


@dataclass(frozen=True, eq=False)
class Curvature:
    """hessian: (2, 2); eigenvalues: ascending, NaN where the surface has a kink."""

    point: Point
    hessian: np.ndarray
    eigenvalues: np.ndarray

    @property
    def defined(self) -> bool:
        return bool(np.isfinite(self.hessian).all())

    @property
    def stability_limit(self) -> float | None:
        """2/λ_max for plain gradient descent; None where nothing curves upward (or at a kink)."""
        if not self.defined or self.eigenvalues[-1] <= 0:
            return None
        return 2.0 / float(self.eigenvalues[-1])


def curvature_at(surface: Surface, point: Point) -> Curvature:
    """The Hessian of `surface` at `point` by torch.autograd.functional.hessian, and its eigenvalues."""
    at = torch.tensor(point, dtype=torch.float64)
    hessian = torch.autograd.functional.hessian(surface, at).numpy()
    if np.isfinite(hessian).all():
        eigenvalues = np.linalg.eigvalsh((hessian + hessian.T) / 2)
    else:
        eigenvalues = np.full(2, math.nan)
    return Curvature((float(point[0]), float(point[1])), hessian, eigenvalues)


def nearest_minimum(surface: Surface, point: Point) -> Point:
    """The global minimum of `surface` closest to `point`."""
    minima = np.array(surface.minima)
    k = int(np.argmin(np.hypot(*(minima - np.asarray(point)).T)))
    return (float(minima[k, 0]), float(minima[k, 1]))


def stability_sentence(lr: float, limit: float | None, no_minimum: str = "") -> str:
    """One sentence on where `lr` stands against the plain-GD stability limit (no_minimum: why the
    window has no minimum, for a typed formula without one)."""
    if no_minimum:
        return (f"This window has no minimum ({no_minimum}), so there is no valley floor whose curvature "
                "sets a stability limit.")
    if limit is None:
        return ("Near this minimum the surface has no single curvature (a sharp tip), "
                "so there is no clean stability limit: any stride eventually overshoots the point.")
    ratio = lr / limit
    said = f"Your learning rate is {times(ratio)} the stability limit 2/λmax = {number(limit)}"
    if ratio < 0.5:
        return f"{said}: plain gradient descent creeps smoothly into the valley."
    if ratio < 1:
        return f"{said}: plain gradient descent overshoots and zig-zags, but each bounce is smaller."
    if ratio == 1:
        return (f"Your learning rate sits exactly on the stability limit 2/λmax = {number(limit)}: near the "
                "minimum plain gradient descent's bounces neither grow nor shrink, so it never settles.")
    return (f"{said}: plain gradient descent cannot settle at this minimum, because near it every bounce "
            "would grow.")
