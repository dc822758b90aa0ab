"""Plotly figure builders: the 3-D mountain, the top-down map and the charts per step.

The sampled surface is sent as float32 (half the bytes, far finer than a pixel);
paths keep float64 so what is drawn is exactly what was computed.

Each builder is a pure function returning a plain dict {"data": [...], "layout": {...}}
with numpy arrays in it (core.figure_json turns it into what the browser reads; go.Figure(d)
validates one where that is worth its time, as the downloads do): surface first, paths
after, fixed axis ranges. The terrain traces carry meta {"role": "terrain", "asset": key},
so a viewer that already holds a mountain's terrain need not receive it again. What a viewer animates is labelled: traces carry `meta` =
{"role": "path" | "ball", "run": k} (run k's whole path, its rolling ball), and the
map's balls are circle shapes named "ball:k". Balls are drawn at the end of the path,
or at step `focus` in step-by-step mode, where only the path so far is drawn (the rest,
faintly, when `future` is asked for) and arrows show that step: the compass (p.grad,
pointing uphill, at a fixed length) in black and the step actually taken, against it, in
the optimizer's colour. `ghosts` are the same runs with zero_grad() on, drawn faintly
beside runs that forgot it; they are numbered after the runs. `look` is the standard or
the high-contrast look (core.looks).
"""

from __future__ import annotations

from collections.abc import Sequence

import math

import numpy as np
import torch

from .descent import Run
from .grid import Grid, surface_grid
from .looks import STANDARD, Look
from .optimizers import get_optimizer
from .steps import step_arrows
from .surfaces import Surface

# light valleys, darker peaks: every optimizer colour stays readable on top of it
TERRAIN = STANDARD.colorscale
MINIMUM_COLOR = "#f5b700"
START_COLOR = "#ffffff"
COMPASS_COLOR = "#1b1b1b"
GHOST_OPACITY = 0.45
LOSS_FLOOR = 1e-16  # log axes cannot show 0: a run that lands exactly on a minimum shows here
BALL_RADIUS = STANDARD.ball_radius  # pixels, on the map
CAMERA = dict(eye=dict(x=1.25, y=-1.55, z=1.45))
# a phone's 3-D view from farther back: closer, the loss axis's labels on the left fall off the screen
PHONE_CAMERA = dict(eye={axis: 1.45 * value for axis, value in CAMERA["eye"].items()})
FONT = STANDARD.font
# from this many runs on, the legends scroll
MANY_RUNS = 6
FUTURE_OPACITY = 0.25
COMPASS_NAME = "compass: p.grad, pointing uphill"
# every plot's toolbar: nothing in it may send a chart to an outside website
PLOTLY_CONFIG = {"displaylogo": False, "showSendToCloud": False, "showEditInChartStudio": False,
                 "modeBarButtonsToRemove": ["sendChartToCloud", "editInChartStudio"]}


def _label(run: Run, ghost: bool = False) -> str:
    label = get_optimizer(run.optimizer).label
    return f"{label} with zero_grad()" if ghost else label


def _color(run: Run) -> str:
    return get_optimizer(run.optimizer).color


def _hover(run: Run, ghost: bool = False, surface: Surface | None = None) -> tuple[np.ndarray, str]:
    """What a path's hover shows: step, x, y and the true loss. Where the drawn path is the true
    one, x and y are the drawn ones and only the losses travel; a path pinned to the frame (a
    ball that flew off) carries its true coordinates too."""
    name = f"<b>{_label(run, ghost)}</b>"
    if surface is not None and np.array_equal(framed(run.positions, surface), run.positions):
        return run.losses, (f"{name} · step %{{pointNumber}}<br>x = %{{x:.4g}}, y = %{{y:.4g}}<br>"
                            "loss = %{customdata:.4g}<extra></extra>")
    steps = np.arange(len(run.positions))
    data = np.column_stack((steps, run.losses, run.positions))
    template = (f"{name} · step %{{customdata[0]}}<br>"
                "x = %{customdata[2]:.4g}, y = %{customdata[3]:.4g}<br>"
                "loss = %{customdata[1]:.4g}<extra></extra>")
    return data, template


def framed(positions: np.ndarray, surface: Surface) -> np.ndarray:
    """Positions pinned to the surface's bounds.

    A ball that flies off leaves along its true direction and stops at the edge of the
    plot; WebGL cannot draw the 1e150-sized coordinates a diverging run reaches.
    """
    (x0, x1), (y0, y1) = surface.bounds
    return np.column_stack((np.clip(positions[:, 0], x0, x1), np.clip(positions[:, 1], y0, y1)))


def _diverged_note(run: Run) -> str:
    return "" if run.diverged_at is None else f" · diverged at step {run.diverged_at}"


def _so_far(run: Run, focus: int | None) -> Run:
    """The run as drawn: all of it, or in step-by-step mode only the steps taken so far."""
    return run if focus is None else run.prefix(focus)


def _future_trace(run: Run, surface: Surface, z: np.ndarray | None = None) -> dict:
    """The whole path, faint and dotted, for step-by-step mode's "show the future"."""
    xy = framed(run.positions, surface)
    trace = dict(type="scatter", x=xy[:, 0], y=xy[:, 1], mode="lines", opacity=FUTURE_OPACITY,
                 line=dict(color=_color(run), width=2, dash="dot"), name=f"{_label(run)}: the rest of its path",
                 showlegend=False, hoverinfo="skip", meta=dict(role="future"))
    if z is not None:
        trace.update(type="scatter3d", z=z)
    return trace


def _ball_step(run: Run, focus: int | None) -> int:
    """Where a ball is drawn: at step `focus` (or its last position), else at the end."""
    last = len(run.positions) - 1
    return last if focus is None else min(focus, last)


def start_marker(start, name: str = "start", size: int = 11) -> dict:
    """The white start point on a 2-D map."""
    return dict(
        type="scatter", x=[float(start[0])], y=[float(start[1])], mode="markers", name=name,
        marker=dict(size=size, color=START_COLOR, line=dict(color="#222", width=2)),
        hovertemplate=name + " (%{x:.4g}, %{y:.4g})<extra></extra>",
    )


def terrain_key(surface: Surface, look: Look, view: str) -> str:
    """A name for a mountain's terrain trace in one look and view, for a viewer's cache."""
    return f"terrain:{view}:{look.name}:{surface.name}:{hash((surface.formula, surface.bounds)) & 0xFFFFFFFF:08x}"


def loss_ticks(surface: Surface, top: float) -> dict[str, object]:
    """z-axis ticks that read in true loss on a log-compressed mountain."""
    gaps = [0.0] + [10.0**k for k in range(-3, 13)]
    heights = [float(surface.display_height(surface.min_value + gap)) for gap in gaps]
    ticks: list[tuple[float, float]] = []
    for gap, height in zip(gaps, heights):
        # skip ticks that would crowd the previous one
        if height <= top and (not ticks or height - ticks[-1][1] > 0.1 * top):
            ticks.append((gap, height))
    return dict(
        tickvals=[height for _, height in ticks],
        ticktext=[f"{surface.min_value + gap:.3g}" for gap, _ in ticks],
    )




def arrow_3d(start, end, color: str, name: str, height, lift: float) -> list[dict]:
    """A line over the surface from `start` to `end`, with a cone for its head."""
    xs = np.linspace(start[0], end[0], 12)
    ys = np.linspace(start[1], end[1], 12)
    zs = height(np.column_stack((xs, ys))) + 2.5 * lift
    if not np.isfinite(zs).all():
        return []
    tip = np.array([xs[-1] - xs[-2], ys[-1] - ys[-2], zs[-1] - zs[-2]])
    return [
        dict(type="scatter3d", x=xs, y=ys, z=zs, mode="lines", line=dict(color=color, width=7), name=name,
             showlegend=False, hoverinfo="skip"),
        dict(type="cone", x=[float(xs[-1])], y=[float(ys[-1])], z=[float(zs[-1])], u=[float(tip[0])],
             v=[float(tip[1])], w=[float(tip[2])], anchor="tip", sizemode="absolute", sizeref=0.6,
             colorscale=[[0, color], [1, color]], showscale=False, hoverinfo="skip", name=name),
    ]


def terrain_3d(surface: Surface, grid: Grid, look: Look = STANDARD) -> dict:
    """The mountain's surface trace (the same for every scene on this mountain and look)."""
    log_drawn = surface.display == "log1p"
    trace = dict(
        type="surface", x=grid.xs, y=grid.ys, z=grid.height.astype(np.float32), colorscale=look.colorscale,
        showscale=False, hovertemplate="x = %{x:.3g}, y = %{y:.3g}<br>loss = "
        + ("%{customdata:.4g}" if log_drawn else "%{z:.4g}") + "<extra></extra>",
        # contour lines round holes (NaN where the formula is undefined) take the browser minutes to trace
        contours=dict(z=dict(show=bool(np.isfinite(grid.height).all()), usecolormap=True, project_z=False, width=1)),
        lighting=dict(ambient=0.75, diffuse=0.5, specular=0.05, roughness=0.9),
        name=surface.title, meta=dict(role="terrain", asset=terrain_key(surface, look, "mountain")),
    )
    if log_drawn:
        trace["customdata"] = grid.loss.astype(np.float32)
    return trace


def terrain_map(surface: Surface, grid: Grid, look: Look = STANDARD) -> dict:
    """The map's contour trace (the same for every scene on this mountain and look)."""
    log_drawn = surface.display == "log1p"
    trace = dict(
        type="contour", x=grid.xs, y=grid.ys, z=grid.height.astype(np.float32), colorscale=look.colorscale,
        showscale=False, ncontours=28, line=dict(width=0.6, color=look.contour_line),
        hovertemplate="x = %{x:.3g}, y = %{y:.3g}<br>loss = "
        + ("%{customdata:.4g}" if log_drawn else "%{z:.4g}") + "<extra></extra>",
        name=surface.title, meta=dict(role="terrain", asset=terrain_key(surface, look, "map")),
    )
    if log_drawn:
        trace["customdata"] = grid.loss.astype(np.float32)
    return trace


def mountain_figure(
    surface: Surface, runs: Sequence[Run], grid: Grid | None = None, *,
    ghosts: Sequence[Run] = (), focus: int | None = None, future: bool = False, look: Look = STANDARD,
    terrain: dict | None = None,
) -> dict:
    """The 3-D mountain with each run's path (so far, at step `focus`) and ball, the start and the minima."""
    grid = grid or surface_grid(surface)
    lo, hi = float(np.nanmin(grid.height)), float(np.nanmax(grid.height))
    lift = 0.012 * (hi - lo)  # keeps paths above the surface they lie on
    log_drawn = surface.display == "log1p"

    def height(points: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            losses = surface(torch.as_tensor(points, dtype=torch.float64)).numpy()
        return np.minimum(surface.display_height(losses), hi)  # flying balls stop at the top

    traces: list[dict] = [terrain or terrain_3d(surface, grid, look)]
    minima = np.array(surface.minima)
    min_height = float(surface.display_height(surface.min_value))
    traces.append(dict(
        type="scatter3d", x=minima[:, 0], y=minima[:, 1], z=np.full(len(minima), min_height + lift),
        mode="markers", name=surface.minima_label,
        marker=dict(symbol="diamond", size=6, color=MINIMUM_COLOR, line=dict(color="#5c4500", width=1)),
        hovertemplate=surface.minima_label + "<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
    ))
    everyone = [(run, False) for run in runs] + [(run, True) for run in ghosts]
    if focus is not None and future:
        for run in runs:
            traces.append(_future_trace(run, surface, np.minimum(surface.display_height(run.losses), hi) + lift))
    everyone = [(_so_far(run, focus), ghost) for run, ghost in everyone]
    for k, (run, ghost) in enumerate(everyone):
        z = np.minimum(surface.display_height(run.losses), hi) + lift
        data, template = _hover(run, ghost, surface)
        xy = framed(run.positions, surface)
        width = 3 * look.path_width
        traces.append(dict(
            type="scatter3d", x=xy[:, 0], y=xy[:, 1], z=z, mode="lines", opacity=GHOST_OPACITY if ghost else 1.0,
            line=dict(color=_color(run), width=width * 2 / 3 if ghost else width, dash="dash" if ghost else "solid"),
            name=_label(run, ghost) + _diverged_note(run), legendgroup=run.optimizer,
            customdata=data, hovertemplate=template, meta=dict(role="path", run=k),
        ))
    if runs:
        start = runs[0].positions[0]
        traces.append(dict(
            type="scatter3d", x=[float(start[0])], y=[float(start[1])],
            z=[float(surface.display_height(runs[0].losses[0]) + lift)], mode="markers", name="start",
            marker=dict(size=5, color=START_COLOR, line=dict(color="#222", width=2)),
            hovertemplate="start (%{x:.4g}, %{y:.4g})<extra></extra>",
        ))
    for k, (run, ghost) in enumerate(everyone):
        i = _ball_step(run, focus)
        end = framed(run.positions[i:i + 1], surface)
        traces.append(dict(
            type="scatter3d", x=end[:, 0], y=end[:, 1],
            z=np.minimum(surface.display_height(run.losses[i:i + 1]), hi) + 2 * lift,
            mode="markers", opacity=GHOST_OPACITY if ghost else 1.0,
            marker=dict(size=10, color=_color(run), line=dict(color="#111", width=2)),
            name=_label(run, ghost), legendgroup=run.optimizer, showlegend=False,
            hoverinfo="skip", meta=dict(role="ball", run=k),
        ))
    if focus is not None:
        for run in runs:
            arrows = step_arrows(run, focus, surface)
            if arrows is None:
                continue
            ends = framed(np.array([arrows.compass_end, arrows.update_end]), surface)
            traces += arrow_3d(arrows.start, ends[0], COMPASS_COLOR, COMPASS_NAME, height, lift)
            traces += arrow_3d(arrows.start, ends[1], _color(run), f"{_label(run)}: the step taken", height, lift)
    (x0, x1), (y0, y1) = surface.bounds
    z_axis = dict(title=dict(text="loss (log)" if log_drawn else "loss"), range=[lo, hi + 3 * lift])
    if log_drawn:
        z_axis.update(loss_ticks(surface, hi))
    return dict(data=traces, layout=dict(
        font=look.font, margin=dict(l=0, r=0, t=0, b=0), showlegend=True,
        # many balls: the legend scrolls within the upper half instead of covering the mountain
        legend=dict(x=0.01, y=0.99, bgcolor="rgba(255,255,255,0.7)",
                    **({"maxheight": 0.45} if len(runs) > MANY_RUNS else {})),
        uirevision="mountain",  # the viewer keeps the user's camera across updates
        # a phone has no room for the legend over the mountain; `height` is how a path's drawn z
        # follows from its losses (a viewer may rebuild z from them rather than receive it)
        meta=dict(narrow=dict(showlegend=False, scene_camera=PHONE_CAMERA), height=dict(
            display=surface.display, min=surface.min_value, scale=surface.display_scale, top=hi, lift=lift)),
        scene=dict(
            xaxis=dict(title=dict(text="x"), range=[x0, x1]), yaxis=dict(title=dict(text="y"), range=[y0, y1]),
            zaxis=z_axis,
            aspectmode="manual", aspectratio=dict(x=1.0, y=(y1 - y0) / (x1 - x0), z=0.6),
            domain=dict(x=[0.04, 1.0], y=[0.0, 1.0]),  # room for the loss axis title on the left
            camera=CAMERA,
        ),
    ))


def arrow_2d(start, end, color: str, width: float) -> dict:
    return dict(x=float(end[0]), y=float(end[1]), ax=float(start[0]), ay=float(start[1]),
                xref="x", yref="y", axref="x", ayref="y", text="", showarrow=True,
                arrowhead=2, arrowsize=1.2, arrowwidth=width, arrowcolor=color)


def map_figure(
    surface: Surface, runs: Sequence[Run], grid: Grid | None = None, *,
    ghosts: Sequence[Run] = (), focus: int | None = None, future: bool = False, look: Look = STANDARD,
    terrain: dict | None = None,
) -> dict:
    """The top-down contour map with each run's path (so far, at step `focus`) and ball, the start and the minima."""
    grid = grid or surface_grid(surface)
    traces: list[dict] = [terrain or terrain_map(surface, grid, look)]
    minima = np.array(surface.minima)
    traces.append(dict(
        type="scatter", x=minima[:, 0], y=minima[:, 1], mode="markers", name=surface.minima_label,
        marker=dict(symbol="star", size=14, color=MINIMUM_COLOR, line=dict(color="#5c4500", width=1)),
        hovertemplate=surface.minima_label + "<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
    ))
    everyone = [(run, False) for run in runs] + [(run, True) for run in ghosts]
    if focus is not None and future:
        traces += [_future_trace(run, surface) for run in runs]
    everyone = [(_so_far(run, focus), ghost) for run, ghost in everyone]
    # beside ghosts (zero_grad() forgotten) the wandering paths step back, so the summed compass
    # the viewer draws at each ball stays readable
    faint = bool(ghosts)
    for k, (run, ghost) in enumerate(everyone):
        data, template = _hover(run, ghost, surface)
        xy = framed(run.positions, surface)
        traces.append(dict(
            type="scatter", x=xy[:, 0], y=xy[:, 1], mode="lines" if faint else "lines+markers",
            opacity=GHOST_OPACITY if ghost else (0.55 if faint else 1.0),
            line=dict(color=_color(run), width=look.path_width * (0.6 if faint else 1), dash="dash" if ghost else "solid"),
            marker=dict(size=look.path_width + 1, color=_color(run)),
            name=_label(run, ghost) + _diverged_note(run), legendgroup=run.optimizer,
            customdata=data, hovertemplate=template, meta=dict(role="path", run=k),
        ))
    # an optimizer that evaluates the loss several times a step (L-BFGS): a dot at every evaluation
    for run, ghost in everyone:
        if ghost or run.evaluations is None or not (run.evaluations > 1).any():
            continue
        xy = framed(run.evaluated, surface)
        traces.append(dict(
            type="scatter", x=xy[:, 0], y=xy[:, 1], mode="markers", name=f"{_label(run)}: loss evaluated",
            marker=dict(size=5, color=_color(run), symbol="circle-open", line=dict(width=1.2)),
            hovertemplate=f"{_label(run)} evaluated the loss here<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
            meta=dict(role="evaluations"),
        ))
    if runs:
        traces.append(start_marker(runs[0].positions[0]))
    # balls are fixed-size circles anchored at a data point: a viewer moves them with a cheap
    # relayout, where moving a trace would recompute the contours on every frame
    balls = []
    for k, (run, ghost) in enumerate(everyone):
        i = _ball_step(run, focus)
        end = framed(run.positions[i:i + 1], surface)[0]
        balls.append(dict(
            type="circle", name=f"ball:{k}", xref="x", yref="y", xsizemode="pixel", ysizemode="pixel",
            xanchor=float(end[0]), yanchor=float(end[1]),
            x0=-look.ball_radius, x1=look.ball_radius, y0=-look.ball_radius, y1=look.ball_radius,
            fillcolor=_color(run), opacity=GHOST_OPACITY if ghost else 1.0,
            line=dict(color="#111", width=1.5), layer="above",
        ))
    arrows = []
    for run in runs if focus is not None else ():
        step = step_arrows(run, focus, surface)
        if step is not None:
            ends = framed(np.array([step.compass_end, step.update_end]), surface)
            arrows += [arrow_2d(step.start, ends[0], COMPASS_COLOR, 1.6),
                       arrow_2d(step.start, ends[1], _color(run), 2.8)]
    (x0, x1), (y0, y1) = surface.bounds
    return dict(data=traces, layout=dict(
        font=look.font, margin=dict(l=40, r=10, t=10, b=35), showlegend=False,
        uirevision=surface.name,  # keep the user's zoom until the surface changes
        xaxis=dict(title=dict(text="x"), range=[x0, x1], constrain="domain", zeroline=False, showgrid=False),
        yaxis=dict(title=dict(text="y"), range=[y0, y1], scaleanchor="x", constrain="domain", zeroline=False,
                   showgrid=False),
        plot_bgcolor="white", shapes=balls, annotations=arrows,
    ))


def log_top(peaks: Sequence[float]) -> float | None:
    """Where a log axis stops so one run that flies off cannot flatten the rest: half a decade
    above the highest run whose peak lies within six decades of the lowest peak (None: no cut)."""
    finite = [peak for peak in peaks if np.isfinite(peak) and peak > 0]
    if not finite:
        return None
    kept = [peak for peak in finite if peak <= 1e6 * min(finite)]
    top = max(kept) * 10**0.5
    return top if len(kept) < len(peaks) or any(not np.isfinite(p) for p in peaks) else None


def _rows(heights: Sequence[float], spacing: float = 0.06) -> list[list[float]]:
    """Vertical domains for stacked charts (top first), as plotly's make_subplots lays them out."""
    total = 1 - spacing * (len(heights) - 1)
    domains, top = [], 1.0
    for height in heights:
        bottom = top - height / sum(heights) * total
        domains.append([max(bottom, 0.0), top])
        top = bottom - spacing
    return domains


def loss_figure(
    surface: Surface, runs: Sequence[Run], *, ghosts: Sequence[Run] = (), focus: int | None = None,
    look: Look = STANDARD,
) -> dict:
    """Loss per step (the gap to the minimum, log scale; the loss itself, linear, on a mountain
    with no minimum in its window) over |p.grad| per step (log scale), and the learning rate per
    step when a schedule changes it; in step-by-step mode only up to step `focus`.

    One diverging run would stretch an axis to 1e300 and flatten every other line, so each axis
    stops above the runs that stay near the rest (core.figures.log_top); a run that leaves the
    chart is marked ✕ at the top edge, where it leaves, and named there. The charts share one
    step axis (row r uses axes x{r}, y{r}, as plotly's make_subplots names them).
    """
    offset = surface.min_value
    plain = bool(surface.no_minimum) or not math.isfinite(offset)
    everyone = [(_so_far(run, focus), False) for run in runs] + [(_so_far(run, focus), True) for run in ghosts]
    if plain:
        curves = [run.losses for run, _ in everyone]
    else:
        curves = [np.maximum(run.losses - offset, LOSS_FLOOR) for run, _ in everyone]
    # |p.grad| is only drawn: float32 is finer than any pixel, at half the bytes
    largest = float(np.finfo(np.float32).max)
    norms = [np.clip(np.hypot(*run.grads.T), LOSS_FLOOR, largest).astype(np.float32) if len(run.grads) else np.zeros(0)
             for run, _ in everyone]
    if plain:
        starts = [float(curve[0]) for curve in curves if len(curve)]
        low = min((float(np.nanmin(curve)) for curve in curves if len(curve)), default=0.0)
        high = max(starts, default=1.0)
        loss_top = high + 0.25 * max(high - low, 1e-9)
        loss_axis = dict(title=dict(text="loss"), type="linear", range=[low - 0.05 * (loss_top - low), loss_top])
    else:
        # the loss axis stops a thousand times above the highest start, if anything goes past it
        loss_top = 1e3 * max((float(curve[0]) for curve in curves if len(curve)), default=1.0)
        if not any(len(curve) and np.max(curve) > loss_top for curve in curves):
            loss_top = None
        bottom = min((float(curve.min()) for curve in curves if len(curve)), default=LOSS_FLOOR) / 3
        loss_axis = dict(title=dict(text="loss" if offset == 0 else f"loss − min ({offset:.4g})"), type="log",
                         exponentformat="power", nticks=5, minorloglabels="none")
        if loss_top is not None:
            loss_axis["range"] = [math.log10(bottom), math.log10(loss_top)]
    norm_top = log_top([float(np.max(norm)) if len(norm) else np.nan for norm in norms])
    scheduled = any(len(run.lrs) and np.ptp(run.lrs) > 0 for run, _ in everyone)
    rows = 3 if scheduled else 2
    traces: list[dict] = []

    def add(row: int, **trace) -> None:
        traces.append(dict(type="scatter", xaxis="x" if row == 1 else f"x{row}",
                           yaxis="y" if row == 1 else f"y{row}", **trace))

    cut: list[tuple[str, str, int, str, int]] = []  # (words, colour, step, symbol, row) of runs off the chart
    for k, ((run, ghost), curve, norm) in enumerate(zip(everyone, curves, norms)):
        style = dict(color=_color(run), width=1.5 if ghost else 2, dash="dash" if ghost else "solid")
        opacity = GHOST_OPACITY if ghost else 1.0
        label = _label(run, ghost)
        # steps are 0, 1, 2, …: x0 and dx say so without an array
        add(1, x0=0, dx=1, y=curve, mode="lines", line=style, opacity=opacity, name=label,
            legendgroup=run.optimizer, showlegend=not ghost, customdata=run.losses,
            hovertemplate=f"<b>{label}</b> · step %{{x}}<br>loss = %{{customdata:.6g}}<extra></extra>",
            meta=dict(role="path", run=k))
        add(2, x0=0, dx=1, y=norm, mode="lines", line=style, opacity=opacity, name=label,
            legendgroup=run.optimizer, showlegend=False,
            hovertemplate=f"<b>{label}</b> · step %{{x}}<br>|p.grad| = %{{y:.4g}}<extra></extra>",
            meta=dict(role="grad_norm", run=k))
        if scheduled and not ghost:
            add(3, x0=0, dx=1, y=run.lrs, mode="lines", line=style, name=label, legendgroup=run.optimizer,
                showlegend=False, hovertemplate=f"<b>{label}</b> · step %{{x}}<br>lr = %{{y:.4g}}<extra></extra>",
                meta=dict(role="lr", run=k))
        if ghost:
            continue
        loss_limit = loss_top if loss_top is not None else (loss_axis["range"][1] if plain else None)
        if run.diverged_at is not None:
            cut.append((f"{label} diverged at step {run.diverged_at}", _color(run), run.diverged_at, "x", 1))
        elif loss_limit is not None and len(curve) and np.max(curve) > loss_limit:
            cut.append((f"{label} ↑ off the chart ({np.max(curve):.2g})", _color(run),
                        int(np.argmax(curve > loss_limit)), "triangle-up", 1))
        if norm_top is not None and len(norm) and np.max(norm) > norm_top:
            peak = float(np.max(np.hypot(*run.grads.T)))  # the true one: the drawn norms stop at float32's top
            cut.append((f"{label} ↑ off the chart ({peak:.2g})", _color(run),
                        int(np.argmax(norm > norm_top)), "triangle-up", 2))
    annotations: list[dict] = []
    for said, color, step, symbol, row in cut:
        if row == 1:
            top = loss_top if loss_top is not None else (loss_axis["range"][1] if plain else float(np.max(
                [np.max(curve) for curve in curves if len(curve)])))
        else:
            top = norm_top
        add(row, x=[step], y=[top], mode="markers", showlegend=False, cliponaxis=False,
            marker=dict(symbol=symbol, size=11, color=color, line=dict(width=1, color="#111")),
            hovertemplate=said + "<extra></extra>", meta=dict(role="cut"))
        axis = "y" if row == 1 else "y2"
        logged = row == 2 or not plain
        annotations.append(dict(
            x=step, y=math.log10(top) if logged else top, xref="x", yref=axis, xanchor="left", yanchor="top",
            text=said, showarrow=False, xshift=8,
            yshift=-2 - 14 * sum(1 for a in annotations if a["yref"] == axis),
            font=dict(color=color, size=look.font_size - 1),
        ))
    if ghosts:
        # one legend entry for every dashed ghost
        add(1, x=[None], y=[None], mode="lines", name="with zero_grad()",
            line=dict(color="#666", width=1.5, dash="dash"), hoverinfo="skip")
    last_step = max((run.steps for run in [*runs, *ghosts]), default=1)
    if focus is not None:
        # step by step, the axis grows with the steps taken, so the few so far stay readable
        last_step = min(last_step, max(10, math.ceil(1.25 * focus)))
    domains = _rows([0.5, 0.28, 0.22] if scheduled else [0.6, 0.4])
    layout = dict(
        font=look.font, margin=dict(l=60 + 4 * (look.font_size - 12), r=10, t=30, b=35), plot_bgcolor="white",
        uirevision="loss",
        # many balls: two rows of the legend, the rest scrolls, so the chart keeps its height
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0, font=dict(size=look.font_size - 1),
                    **({"maxheight": 2.2 * (look.font_size + 12)} if len(runs) > MANY_RUNS else {})),
        annotations=annotations,
        # the step cursor the viewer moves while the balls roll
        shapes=[dict(type="line", xref="x", yref="paper", x0=0, x1=0, y0=0, y1=1,
                     line=dict(color="#888", width=1, dash="dot"))],
    )
    norm_axis = dict(title=dict(text="|p.grad|"), type="log", exponentformat="power", nticks=4, minorloglabels="none")
    if norm_top is not None:
        low_norm = min((float(norm.min()) for norm in norms if len(norm)), default=1.0) / 3
        norm_axis["range"] = [math.log10(max(low_norm, LOSS_FLOOR)), math.log10(norm_top)]
    axes = [loss_axis, norm_axis] + ([dict(title=dict(text="lr"), rangemode="tozero", nticks=4)] if scheduled else [])
    for row, (axis, domain) in enumerate(zip(axes, domains), start=1):
        suffix = "" if row == 1 else str(row)
        layout[f"yaxis{suffix}"] = dict(gridcolor="#eee", anchor=f"x{suffix}", domain=domain, **axis)
        layout[f"xaxis{suffix}"] = dict(
            anchor=f"y{suffix}", domain=[0.0, 1.0], range=[0, last_step], gridcolor="#eee",
            **(dict(title=dict(text="step")) if row == rows else dict(matches=f"x{rows}", showticklabels=False)))
    return dict(data=traces, layout=layout)
