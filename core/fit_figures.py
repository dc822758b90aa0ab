"""Figures for fitting data: the MSE mountain over two coefficients (the view's conventions,
see core.figures), the loss per step, and the data with the fitted curve."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import torch

from .data_fit import Data, Fit, features, mse
from .figures import BALL_RADIUS, CAMERA, FONT, LOSS_FLOOR, MINIMUM_COLOR, PHONE_CAMERA, START_COLOR, TERRAIN
from .optimizers import get_optimizer

RESOLUTION = 81


def _float32(values: np.ndarray) -> np.ndarray:
    """Half the bytes for hover numbers; a fit that flew off has losses past float32's range."""
    return np.minimum(values, np.finfo(np.float32).max).astype(np.float32)


def _slice(data: Data, fit: Fit, shown: tuple[int, int]):
    """The grid over the two shown coefficients, the others held at their best values."""
    x, y = torch.tensor(data.x), torch.tensor(data.y)
    inputs = features(x, fit.model, fit.centre)
    i, j = shown
    low = np.minimum(fit.coefficients[:, [i, j]].min(axis=0), fit.best[[i, j]])
    high = np.maximum(fit.coefficients[:, [i, j]].max(axis=0), fit.best[[i, j]])
    margin = 0.15 * np.maximum(high - low, 1e-3)
    axes = [np.linspace(low[k] - margin[k], high[k] + margin[k], RESOLUTION) for k in range(2)]
    grid = np.tile(fit.best, (RESOLUTION, RESOLUTION, 1))
    grid[..., i] = axes[0][None, :]
    grid[..., j] = axes[1][:, None]
    path = np.tile(fit.best, (len(fit.coefficients), 1))
    path[:, [i, j]] = fit.coefficients[:, [i, j]]
    with torch.no_grad():
        losses = mse(torch.tensor(grid), inputs, y).numpy()
        path_losses = mse(torch.tensor(path), inputs, y).numpy()
    return axes, losses, path_losses


def _ghost_traces(data: Data, ghost: Fit, label: str, color: str, shown, lift: float):
    """The comparison run, drawn faintly: run 1 for the view."""
    i, j = shown
    path = np.tile(ghost.best, (len(ghost.coefficients), 1))
    path[:, [i, j]] = ghost.coefficients[:, [i, j]]
    inputs = features(torch.tensor(data.x), ghost.model, ghost.centre)
    with torch.no_grad():
        z = np.log10(np.maximum(mse(torch.tensor(path), inputs, torch.tensor(data.y)).numpy(), LOSS_FLOOR)) + lift
    style = dict(color=color, width=4, dash="dash")
    return (
        [go.Scatter3d(x=ghost.coefficients[:, i], y=ghost.coefficients[:, j], z=z, mode="lines", opacity=0.5,
                      line=style, name=label, meta=dict(role="path", run=1), hoverinfo="skip"),
         go.Scatter3d(x=ghost.coefficients[-1:, i], y=ghost.coefficients[-1:, j], z=z[-1:] + lift,
                      mode="markers", opacity=0.5, marker=dict(size=10, color=color), showlegend=False,
                      hoverinfo="skip", meta=dict(role="ball", run=1))],
        go.Scatter(x=ghost.coefficients[:, i], y=ghost.coefficients[:, j], mode="lines", opacity=0.5,
                   line=dict(color=color, width=2, dash="dash"), name=label, meta=dict(role="path", run=1),
                   hoverinfo="skip"),
        go.Scatter(x=np.arange(len(ghost.losses)), y=np.maximum(ghost.losses, LOSS_FLOOR), mode="lines",
                   opacity=0.6, line=dict(color=color, width=1.5, dash="dash"), name=label),
    )


def fit_figures(
    data: Data, fit: Fit, optimizer: str, shown: tuple[int, int] = (0, 1),
    ghost: Fit | None = None, ghost_label: str = "",
) -> dict[str, go.Figure]:
    """{"mountain", "map", "loss"}: the MSE over two coefficients, from the side and from above,
    and the full-data loss per step; `ghost`, if given, is a second run drawn faintly beside."""
    spec = get_optimizer(optimizer)
    (xs, ys), losses, path_losses = _slice(data, fit, shown)
    # a fit whose coefficients flew far has a grid whose loss overflows float64 past its path: drawn at the top
    heights = np.log10(np.maximum(np.nan_to_num(losses, nan=np.finfo(np.float64).max), LOSS_FLOOR))
    path_z = np.log10(np.maximum(path_losses, LOSS_FLOOR))
    lift = 0.015 * float(heights.max() - heights.min())
    i, j = shown
    names = fit.names
    steps = np.arange(len(fit.coefficients))
    hover = np.column_stack((steps, fit.losses, fit.coefficients[:, i], fit.coefficients[:, j]))
    template = (f"<b>{spec.label}</b> · step %{{customdata[0]}}<br>{names[i]} = %{{customdata[2]:.4g}}, "
                f"{names[j]} = %{{customdata[3]:.4g}}<br>loss = %{{customdata[1]:.4g}}<extra></extra>")
    best = fit.best[[i, j]]
    # the path is named too: a far-flown fit's coarse grid lies decades above the path it samples around
    low = int(np.floor(min(heights.min(), path_z.min())))
    high = int(np.ceil(max(heights.max(), path_z.max())))
    # at most nine decades named, a round number of decades apart (1e0, 1e50, 1e100, not 1e1, 1e40, 1e79)
    every = next(n for n in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500) if n * 8 >= high - low)
    ticks = list(range(math.ceil(low / every) * every, high + 1, every))
    mountain = go.Figure([
        go.Surface(x=xs, y=ys, z=heights.astype(np.float32), colorscale=TERRAIN, showscale=False,
                   customdata=_float32(losses),
                   hovertemplate=f"{names[i]} = %{{x:.3g}}, {names[j]} = %{{y:.3g}}<br>"
                                 "loss = %{customdata:.4g}<extra></extra>",
                   contours=dict(z=dict(show=True, usecolormap=True, width=1)), name="mean squared error"),
        go.Scatter3d(x=[best[0]], y=[best[1]], z=[np.log10(max(float(losses.min()), LOSS_FLOOR)) + lift],
                     mode="markers", marker=dict(symbol="diamond", size=6, color=MINIMUM_COLOR),
                     name="best fit (least squares)"),
        go.Scatter3d(x=fit.coefficients[:, i], y=fit.coefficients[:, j], z=path_z + lift, mode="lines",
                     line=dict(color=spec.color, width=6), name=f"{spec.label}", customdata=hover,
                     hovertemplate=template, meta=dict(role="path", run=0)),
        go.Scatter3d(x=fit.coefficients[:1, i], y=fit.coefficients[:1, j], z=path_z[:1] + lift, mode="markers",
                     marker=dict(size=5, color=START_COLOR, line=dict(color="#222", width=2)), name="start"),
        go.Scatter3d(x=fit.coefficients[-1:, i], y=fit.coefficients[-1:, j], z=path_z[-1:] + 2 * lift,
                     mode="markers", marker=dict(size=10, color=spec.color, line=dict(color="#111", width=2)),
                     showlegend=False, hoverinfo="skip", meta=dict(role="ball", run=0)),
    ])
    mountain.update_layout(
        font=FONT, margin=dict(l=0, r=0, t=0, b=0), uirevision="fit",
        legend=dict(x=0.01, y=0.99, bgcolor="rgba(255,255,255,0.7)"),
        scene=dict(xaxis=dict(title=names[i]), yaxis=dict(title=names[j]),
                   zaxis=dict(title="MSE (log scale)", tickvals=ticks, ticktext=[f"1e{k}" for k in ticks]),
                   aspectmode="manual", aspectratio=dict(x=1, y=1, z=0.6),
                   camera=CAMERA),
        meta=dict(narrow=dict(scene_camera=PHONE_CAMERA)),  # a phone keeps the legend, from farther back
    )
    map_ = go.Figure([
        go.Contour(x=xs, y=ys, z=heights.astype(np.float32), colorscale=TERRAIN, showscale=False, ncontours=28,
                   line=dict(width=0.6, color="rgba(60,70,90,0.35)"), customdata=_float32(losses),
                   hovertemplate=f"{names[i]} = %{{x:.3g}}, {names[j]} = %{{y:.3g}}<br>"
                                 "loss = %{customdata:.4g}<extra></extra>"),
        go.Scatter(x=[best[0]], y=[best[1]], mode="markers", name="best fit",
                   marker=dict(symbol="star", size=14, color=MINIMUM_COLOR, line=dict(color="#5c4500", width=1))),
        go.Scatter(x=fit.coefficients[:, i], y=fit.coefficients[:, j], mode="lines+markers",
                   line=dict(color=spec.color, width=2), marker=dict(size=3, color=spec.color),
                   customdata=hover, hovertemplate=template, meta=dict(role="path", run=0)),
        go.Scatter(x=fit.coefficients[:1, i], y=fit.coefficients[:1, j], mode="markers", name="start",
                   marker=dict(size=11, color=START_COLOR, line=dict(color="#222", width=2))),
    ])
    # no scaleanchor: a stretched ravine should look stretched, but both axes must fit the panel
    map_.update_layout(
        font=FONT, margin=dict(l=45, r=10, t=10, b=35), showlegend=False, uirevision="fit",
        # automargin: a far-flown fit's ticks (−1×10¹⁵²) are wider than the margin
        xaxis=dict(title=names[i], range=[xs[0], xs[-1]], zeroline=False, automargin=True),
        yaxis=dict(title=names[j], range=[ys[0], ys[-1]], zeroline=False, automargin=True), plot_bgcolor="white",
        shapes=[dict(type="circle", name="ball:0", xref="x", yref="y", xsizemode="pixel", ysizemode="pixel",
                     xanchor=float(fit.coefficients[-1, i]), yanchor=float(fit.coefficients[-1, j]),
                     x0=-BALL_RADIUS, x1=BALL_RADIUS, y0=-BALL_RADIUS, y1=BALL_RADIUS,
                     fillcolor=spec.color, line=dict(color="#111", width=1.5), layer="above")],
    )
    loss = go.Figure([go.Scatter(
        x=steps, y=np.maximum(fit.losses, LOSS_FLOOR), mode="lines", line=dict(color=spec.color, width=2),
        name=f"{spec.label}: loss on all the data", meta=dict(role="path", run=0),
        hovertemplate="step %{x}<br>loss = %{y:.4g}<extra></extra>",
    )])
    loss.update_layout(
        font=FONT, margin=dict(l=60, r=10, t=10, b=35), plot_bgcolor="white", uirevision="loss",
        xaxis=dict(title="step", gridcolor="#eee", range=[0, max(1, len(steps) - 1)]),
        yaxis=dict(title="MSE (log scale)", type="log", gridcolor="#eee", exponentformat="power"),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
        shapes=[dict(type="line", xref="x", yref="paper", x0=0, x1=0, y0=0, y1=1,
                     line=dict(color="#888", width=1, dash="dot"))],
    )
    if ghost is not None:
        mountain_traces, map_trace, loss_trace = _ghost_traces(data, ghost, ghost_label, spec.color, shown, lift)
        mountain.add_traces(mountain_traces)
        map_.add_trace(map_trace)
        map_.add_shape(type="circle", name="ball:1", xref="x", yref="y", xsizemode="pixel", ysizemode="pixel",
                       xanchor=float(ghost.coefficients[-1, i]), yanchor=float(ghost.coefficients[-1, j]),
                       x0=-BALL_RADIUS, x1=BALL_RADIUS, y0=-BALL_RADIUS, y1=BALL_RADIUS, opacity=0.5,
                       fillcolor=spec.color, line=dict(color="#111", width=1), layer="above")
        loss.add_trace(loss_trace)
    return {"mountain": mountain, "map": map_, "loss": loss}


def data_figure(data: Data, fit: Fit, optimizer: str) -> go.Figure:
    """The points, the best fit and where training got to."""
    spec = get_optimizer(optimizer)
    grid = torch.linspace(float(data.x.min()), float(data.x.max()), 200, dtype=torch.float64)
    inputs = features(grid, fit.model, fit.centre)
    figure = go.Figure([
        go.Scatter(x=data.x, y=data.y, mode="markers", name="data", marker=dict(size=6, color="#6b7280")),
        go.Scatter(x=grid.numpy(), y=(inputs @ torch.tensor(fit.best)).numpy(), mode="lines",
                   name="best fit (least squares)", line=dict(color=MINIMUM_COLOR, width=3)),
        go.Scatter(x=grid.numpy(), y=(inputs @ torch.tensor(fit.coefficients[-1])).numpy(), mode="lines",
                   name=f"{spec.label} after {len(fit.coefficients) - 1} steps",
                   line=dict(color=spec.color, width=2, dash="dash")),
    ])
    figure.update_layout(font=FONT, height=320, margin=dict(l=50, r=10, t=10, b=40), plot_bgcolor="white",
                         xaxis=dict(title="x", gridcolor="#eee"), yaxis=dict(title="y", gridcolor="#eee"),
                         legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return figure
