"""Basins of attraction: run a ball from every point of a grid and name the valley it ends in.

All starts roll at once as one (N, 2) torch.optim parameter (core.batch). Where a ball ends is
decided from its last position: beside a known global minimum, on another flat spot (a local
minimum or a saddle, grouped by place), flown off the mountain, or still rolling.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .batch import Progress, descend_batch
from .descent import gradients_at
from .errors import LossMountainError
from .grid import DEFAULT_RESOLUTION
from .status import ESCAPE_FACTOR
from .surfaces import Point, Surface

STILL_ROLLING, DIVERGED, UNDEFINED = -1, -2, -3
MIN_RESOLUTION, MAX_RESOLUTION = 10, 400
# other flat spots are grouped by place; the rarest beyond this many share one class
MAX_FLAT_SPOTS = 200
# "beside a minimum": within this fraction of the map's diagonal
NEAR = 0.01
# "stopped at a flat spot": a Newton step from there is shorter than this fraction of the diagonal
FLAT = 1e-3


@dataclass(frozen=True)
class Ends:
    """Where many balls ended. labels: (N,) an index into names/places, or STILL_ROLLING, DIVERGED,
    UNDEFINED (no loss at the start). places: each class's point (a minimum, or the middle of a
    group of flat spots); known: whether it is one of the surface's global minima."""

    labels: np.ndarray
    names: tuple[str, ...]
    places: tuple[Point, ...]
    known: tuple[bool, ...]


def classify_ends(surface: Surface, positions: np.ndarray, losses: np.ndarray, diverged_at: np.ndarray) -> Ends:
    """Name where each ball of a batch (positions (T + 1, N, 2), losses (T + 1, N), as from
    core.batch.descend_batch, with or without the whole path) ended."""
    (x0, x1), (y0, y1) = surface.bounds
    scale = math.hypot(x1 - x0, y1 - y0)
    n = positions.shape[1]
    undefined = ~np.isfinite(losses[0])
    gap0 = np.where(undefined, 1.0, losses[0] - surface.min_value)
    # the last finite place: the step before a ball diverged (a path kept without its middle,
    # path=False in core.batch, has two rows: the start and that place)
    final = positions.shape[0] - 1
    last = np.minimum(np.where(diverged_at >= 0, np.maximum(diverged_at - 1, 0), final), final)
    end = positions[last, np.arange(n)]
    end_loss = losses[last, np.arange(n)]
    flown = (diverged_at >= 0) | (end_loss - surface.min_value > ESCAPE_FACTOR * np.maximum(gap0, 1e-12))
    labels = np.full(n, STILL_ROLLING)
    minima = np.array(surface.minima)
    distance = np.hypot(*(end[:, None, :] - minima[None]).transpose(2, 0, 1))
    nearest = distance.argmin(axis=1)
    beside = distance[np.arange(n), nearest] <= NEAR * scale
    labels[beside] = nearest[beside]
    names = [f"{surface.minima_label} {_place(x, y, scale)}" for x, y in surface.minima]
    places = [(float(x), float(y)) for x, y in surface.minima]
    known = [True] * len(places)
    # the rest: stopped at a stationary point if a Newton step from where it is would be tiny
    rest = np.flatnonzero(~beside & ~flown & ~undefined)
    if len(rest):
        distance, convex = _newton_distance(surface, end[rest], 1e-4 * scale)
        stopped = distance <= FLAT * scale
        flat, convex = rest[stopped], convex[stopped]
        spots = _group(end[flat], NEAR * scale)
        for members in spots[:MAX_FLAT_SPOTS]:
            labels[flat[members]] = len(places)
            x, y = end[flat[members]].mean(axis=0)
            kind = "local minimum" if convex[members].mean() > 0.5 else "saddle point"
            names.append(f"{kind} {_place(x, y, scale)}")
            places.append((float(x), float(y)))
            known.append(False)
        if len(spots) > MAX_FLAT_SPOTS:
            others = np.concatenate(spots[MAX_FLAT_SPOTS:])
            labels[flat[others]] = len(places)
            names.append(f"{len(spots) - MAX_FLAT_SPOTS} other flat spots")
            places.append((float("nan"), float("nan")))
            known.append(False)
    labels[flown] = DIVERGED
    labels[undefined] = UNDEFINED
    return Ends(labels, tuple(names), tuple(places), tuple(known))


def _place(x: float, y: float, scale: float) -> str:
    """(x, y) to three digits, with rounding noise around 0 shown as 0."""
    return "(" + ", ".join(f"{0.0 if abs(v) < 1e-9 * scale else v:.3g}" for v in (x, y)) + ")"


def _newton_distance(surface: Surface, points: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """|H⁻¹ ∇f| at each point (with |eigenvalues|, so saddles count too): how far the nearest
    stationary point is; and whether the curvature is positive both ways (a minimum, not a
    saddle). The Hessian comes from central differences of autograd gradients."""
    gradient = gradients_at(surface, points)
    columns = [(gradients_at(surface, points + h * e) - gradients_at(surface, points - h * e)) / (2 * h)
               for e in np.eye(2)]
    hessian = np.stack(columns, axis=2)
    hessian = (hessian + hessian.transpose(0, 2, 1)) / 2
    with np.errstate(all="ignore"):
        values, vectors = np.linalg.eigh(np.nan_to_num(hessian))
        along = np.einsum("nij,ni->nj", vectors, gradient) / np.abs(values)
        distance = np.hypot(*along.T)
    return np.where(np.isfinite(distance), distance, np.inf), (values > 0).all(axis=1)


def _group(points: np.ndarray, radius: float) -> list[np.ndarray]:
    """Indices of `points` grouped by place (each within `radius` of its group's first), biggest first."""
    left = np.arange(len(points))
    groups = []
    while len(left):
        close = np.hypot(*(points[left] - points[left[0]]).T) <= radius
        groups.append(left[close])
        left = left[~close]
    return sorted(groups, key=len, reverse=True)


@dataclass(frozen=True, eq=False)
class Basins:
    """xs (R,), ys (R,): the grid of starts; ends.labels is (R * R,) in row-major order (row = y).
    nearest: (R, R) the index of the global minimum closest to each start."""

    surface: str
    optimizer: str
    lr: float
    steps: int
    zero_grad: bool
    xs: np.ndarray
    ys: np.ndarray
    ends: Ends
    nearest: np.ndarray

    @property
    def labels(self) -> np.ndarray:
        """(R, R): which class each start ends in (row = y, as Plotly expects)."""
        return self.ends.labels.reshape(len(self.ys), len(self.xs))

    def share(self, label: int) -> float:
        """The fraction of all starts that end in class `label`."""
        return float(np.mean(self.ends.labels == label))

    @property
    def far_valley_share(self) -> float:
        """Of the starts that end in a global minimum, the fraction that end in one that is not
        the closest to where they started: they jumped over the nearest valley."""
        labels = self.labels
        in_known = (labels >= 0) & (labels < sum(self.ends.known))  # the minima come first
        if not in_known.any():
            return 0.0
        return float(np.mean(labels[in_known] != self.nearest[in_known]))


def basins(
    surface: Surface, optimizer: str, lr: float, steps: int, resolution: int = DEFAULT_RESOLUTION,
    zero_grad: bool = True, *, hyperparameters: Mapping[str, Any] | None = None,
    schedule: str = "constant", clip_norm: float | None = None, device: str | torch.device = "cpu",
    progress: Progress | None = None,
) -> Basins:
    """Start a ball at every point of a resolution × resolution grid over the surface's bounds
    (the same grid core.grid draws) and classify where each one ends; returns Basins."""
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not (
            MIN_RESOLUTION <= resolution <= MAX_RESOLUTION):
        raise LossMountainError(f"the basin grid must be {MIN_RESOLUTION} to {MAX_RESOLUTION} points a side, "
                                f"got {resolution!r}")
    (x0, x1), (y0, y1) = surface.bounds
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    starts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    batch = descend_batch(surface, optimizer, lr, starts, steps, zero_grad, hyperparameters=hyperparameters,
                          schedule=schedule, clip_norm=clip_norm, device=device, progress=progress, path=False)
    minima = np.array(surface.minima)
    nearest = np.hypot(*(starts[:, None, :] - minima[None]).transpose(2, 0, 1)).argmin(axis=1)
    return Basins(surface.name, batch.optimizer, batch.lr, steps, zero_grad, xs, ys,
                  classify_ends(surface, batch.positions, batch.losses, batch.diverged_at),
                  nearest.reshape(resolution, resolution))
