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


def surface_grid(surface: Surface, resolution: int = DEFAULT_RESOLUTION) -> Grid:
    """Evaluate `surface` on a resolution × resolution grid over its bounds in one tensor op."""
    (x0, x1), (y0, y1) = surface.bounds
    xs = torch.linspace(x0, x1, resolution, dtype=torch.float64)
    ys = torch.linspace(y0, y1, resolution, dtype=torch.float64)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    with torch.no_grad():
        loss = surface(torch.stack((gx, gy), dim=-1))
        height = surface.display_height(loss)
    nan = torch.tensor(float("nan"), dtype=torch.float64)
    return Grid(
        xs=xs.numpy(),
        ys=ys.numpy(),
        loss=torch.where(torch.isfinite(loss), loss, nan).numpy(),
        height=torch.where(torch.isfinite(height), height, nan).numpy(),
    )
