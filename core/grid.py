"""The surface sampled on a regular grid, for drawing the mountain and the map."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .surfaces import Surface

DEFAULT_RESOLUTION = 101


@dataclass(frozen=True, eq=False)
class Grid:
    """xs: (nx,), ys: (ny,), loss and height: (ny, nx) (row = y, as Plotly expects).

    height is the drawn value (surface.display_height of the loss); non-finite values are NaN.
    """

    xs: np.ndarray
    ys: np.ndarray
    loss: np.ndarray
    height: np.ndarray


def sample(fn, bounds, resolution: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """xs (nx,), ys (ny,) and fn on their grid (ny, nx), in one tensor operation."""
    (x0, x1), (y0, y1) = bounds
    xs = torch.linspace(x0, x1, resolution, dtype=torch.float64)
    ys = torch.linspace(y0, y1, resolution, dtype=torch.float64)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    with torch.no_grad():
        return xs, ys, fn(torch.stack((gx, gy), dim=-1))


def surface_grid(surface: Surface, resolution: int = DEFAULT_RESOLUTION) -> Grid:
    """Evaluate `surface` on a resolution × resolution grid over its bounds."""
    xs, ys, loss = sample(surface, surface.bounds, resolution)
    height = surface.display_height(loss)
    nan = torch.tensor(float("nan"), dtype=torch.float64)
    if surface.no_minimum:
        # a pole's one deep value would flatten the picture: draw the bulk, cut the rest at its edges
        finite = height[torch.isfinite(height)]
        if finite.numel():
            low, high = torch.quantile(finite, 0.01), torch.quantile(finite, 0.99)
            margin = 0.1 * (high - low)
            height = height.clamp(low - margin, high + margin)
    return Grid(
        xs=xs.numpy(),
        ys=ys.numpy(),
        loss=torch.where(torch.isfinite(loss), loss, nan).numpy(),
        height=torch.where(torch.isfinite(height), height, nan).numpy(),
    )
