"""A swarm on the mountain, on the map and on the loss chart, plus the frames a viewer animates.

Each ball is coloured by where it ends (the basins' colours). The mountain and the map hold one
trace of all the balls with meta {"role": "swarm"}; `swarm_frames` gives every ball's place at
every shown step, so a viewer can roll them without the server.
"""

from __future__ import annotations

import numpy as np
import torch

from .basin_figures import class_colors
from .figures import LOSS_FLOOR, FONT, loss_figure, map_figure, mountain_figure
from .looks import STANDARD, Look
from .grid import Grid
from .optimizers import get_optimizer
from .surfaces import Surface
from .swarm import Swarm

# a swarm's frames hold at most this many ball positions; longer runs show every k-th step
MAX_FRAME_VALUES = 300_000
SAMPLED_LINES = 40


def ball_colors(swarm: Swarm) -> list[str]:
    """Each ball's colour: that of where it ends."""
    colors = class_colors(swarm.ends)
    return [colors[int(label)] for label in swarm.ends.labels]


def _pinned(swarm: Swarm, surface: Surface) -> np.ndarray:
    """(steps + 1, N, 2) positions where a diverged ball waits at its last place on the map."""
    positions = swarm.positions.copy()
    for k in np.flatnonzero(swarm.diverged_at > 0):
        positions[swarm.diverged_at[k]:, k] = positions[swarm.diverged_at[k] - 1, k]
    (x0, x1), (y0, y1) = surface.bounds
    return np.stack((np.clip(positions[..., 0], x0, x1), np.clip(positions[..., 1], y0, y1)), axis=-1)


BALL_LIFT = 0.045  # of the mountain's height


def _heights(surface: Surface, grid: Grid, points: np.ndarray) -> np.ndarray:
    lo, hi = float(np.nanmin(grid.height)), float(np.nanmax(grid.height))
    with torch.no_grad():
        losses = surface(torch.as_tensor(points, dtype=torch.float64)).numpy()
    # clearly above the minima's markers (lifted 0.012 of the height), so balls that arrive stay in sight
    drawn = np.minimum(surface.display_height(losses), hi) + BALL_LIFT * (hi - lo)
    return np.where(np.isfinite(drawn), drawn, hi)


def swarm_frames(swarm: Swarm, surface: Surface, grid: Grid, max_values: int = MAX_FRAME_VALUES) -> dict:
    """The balls' x, y and drawn height (float32 arrays, frames × balls) at every `stride`-th step."""
    balls = swarm.positions.shape[1]
    stride = max(1, int(np.ceil((swarm.steps + 1) * balls / max_values)))
    shown = np.arange(0, swarm.steps + 1, stride)
    if shown[-1] != swarm.steps:
        shown = np.append(shown, swarm.steps)
    xy = _pinned(swarm, surface)[shown]
    z = _heights(surface, grid, xy)
    return {"x": xy[..., 0].astype(np.float32), "y": xy[..., 1].astype(np.float32), "z": z.astype(np.float32),
            "steps": shown.astype(np.int32), "colors": ball_colors(swarm)}


def swarm_mountain_figure(swarm: Swarm, surface: Surface, grid: Grid, look: Look = STANDARD) -> dict:
    """The mountain with every ball where it ends (drawn above the minima's markers)."""
    figure = mountain_figure(surface, (), grid, look=look)
    for trace in figure["data"]:
        if trace.get("name") == surface.minima_label:
            trace["marker"] = {**trace["marker"], "size": 4}  # the diamonds shrink under the balls on them
    end = _pinned(swarm, surface)[-1]
    figure["data"].append(dict(
        type="scatter3d", x=end[:, 0], y=end[:, 1], z=_heights(surface, grid, end), mode="markers",
        marker=dict(size=5.5, color=ball_colors(swarm), line=dict(color="#222", width=0.5)),
        name=f"{len(end)} balls ({get_optimizer(swarm.optimizer).label})", hoverinfo="skip",
        meta=dict(role="swarm"),
    ))
    return figure


def swarm_map_figure(swarm: Swarm, surface: Surface, grid: Grid, look: Look = STANDARD) -> dict:
    """The map with every ball where it ends (a viewer draws the rolling balls over it)."""
    figure = map_figure(surface, (), grid, look=look)
    end = _pinned(swarm, surface)[-1]
    figure["data"].append(dict(
        type="scattergl", x=end[:, 0], y=end[:, 1], mode="markers", hoverinfo="skip", name="balls",
        marker=dict(size=6, color=ball_colors(swarm), line=dict(color="#222", width=0.5)),
        meta=dict(role="swarm"),
    ))
    return figure


def swarm_loss_figure(swarm: Swarm, surface: Surface) -> dict:
    """The swarm's loss per step: the middle half and the middle 80 % of the balls as bands, the
    median as a line, and a few single balls in the colour of where they end."""
    figure = loss_figure(surface, ())
    gaps = np.maximum(swarm.losses - surface.min_value, LOSS_FLOOR)
    steps = np.arange(len(gaps))
    alive = np.isfinite(gaps).any(axis=1)
    with np.errstate(all="ignore"):
        bands = np.nanpercentile(np.where(alive[:, None], gaps, 1.0), [10, 25, 50, 75, 90], axis=1)
    color = get_optimizer(swarm.optimizer).color
    colors = ball_colors(swarm)
    traces = figure["data"]

    def add(**trace) -> None:
        traces.append(dict(type="scatter", x=steps, mode="lines", **trace))

    for k in np.linspace(0, gaps.shape[1] - 1, min(SAMPLED_LINES, gaps.shape[1])).astype(int):
        add(y=gaps[:, k], line=dict(color=colors[k], width=0.8), opacity=0.55, showlegend=False, hoverinfo="skip")
    for (low, high), opacity, name in (((0, 4), 0.15, "middle 80% of balls"), ((1, 3), 0.3, "middle half")):
        add(y=bands[high], line=dict(width=0), showlegend=False, hoverinfo="skip")
        add(y=bands[low], line=dict(width=0), fill="tonexty", fillcolor=_rgba(color, opacity), name=name,
            hoverinfo="skip")
    add(y=bands[2], line=dict(color=color, width=2.5), name="median ball",
        hovertemplate="step %{x}<br>median loss gap %{y:.4g}<extra></extra>")
    on_mountain = np.isfinite(swarm.losses).mean(axis=1)
    add(y=on_mountain, xaxis="x2", yaxis="y2", line=dict(color=color, width=2), showlegend=False,
        hovertemplate="step %{x}<br>%{y:.0%} of the balls still on the mountain<extra></extra>")
    layout = figure["layout"]
    layout["font"] = FONT
    layout["yaxis2"].update(title=dict(text="still on"), type="linear", range=[0, 1.05], tickformat=".0%")
    for name in ("xaxis", "xaxis2"):
        layout[name]["range"] = [0, swarm.steps]
    finite = gaps[np.isfinite(gaps)]
    if finite.size:
        # a ball leaping away would stretch the axis to 1e100: stop a thousand times above the starts
        top = min(float(finite.max()), 1e3 * float(np.nanmax(gaps[0])))
        layout["yaxis"]["range"] = [float(np.log10(max(finite.min(), LOSS_FLOOR))) - 0.3, float(np.log10(top)) + 0.3]
    return figure


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"

