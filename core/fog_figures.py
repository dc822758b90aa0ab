"""The walk in the fog as figures: only the ground the walker has stood near is drawn.

A fogged figure carries no surface value outside the uncovered ground (core.fog.uncovered): the
3-D view is a mesh of the uncovered grid points only, its colours fading into the fog; the map
is a picture (a PNG, fog-coloured where hidden) with contour lines only where uncovered; the z
range is that of the uncovered ground; the minima (the cabin) show only once uncovered. Lifted,
the whole mountain is drawn with the walk on it. Pure functions returning plain dicts, like
core.figures.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .figures import (COMPASS_COLOR, MINIMUM_COLOR, START_COLOR, arrow_2d, arrow_3d, framed, loss_ticks,
                      terrain_3d, terrain_map)
from .fog import Walk, uncovered
from .grid import Grid
from .looks import STANDARD, Look
from .steps import compass_end
from .surfaces import Surface

FOG_COLOR = (221, 225, 231)  # the fog: a pale grey, darker than the lightest valley
WALK_COLOR = "#d9480f"  # the walker's path and ball, and the step about to be taken
STEP_COLOR = WALK_COLOR


def _rgb(color: str) -> np.ndarray:
    color = color.lstrip("#")
    return np.array([int(color[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


def terrain_colors(look: Look, values: np.ndarray) -> np.ndarray:
    """The look's colourscale at values in [0, 1], as (..., 3) RGB in 0–255 (linear between stops)."""
    stops = np.array([at for at, _ in look.terrain])
    colors = np.array([_rgb(color) for _, color in look.terrain])
    values = np.clip(np.nan_to_num(values, nan=0.0), 0.0, 1.0)
    return np.stack([np.interp(values, stops, colors[:, c]) for c in range(3)], axis=-1)


def _scaled(height: np.ndarray, low: float, high: float) -> np.ndarray:
    return (height - low) / (high - low) if high > low else np.zeros_like(height)


def _png(rgb: np.ndarray) -> str:
    """(h, w, 3) uint8 RGB as a PNG data URI (row 0 is the PNG's first row)."""
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buffer, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@dataclass(frozen=True, eq=False)
class Ground:
    """What the fog lets show of a mountain's grid, for both views: shown (ny, nx), how clearly each
    point shows (0 hidden … 1); low, high: the height range of the ground shown; cabins (m, 2): the
    minima on it; lifted: the fog is lifted (everything shows)."""

    shown: np.ndarray
    low: float
    high: float
    cabins: np.ndarray
    lifted: bool


def fog_ground(surface: Surface, grid: Grid, walk: Walk, radius: float, lifted: bool = False) -> Ground:
    """The ground the walk has uncovered within `radius` of where it stood (all of it once `lifted`)."""
    shown = np.ones_like(grid.height) if lifted else uncovered(grid.xs, grid.ys, walk.positions, radius)
    shown = np.where(np.isfinite(grid.height), shown, 0.0)
    seen = grid.height[shown > 0]
    low, high = (float(seen.min()), float(seen.max())) if seen.size else (0.0, 1.0)
    minima = np.array(surface.minima, dtype=np.float64).reshape(-1, 2)
    if not lifted:
        minima = minima[[uncovered(m[:1], m[1:], walk.positions, radius)[0, 0] > 0 for m in minima]]
    return Ground(shown, low, high if high > low else low + 1.0, minima, lifted)


def _compass_and_step(surface: Surface, walk: Walk, stride: float | None,
                      compass_scale: float | None = None) -> tuple[tuple, tuple, tuple | None]:
    """Where the walker stands, the compass's tip (core.steps.compass_end, or p.grad times
    `compass_scale`) and where one step at `stride` would land (against p.grad, at its true length)."""
    (x, y), (gx, gy) = walk.here, walk.compass
    landing = None if stride is None else (x - stride * gx, y - stride * gy)
    tip = compass_end(walk.here, walk.compass, surface) if compass_scale is None else (
        x + compass_scale * gx, y + compass_scale * gy)
    return (x, y), tip, landing


def fog_mountain_figure(surface: Surface, grid: Grid, walk: Walk, ground: Ground, stride: float | None,
                        look: Look = STANDARD) -> dict:
    """The 3-D view: the uncovered ground (all of it once lifted), the walk and the walker, the
    compass and the next step (none without a stride)."""
    shown, low, high, lifted = ground.shown, ground.low, ground.high, ground.lifted
    traces: list[dict] = []
    if lifted:
        traces.append(terrain_3d(surface, grid, look))
    elif (shown > 0).any():
        traces.append(_fog_mesh(grid, shown, low, high, look))
    heights = surface.display_height(walk.losses)
    lift = 0.02 * (high - low)
    xy = framed(walk.positions, surface)
    traces.append(dict(type="scatter3d", x=xy[:, 0], y=xy[:, 1], z=heights + lift, mode="lines+markers",
                       line=dict(color=WALK_COLOR, width=6), marker=dict(size=3, color=WALK_COLOR),
                       name="your walk", hovertemplate="step %{pointNumber}: loss %{customdata:.4g}<extra></extra>",
                       customdata=walk.losses, meta=dict(role="walk")))
    traces.append(dict(type="scatter3d", x=[xy[-1, 0]], y=[xy[-1, 1]], z=[heights[-1] + 2 * lift], mode="markers",
                       marker=dict(size=7, color=WALK_COLOR, line=dict(color="#111", width=2)), name="you",
                       hoverinfo="skip", meta=dict(role="walker")))
    traces += _minima_3d(surface, ground.cabins, lift)
    if not walk.flown_off:
        # flat, at the walker's height: the ground beyond the uncovered patch stays unknown
        here, tip, landing = _compass_and_step(surface, walk, stride)
        level = float(heights[-1])
        flat = lambda points: np.full(len(points), level)  # noqa: E731
        traces += arrow_3d(here, tip, COMPASS_COLOR, "compass: p.grad (uphill)", flat, lift)
        if stride is not None:
            traces += arrow_3d(here, landing, STEP_COLOR, "next step: −lr · p.grad", flat, lift)
    z_axis = dict(title=dict(text="loss"), range=[low - 0.05 * (high - low), high + 0.1 * (high - low)],
                  showticklabels=lifted)
    if lifted and surface.display == "log1p":
        z_axis.update(loss_ticks(surface, high))
    scene = dict(
        xaxis=dict(title=dict(text="x"), range=list(surface.bounds[0])),
        yaxis=dict(title=dict(text="y"), range=list(surface.bounds[1])),
        zaxis=z_axis,
        aspectmode="manual", aspectratio=dict(x=1, y=1, z=0.55), camera=dict(eye=dict(x=1.5, y=-1.5, z=1.1)),
        bgcolor="rgb({},{},{})".format(*FOG_COLOR) if not lifted else "white",
    )
    return dict(data=traces, layout=dict(font=look.font, margin=dict(l=0, r=0, t=0, b=0), showlegend=False,
                                         uirevision=surface.name, scene=scene, paper_bgcolor="white"))


def _fog_mesh(grid: Grid, shown: np.ndarray, low: float, high: float, look: Look) -> dict:
    """The uncovered grid points as a mesh: cells whose four corners are uncovered, each point's
    colour the terrain's, faded into the fog by how clearly it shows."""
    index = np.full(shown.shape, -1)
    visible = shown > 0
    index[visible] = np.arange(int(visible.sum()))
    gx, gy = np.meshgrid(grid.xs, grid.ys)
    corners = visible[:-1, :-1] & visible[1:, :-1] & visible[:-1, 1:] & visible[1:, 1:]
    rows, cols = np.nonzero(corners)
    a, b = index[rows, cols], index[rows, cols + 1]
    c, d = index[rows + 1, cols], index[rows + 1, cols + 1]
    colors = terrain_colors(look, _scaled(grid.height[visible], low, high))
    fade = shown[visible][:, None]
    blended = np.rint(fade * colors + (1 - fade) * np.array(FOG_COLOR)).astype(int)
    return dict(
        type="mesh3d", x=gx[visible], y=gy[visible], z=grid.height[visible].astype(np.float32),
        i=np.concatenate([a, b]), j=np.concatenate([b, d]), k=np.concatenate([c, c]),
        vertexcolor=[f"rgb({r},{g},{bl})" for r, g, bl in blended], flatshading=False,
        lighting=dict(ambient=0.8, diffuse=0.45, specular=0.05, roughness=0.9),
        hoverinfo="skip", name="the ground you have seen", meta=dict(role="fog_ground"),
    )


def _minima_3d(surface: Surface, seen: np.ndarray, lift: float) -> list[dict]:
    if not len(seen):
        return []
    z = surface.display_height(np.full(len(seen), surface.min_value)) + lift
    return [dict(type="scatter3d", x=seen[:, 0], y=seen[:, 1], z=z, mode="markers", name="the cabin",
                 marker=dict(symbol="diamond", size=6, color=MINIMUM_COLOR, line=dict(color="#5c4500", width=1)),
                 hovertemplate="the cabin: a lowest point (%{x:.3g}, %{y:.3g})<extra></extra>",
                 meta=dict(role="cabin"))]


def fog_map_figure(surface: Surface, grid: Grid, walk: Walk, ground: Ground, stride: float | None,
                   look: Look = STANDARD, compass_scale: float | None = None) -> dict:
    """The map from above: fog, the uncovered ground with its contour lines, the walk, the walker,
    the compass (p.grad, uphill, at a fixed length or `compass_scale` times its own) and the step a
    press of Step would take (none without a stride)."""
    shown, low, high = ground.shown, ground.low, ground.high
    traces: list[dict] = []
    if ground.lifted:
        traces.append(terrain_map(surface, grid, look))
    else:
        colors = terrain_colors(look, _scaled(grid.height, low, high))
        fade = shown[..., None]
        picture = np.rint(fade * colors + (1 - fade) * np.array(FOG_COLOR)).astype(np.uint8)
        # on a y axis going up, plotly.js lays the picture's first row at y0 and the next ones above it
        traces.append(dict(type="image", source=_png(picture), x0=float(grid.xs[0]), y0=float(grid.ys[0]),
                           dx=float(grid.xs[1] - grid.xs[0]), dy=float(grid.ys[1] - grid.ys[0]),
                           zsmooth="fast", hoverinfo="skip", name="fog", meta=dict(role="fog_ground")))
        lines = np.where(shown > 0, grid.height, np.nan).astype(np.float32)
        if np.isfinite(lines).any():
            traces.append(dict(type="contour", x=grid.xs, y=grid.ys, z=lines, showscale=False, ncontours=28,
                               contours=dict(coloring="lines", start=low, end=high, size=(high - low) / 28),
                               colorscale=[[0, look.contour_line], [1, look.contour_line]],
                               line=dict(width=0.8), hoverinfo="skip", name="contours you have seen"))
    seen = ground.cabins
    if len(seen):
        traces.append(dict(type="scatter", x=seen[:, 0], y=seen[:, 1], mode="markers", name="the cabin",
                           marker=dict(symbol="star", size=15, color=MINIMUM_COLOR, line=dict(color="#5c4500", width=1)),
                           hovertemplate="the cabin (%{x:.3g}, %{y:.3g})<extra></extra>", meta=dict(role="cabin")))
    xy = framed(walk.positions, surface)
    traces.append(dict(type="scatter", x=xy[:, 0], y=xy[:, 1], mode="lines+markers", name="your walk",
                       line=dict(color=WALK_COLOR, width=2.5), marker=dict(size=5, color=WALK_COLOR),
                       customdata=walk.losses, hovertemplate="step %{pointNumber}: loss %{customdata:.4g}<extra></extra>",
                       meta=dict(role="walk")))
    traces.append(dict(type="scatter", x=[xy[0, 0]], y=[xy[0, 1]], mode="markers", name="start",
                       marker=dict(size=10, color=START_COLOR, line=dict(color="#222", width=2)), hoverinfo="skip"))
    traces.append(dict(type="scatter", x=[xy[-1, 0]], y=[xy[-1, 1]], mode="markers", name="you",
                       marker=dict(size=13, color=WALK_COLOR, line=dict(color="#111", width=2)),
                       hovertemplate="you: (%{x:.3g}, %{y:.3g})<extra></extra>", meta=dict(role="walker")))
    arrows = []
    if not walk.flown_off:
        here, tip, landing = _compass_and_step(surface, walk, stride, compass_scale)
        arrows = [arrow_2d(here, tip, COMPASS_COLOR, 2.2)]
        if stride is not None:
            arrows.append(arrow_2d(here, landing, STEP_COLOR, 3.0))
    (x0, x1), (y0, y1) = surface.bounds
    return dict(data=traces, layout=dict(
        font=look.font, margin=dict(l=40, r=10, t=10, b=35), showlegend=False, uirevision=surface.name,
        xaxis=dict(title=dict(text="x"), range=[x0, x1], constrain="domain", zeroline=False, showgrid=False),
        yaxis=dict(title=dict(text="y"), range=[y0, y1], scaleanchor="x", constrain="domain", zeroline=False,
                   showgrid=False),
        plot_bgcolor="rgb({},{},{})".format(*FOG_COLOR), annotations=arrows,
    ))


def fog_loss_figure(surface: Surface, walk: Walk, look: Look = STANDARD) -> dict:
    """The loss at every place the walker stood, step by step (a log scale where every loss is
    above zero): the one thing a walker in the fog can chart."""
    steps = np.arange(walk.steps + 1)
    log = bool((walk.losses > 0).all())
    traces = [dict(type="scatter", x=steps, y=walk.losses, mode="lines+markers", name="loss",
                   line=dict(color=WALK_COLOR, width=2), marker=dict(size=5, color=WALK_COLOR),
                   hovertemplate="step %{x}: loss %{y:.4g}<extra></extra>", meta=dict(role="walk_loss"))]
    return dict(data=traces, layout=dict(
        font=look.font, margin=dict(l=55, r=10, t=10, b=40), showlegend=False, height=230,
        xaxis=dict(title=dict(text="steps taken"), range=[-0.5, max(walk.steps, 5) + 0.5], zeroline=False),
        # on a log axis spanning less than a few decades, label 1, 2 and 5 of each, not every digit
        yaxis=dict(title=dict(text="loss" + (" (log)" if log else "")), type="log" if log else "linear",
                   **({"dtick": "D2"} if log else {})),
        plot_bgcolor="white",
    ))


def add_racers(plan: dict, loss: dict, runs, surface: Surface) -> None:
    """Other runs from the walk's start (the race of core.hand_walk), dashed in their optimizer's
    colour: their paths on the map `plan`, their losses on the chart `loss`, beside the walk's."""
    from .optimizers import get_optimizer

    under_walk = next(i for i, trace in enumerate(plan["data"]) if (trace.get("meta") or {}).get("role") == "walk")
    for k, run in enumerate(runs):
        spec = get_optimizer(run.optimizer)
        xy = framed(run.positions, surface)
        plan["data"].insert(under_walk + k, dict(
            type="scatter", x=xy[:, 0], y=xy[:, 1], mode="lines", name=spec.label,
            line=dict(color=spec.color, width=2, dash="dash"),
            hovertemplate=f"{spec.label}, step %{{pointNumber}}<extra></extra>",
            meta=dict(role="racer", optimizer=run.optimizer)))
        loss["data"].insert(k, dict(
            type="scatter", x=np.arange(len(run.losses)), y=run.losses, mode="lines", name=spec.label,
            line=dict(color=spec.color, width=2, dash="dash"),
            hovertemplate=f"{spec.label}, step %{{x}}: loss %{{y:.4g}}<extra></extra>",
            meta=dict(role="racer_loss", optimizer=run.optimizer)))
    loss["layout"].update(showlegend=True, legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"))
    loss["data"][-1]["name"] = "you"
    if any((run.losses <= 0).any() for run in runs):
        loss["layout"]["yaxis"] = dict(title=dict(text="loss"), type="linear")
