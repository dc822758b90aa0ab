"""Plotly figure builders: the 3-D mountain, the top-down map and the loss per step.

The sampled surface is sent as float32 (half the bytes, far finer than a pixel);
paths keep float64 so what is drawn is exactly what was computed.

Each builder is a pure function returning a go.Figure: surface first, paths after,
fixed axis ranges. What a viewer animates is labelled: traces carry `meta` =
{"role": "path" | "ball", "run": k} (run k's whole path, its rolling ball), and the
map's balls are circle shapes named "ball:k". Balls are drawn at the end of the path.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .descent import Run
from .grid import Grid, surface_grid
from .optimizers import get_optimizer
from .surfaces import Surface

# light valleys, darker peaks: every optimizer colour stays readable on top of it
TERRAIN = [
    [0.0, "#f7fbff"], [0.12, "#deebf7"], [0.3, "#c6dbef"], [0.5, "#a9bfd4"],
    [0.7, "#8c9fb5"], [0.85, "#6f7f94"], [1.0, "#4e5b6e"],
]
MINIMUM_COLOR = "#f5b700"
START_COLOR = "#ffffff"
LOSS_FLOOR = 1e-16  # log axes cannot show 0: a run that lands exactly on a minimum shows here
BALL_RADIUS = 7  # pixels, on the map
FONT = dict(family="Inter, system-ui, sans-serif", size=12)


def _label(run: Run) -> str:
    return get_optimizer(run.optimizer).label


def _color(run: Run) -> str:
    return get_optimizer(run.optimizer).color


def _hover(run: Run) -> tuple[np.ndarray, str]:
    # the true numbers travel in customdata: the drawn x, y may be pinned to the frame
    steps = np.arange(len(run.positions))
    data = np.column_stack((steps, run.losses, run.positions))
    template = (f"<b>{_label(run)}</b> · step %{{customdata[0]}}<br>"
                "x = %{customdata[2]:.4g}, y = %{customdata[3]:.4g}<br>"
                "loss = %{customdata[1]:.4g}<extra></extra>")
    return data, template


def _framed(positions: np.ndarray, surface: Surface) -> np.ndarray:
    """Positions pinned to the surface's bounds.

    A ball that flies off leaves along its true direction and stops at the edge of the
    plot; WebGL cannot draw the 1e150-sized coordinates a diverging run reaches.
    """
    (x0, x1), (y0, y1) = surface.bounds
    return np.column_stack((np.clip(positions[:, 0], x0, x1), np.clip(positions[:, 1], y0, y1)))


def _diverged_note(run: Run) -> str:
    return "" if run.diverged_at is None else f" · diverged at step {run.diverged_at}"


def _loss_ticks(surface: Surface, top: float) -> dict[str, object]:
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


def mountain_figure(surface: Surface, runs: Sequence[Run], grid: Grid | None = None) -> go.Figure:
    """The 3-D mountain with each run's path and ball, the start and the minima."""
    grid = grid or surface_grid(surface)
    lo, hi = float(np.nanmin(grid.height)), float(np.nanmax(grid.height))
    lift = 0.012 * (hi - lo)  # keeps paths above the surface they lie on
    ceiling = hi  # a run that flies off stops at the top of the box
    log_drawn = surface.display == "log1p"
    traces: list[go.BaseTraceType] = [go.Surface(
        x=grid.xs, y=grid.ys, z=grid.height.astype(np.float32), colorscale=TERRAIN, showscale=False,
        customdata=grid.loss.astype(np.float32) if log_drawn else None,
        hovertemplate="x = %{x:.3g}, y = %{y:.3g}<br>loss = "
        + ("%{customdata:.4g}" if log_drawn else "%{z:.4g}") + "<extra></extra>",
        contours=dict(z=dict(show=True, usecolormap=True, project_z=False, width=1)),
        lighting=dict(ambient=0.75, diffuse=0.5, specular=0.05, roughness=0.9),
        name=surface.title,
    )]
    minima = np.array(surface.minima)
    min_height = float(surface.display_height(surface.min_value))
    traces.append(go.Scatter3d(
        x=minima[:, 0], y=minima[:, 1], z=np.full(len(minima), min_height + lift),
        mode="markers", name="global minimum",
        marker=dict(symbol="diamond", size=6, color=MINIMUM_COLOR, line=dict(color="#5c4500", width=1)),
        hovertemplate="global minimum<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
    ))
    for k, run in enumerate(runs):
        z = np.minimum(surface.display_height(run.losses), ceiling) + lift
        data, template = _hover(run)
        xy = _framed(run.positions, surface)
        traces.append(go.Scatter3d(
            x=xy[:, 0], y=xy[:, 1], z=z, mode="lines",
            line=dict(color=_color(run), width=6), name=_label(run) + _diverged_note(run),
            legendgroup=run.optimizer, customdata=data, hovertemplate=template,
            meta=dict(role="path", run=k),
        ))
    if runs:
        start = runs[0].positions[0]
        traces.append(go.Scatter3d(
            x=[start[0]], y=[start[1]], z=[surface.display_height(runs[0].losses[0]) + lift],
            mode="markers", name="start",
            marker=dict(size=5, color=START_COLOR, line=dict(color="#222", width=2)),
            hovertemplate="start (%{x:.4g}, %{y:.4g})<extra></extra>",
        ))
    for k, run in enumerate(runs):
        end = _framed(run.positions[-1:], surface)
        traces.append(go.Scatter3d(
            x=end[:, 0], y=end[:, 1],
            z=np.minimum(surface.display_height(run.losses[-1:]), ceiling) + 2 * lift, mode="markers",
            marker=dict(size=10, color=_color(run), line=dict(color="#111", width=2)),
            name=_label(run), legendgroup=run.optimizer, showlegend=False,
            hoverinfo="skip", meta=dict(role="ball", run=k),
        ))
    (x0, x1), (y0, y1) = surface.bounds
    z_axis = dict(title="loss (log-compressed)" if log_drawn else "loss", range=[lo, hi + 3 * lift])
    if log_drawn:
        z_axis.update(_loss_ticks(surface, hi))
    figure = go.Figure(traces)
    figure.update_layout(
        font=FONT, margin=dict(l=0, r=0, t=0, b=0), showlegend=True,
        legend=dict(x=0.01, y=0.99, bgcolor="rgba(255,255,255,0.7)"),
        uirevision="mountain",  # the viewer keeps the user's camera across updates
        scene=dict(
            xaxis=dict(title="x", range=[x0, x1]), yaxis=dict(title="y", range=[y0, y1]),
            zaxis=z_axis,
            aspectmode="manual", aspectratio=dict(x=1.0, y=(y1 - y0) / (x1 - x0), z=0.6),
            camera=dict(eye=dict(x=1.25, y=-1.55, z=1.45)),
        ),
    )
    return figure


def map_figure(surface: Surface, runs: Sequence[Run], grid: Grid | None = None) -> go.Figure:
    """The top-down contour map with each run's path and ball, the start and the minima."""
    grid = grid or surface_grid(surface)
    log_drawn = surface.display == "log1p"
    traces: list[go.BaseTraceType] = [go.Contour(
        x=grid.xs, y=grid.ys, z=grid.height.astype(np.float32), colorscale=TERRAIN, showscale=False,
        ncontours=28, line=dict(width=0.6, color="rgba(60,70,90,0.35)"),
        customdata=grid.loss.astype(np.float32) if log_drawn else None,
        hovertemplate="x = %{x:.3g}, y = %{y:.3g}<br>loss = "
        + ("%{customdata:.4g}" if log_drawn else "%{z:.4g}") + "<extra></extra>",
        name=surface.title,
    )]
    minima = np.array(surface.minima)
    traces.append(go.Scatter(
        x=minima[:, 0], y=minima[:, 1], mode="markers", name="global minimum",
        marker=dict(symbol="star", size=14, color=MINIMUM_COLOR, line=dict(color="#5c4500", width=1)),
        hovertemplate="global minimum<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
    ))
    for k, run in enumerate(runs):
        data, template = _hover(run)
        xy = _framed(run.positions, surface)
        traces.append(go.Scatter(
            x=xy[:, 0], y=xy[:, 1], mode="lines+markers",
            line=dict(color=_color(run), width=2), marker=dict(size=3, color=_color(run)),
            name=_label(run) + _diverged_note(run), legendgroup=run.optimizer,
            customdata=data, hovertemplate=template, meta=dict(role="path", run=k),
        ))
    if runs:
        start = runs[0].positions[0]
        traces.append(go.Scatter(
            x=[start[0]], y=[start[1]], mode="markers", name="start",
            marker=dict(size=11, color=START_COLOR, line=dict(color="#222", width=2)),
            hovertemplate="start (%{x:.4g}, %{y:.4g})<extra></extra>",
        ))
    # balls are fixed-size circles anchored at a data point: a viewer moves them with a cheap
    # relayout, where moving a trace would recompute the contours on every frame
    ends = [_framed(run.positions[-1:], surface)[0] for run in runs]
    balls = [dict(
        type="circle", name=f"ball:{k}", xref="x", yref="y", xsizemode="pixel", ysizemode="pixel",
        xanchor=float(ends[k][0]), yanchor=float(ends[k][1]),
        x0=-BALL_RADIUS, x1=BALL_RADIUS, y0=-BALL_RADIUS, y1=BALL_RADIUS,
        fillcolor=_color(run), line=dict(color="#111", width=1.5), layer="above",
    ) for k, run in enumerate(runs)]
    (x0, x1), (y0, y1) = surface.bounds
    figure = go.Figure(traces)
    figure.update_layout(
        font=FONT, margin=dict(l=40, r=10, t=10, b=35), showlegend=False,
        uirevision=surface.name,  # keep the user's zoom until the surface changes
        xaxis=dict(title="x", range=[x0, x1], constrain="domain", zeroline=False, showgrid=False),
        yaxis=dict(title="y", range=[y0, y1], scaleanchor="x", constrain="domain", zeroline=False,
                   showgrid=False),
        plot_bgcolor="white", shapes=balls,
    )
    return figure


def loss_figure(surface: Surface, runs: Sequence[Run]) -> go.Figure:
    """Loss per step on a log scale (as the gap to the minimum when that is not 0).

    A diverging run would stretch the axis to 1e300 and flatten every other line, so the
    axis stops a thousand times above the highest start; a run that leaves the chart is
    marked ✕ at the top edge, at the step where it diverged.
    """
    offset = surface.min_value
    gaps = [np.maximum(run.losses - offset, LOSS_FLOOR) for run in runs]
    top = 1e3 * max((gap[0] for gap in gaps), default=1.0)
    bottom = min((gap.min() for gap in gaps), default=LOSS_FLOOR) / 3
    traces: list[go.BaseTraceType] = []
    annotations = []
    for k, (run, gap) in enumerate(zip(runs, gaps)):
        steps = np.arange(len(gap))
        traces.append(go.Scatter(
            x=steps, y=gap, mode="lines", line=dict(color=_color(run), width=2),
            name=_label(run), legendgroup=run.optimizer, customdata=run.losses,
            hovertemplate=f"<b>{_label(run)}</b> · step %{{x}}<br>loss = %{{customdata:.6g}}<extra></extra>",
            meta=dict(role="path", run=k),
        ))
        if run.diverged_at is None:
            continue
        marked = min(float(gap[-1]), top)
        traces.append(go.Scatter(
            x=[run.diverged_at], y=[marked], mode="markers", showlegend=False,
            marker=dict(symbol="x", size=12, color=_color(run), line=dict(width=1, color="#111")),
            hovertemplate=f"{_label(run)} diverged at step {run.diverged_at}<extra></extra>",
            legendgroup=run.optimizer, cliponaxis=False,
        ))
        annotations.append(dict(
            x=run.diverged_at, y=float(np.log10(marked)), xanchor="left", yanchor="top",
            text=f"{_label(run)} diverged at step {run.diverged_at}", showarrow=False,
            xshift=8, yshift=-4 - 15 * len(annotations), font=dict(color=_color(run), size=11),
        ))
    figure = go.Figure(traces)
    y_title = "loss" if offset == 0 else f"loss − minimum ({offset:.4g})"
    last_step = max((run.steps for run in runs), default=1)
    y_axis = dict(title=y_title + " (log scale)", type="log", gridcolor="#eee", exponentformat="power")
    if any(gap.max() > top for gap in gaps):
        y_axis["range"] = [float(np.log10(bottom)), float(np.log10(top))]
    figure.update_layout(
        font=FONT, margin=dict(l=55, r=10, t=10, b=35), plot_bgcolor="white",
        uirevision="loss",
        xaxis=dict(title="step", range=[0, last_step], gridcolor="#eee"),
        yaxis=y_axis,
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
        annotations=annotations,
        # the step cursor the viewer moves while the balls roll
        shapes=[dict(type="line", xref="x", yref="paper", x0=0, x1=0, y0=0, y1=1,
                     line=dict(color="#888", width=1, dash="dot"))],
    )
    return figure
