"""The basins map: every start coloured by where its ball ends, with the surface's contours on top."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .basins import DIVERGED, STILL_ROLLING, UNDEFINED, Basins, Ends
from .descent import Run
from .figures import FONT, MINIMUM_COLOR, framed, start_marker
from .grid import Grid
from .optimizers import get_optimizer
from .surfaces import Surface

# the global minima's valleys: strong, distinct colours; other flat spots: quieter ones, repeated
VALLEY_COLORS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7", "#9c755f")
FLAT_COLORS = ("#c9b8a6", "#b5c7d3", "#d4c1d9", "#c4d6b0", "#e0cfa9", "#b9b0c9")
ROLLING_COLOR, DIVERGED_COLOR, UNDEFINED_COLOR = "#e9e9e9", "#3b3b3b", "#ffffff"


def class_colors(ends: Ends) -> dict[int, str]:
    """A colour for every label a ball's ending can have."""
    colors = {STILL_ROLLING: ROLLING_COLOR, DIVERGED: DIVERGED_COLOR, UNDEFINED: UNDEFINED_COLOR}
    flat = 0
    for label, known in enumerate(ends.known):
        if known:
            colors[label] = VALLEY_COLORS[label % len(VALLEY_COLORS)]
        else:
            colors[label] = FLAT_COLORS[flat % len(FLAT_COLORS)]
            flat += 1
    return colors


def ending(ends: Ends, label: int) -> str:
    """Where a ball with this label ended, in a few words."""
    if label == STILL_ROLLING:
        return "still moving (rolling or bouncing)"
    if label == DIVERGED:
        return "flew off (diverged)"
    if label == UNDEFINED:
        return "no loss here"
    return "ends at " + ends.names[label]


def basin_figure(
    surface: Surface, basins: Basins, grid: Grid, runs: Sequence[Run] = (), *, show_jumps: bool = True,
) -> go.Figure:
    """The grid of starts coloured by the valley each ball ends in; `runs` drawn on top (their
    start is the current one). show_jumps: dot the starts that end in a global minimum other
    than the one nearest to them."""
    colors = class_colors(basins.ends)
    order = sorted(colors)  # -3, -2, -1, 0, 1, ...
    index = {label: i for i, label in enumerate(order)}
    z = np.vectorize(index.__getitem__)(basins.labels).astype(np.int16)
    count = len(order)
    scale = [item for i, label in enumerate(order)
             for item in ([i / count, colors[label]], [(i + 1) / count, colors[label]])]
    text = np.vectorize(lambda label: ending(basins.ends, label), otypes=[object])(basins.labels)
    traces: list[go.BaseTraceType] = [go.Heatmap(
        x=basins.xs, y=basins.ys, z=z, zmin=-0.5, zmax=count - 0.5, colorscale=scale, showscale=False,
        text=text, hovertemplate="start (%{x:.3g}, %{y:.3g})<br>%{text}<extra></extra>",
        name="basins", showlegend=False,
    ), go.Contour(
        x=grid.xs, y=grid.ys, z=grid.height.astype(np.float32), contours=dict(coloring="lines"),
        ncontours=22, line=dict(width=0.7), colorscale=[[0, "rgba(30,30,30,0.35)"], [1, "rgba(30,30,30,0.35)"]],
        showscale=False, hoverinfo="skip", showlegend=False, name="contours",
    )]
    if show_jumps:
        labels = basins.labels
        jumped = (labels >= 0) & (labels < sum(basins.ends.known)) & (labels != basins.nearest)
        rows, cols = np.nonzero(jumped)
        traces.append(go.Scattergl(
            x=basins.xs[cols], y=basins.ys[rows], mode="markers", hoverinfo="skip",
            marker=dict(size=2.5, color="rgba(20,20,20,0.55)"),
            name=f"· jumped to a farther valley ({percent(basins.far_valley_share)} of those in a minimum)",
        ))
    minima = np.array(surface.minima)
    traces.append(go.Scatter(
        x=minima[:, 0], y=minima[:, 1], mode="markers", name=surface.minima_label, showlegend=False,
        marker=dict(symbol="star", size=15, color=MINIMUM_COLOR, line=dict(color="#5c4500", width=1)),
        hovertemplate=surface.minima_label + "<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
    ))
    for label in order:
        share = basins.share(label)
        if share == 0 or (label >= 0 and not basins.ends.known[label]):
            continue
        traces.append(_legend_square(colors[label], f"{ending(basins.ends, label)} · {percent(share)}"))
    flat = [label for label, known in enumerate(basins.ends.known) if not known]
    if flat:
        share = float(np.isin(basins.ends.labels, flat).mean())
        traces.append(_legend_square(FLAT_COLORS[0], f"stuck on another flat spot ({len(flat)} places) · "
                                                     f"{percent(share)}"))
    for run in runs:
        spec = get_optimizer(run.optimizer)
        xy = framed(run.positions, surface)
        traces.append(go.Scatter(
            x=xy[:, 0], y=xy[:, 1], mode="lines", line=dict(color=spec.color, width=2.5),
            name=f"{spec.label}'s path from your start", hoverinfo="skip",
        ))
    if runs:
        traces.append(start_marker(runs[0].positions[0], "your start", size=12))
    (x0, x1), (y0, y1) = surface.bounds
    figure = go.Figure(traces)
    figure.update_layout(
        font=FONT, margin=dict(l=45, r=10, t=10, b=40), plot_bgcolor="white", uirevision=surface.name,
        legend=dict(x=1.02, y=0.94, yanchor="top", title=dict(text="where the ball from each start ends")),
        xaxis=dict(title="start x (click to start there)", range=[x0, x1], constrain="domain", showgrid=False,
                   zeroline=False),
        yaxis=dict(title="start y", range=[y0, y1], scaleanchor="x", constrain="domain", showgrid=False,
                   zeroline=False),
        # on a phone the legend goes under the map, which takes the whole width (the view applies this)
        meta=dict(narrow=dict(
            margin=dict(l=40, r=8, t=8, b=40), extra_height=260,
            legend=dict(orientation="v", x=0, y=0.34, yanchor="top", xanchor="left", font=dict(size=11),
                        title=dict(text="where the ball from each start ends", side="top")),
            xaxis=dict(title=dict(text="start x (click)"), range=[x0, x1], constrain="domain", showgrid=False,
                       zeroline=False, domain=[0, 1]),
            yaxis=dict(title=dict(text="start y"), range=[y0, y1], scaleanchor="x", constrain="domain",
                       showgrid=False, zeroline=False, domain=[0.45, 1]),
        )),
    )
    return figure


def percent(share: float) -> str:
    """A share in whole percent, where a few starts out of thousands still show as "<1%"."""
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"


def _legend_square(color: str, name: str) -> go.Scatter:
    return go.Scatter(x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                      marker=dict(symbol="square", size=13, color=color, line=dict(color="#777", width=1)))
