"""Figures of a network's loss landscape, drawn with the explorer's conventions so the same
view rolls the training trajectory down it (see core.figures for the roles and shapes)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .figures import BALL_RADIUS, CAMERA, FONT, LOSS_FLOOR, MINIMUM_COLOR, PHONE_CAMERA, START_COLOR, TERRAIN
from .landscape import Landscape
from .optimizers import get_optimizer


def _height(losses: np.ndarray) -> np.ndarray:
    return np.log10(np.maximum(losses, LOSS_FLOOR))


def landscape_figures(view: Landscape, optimizer: str) -> dict[str, go.Figure]:
    """{"mountain", "map", "loss"}: the plane's loss in 3-D and from above, and the loss per step."""
    spec = get_optimizer(optimizer)
    heights = _height(view.losses)
    lo, hi = float(heights.min()), float(heights.max())
    lift = 0.015 * (hi - lo)
    steps = np.arange(len(view.path))
    hover = np.column_stack((steps, view.path_losses))
    template = (f"<b>{spec.label}</b> · step %{{customdata[0]}}<br>training loss = %{{customdata[1]:.4g}}"
                "<extra></extra>")
    path_z = _height(view.path_plane_losses) + lift
    every = max(1, int(np.ceil((hi - lo) / 6)))  # at most about six labelled decades
    ticks = list(range(int(np.ceil(hi)), int(np.floor(lo)) - 1, -every))[::-1]
    mountain = go.Figure([
        go.Surface(x=view.alphas, y=view.betas, z=heights.astype(np.float32), colorscale=TERRAIN,
                   showscale=False, customdata=view.losses.astype(np.float32),
                   hovertemplate="α = %{x:.3g}, β = %{y:.3g}<br>loss = %{customdata:.4g}<extra></extra>",
                   contours=dict(z=dict(show=True, usecolormap=True, width=1)), name="loss on the plane"),
        go.Scatter3d(x=[0], y=[0], z=[_height(np.array([view.center_loss]))[0] + lift], mode="markers",
                     marker=dict(symbol="diamond", size=6, color=MINIMUM_COLOR), name="trained weights",
                     hovertemplate="trained weights<extra></extra>"),
        go.Scatter3d(x=view.path[:, 0], y=view.path[:, 1], z=path_z, mode="lines",
                     line=dict(color=spec.color, width=6), name=f"{spec.label} training path",
                     customdata=hover, hovertemplate=template, meta=dict(role="path", run=0)),
        go.Scatter3d(x=view.path[:1, 0], y=view.path[:1, 1], z=path_z[:1], mode="markers", name="start",
                     marker=dict(size=5, color=START_COLOR, line=dict(color="#222", width=2)),
                     hovertemplate="the initial weights<extra></extra>"),
        go.Scatter3d(x=view.path[-1:, 0], y=view.path[-1:, 1], z=path_z[-1:] + lift, mode="markers",
                     marker=dict(size=10, color=spec.color, line=dict(color="#111", width=2)),
                     showlegend=False, hoverinfo="skip", meta=dict(role="ball", run=0)),
    ])
    mountain.update_layout(
        font=FONT, margin=dict(l=0, r=0, t=0, b=0), uirevision="landscape",
        legend=dict(x=0.01, y=0.99, bgcolor="rgba(255,255,255,0.7)"),
        scene=dict(xaxis=dict(title="α (direction 1)"), yaxis=dict(title="β (direction 2)"),
                   zaxis=dict(title="loss (log scale)", tickvals=ticks, ticktext=[f"1e{k}" for k in ticks]),
                   aspectmode="manual", aspectratio=dict(x=1, y=1, z=0.6),
                   camera=CAMERA),
        meta=dict(narrow=dict(scene_camera=PHONE_CAMERA)),  # a phone keeps the legend, from farther back
    )
    map_ = go.Figure([
        go.Contour(x=view.alphas, y=view.betas, z=heights.astype(np.float32), colorscale=TERRAIN,
                   showscale=False, ncontours=28, line=dict(width=0.6, color="rgba(60,70,90,0.35)"),
                   customdata=view.losses.astype(np.float32),
                   hovertemplate="α = %{x:.3g}, β = %{y:.3g}<br>loss = %{customdata:.4g}<extra></extra>"),
        go.Scatter(x=[0], y=[0], mode="markers", name="trained weights",
                   marker=dict(symbol="star", size=14, color=MINIMUM_COLOR, line=dict(color="#5c4500", width=1))),
        go.Scatter(x=view.path[:, 0], y=view.path[:, 1], mode="lines+markers",
                   line=dict(color=spec.color, width=2), marker=dict(size=3, color=spec.color),
                   customdata=hover, hovertemplate=template, meta=dict(role="path", run=0)),
        go.Scatter(x=view.path[:1, 0], y=view.path[:1, 1], mode="markers", name="start",
                   marker=dict(size=11, color=START_COLOR, line=dict(color="#222", width=2))),
    ])
    map_.update_layout(
        font=FONT, margin=dict(l=40, r=10, t=10, b=35), showlegend=False, uirevision="landscape",
        xaxis=dict(title="α", range=[view.alphas[0], view.alphas[-1]], constrain="domain", zeroline=False),
        yaxis=dict(title="β", range=[view.betas[0], view.betas[-1]], scaleanchor="x", constrain="domain",
                   zeroline=False),
        plot_bgcolor="white",
        shapes=[dict(type="circle", name="ball:0", xref="x", yref="y", xsizemode="pixel", ysizemode="pixel",
                     xanchor=float(view.path[-1, 0]), yanchor=float(view.path[-1, 1]),
                     x0=-BALL_RADIUS, x1=BALL_RADIUS, y0=-BALL_RADIUS, y1=BALL_RADIUS,
                     fillcolor=spec.color, line=dict(color="#111", width=1.5), layer="above")],
    )
    loss = go.Figure([go.Scatter(
        x=steps, y=np.maximum(view.path_losses, LOSS_FLOOR), mode="lines", line=dict(color=spec.color, width=2),
        name=f"{spec.label}: training loss",
        hovertemplate=f"<b>{spec.label}</b> · step %{{x}}<br>loss = %{{y:.4g}}<extra></extra>",
        meta=dict(role="path", run=0),
    ), go.Scatter(
        x=steps, y=np.maximum(view.path_plane_losses, LOSS_FLOOR), mode="lines",
        line=dict(color=spec.color, width=1.5, dash="dot"), name="loss at its shadow on the plane",
        hovertemplate="step %{x}<br>on the plane: %{y:.4g}<extra></extra>",
    )])
    loss.update_layout(
        font=FONT, margin=dict(l=60, r=10, t=10, b=35), plot_bgcolor="white", uirevision="loss",
        xaxis=dict(title="step", gridcolor="#eee", range=[0, len(steps) - 1]),
        yaxis=dict(title="loss (log scale)", type="log", gridcolor="#eee", exponentformat="power"),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
        shapes=[dict(type="line", xref="x", yref="paper", x0=0, x1=0, y0=0, y1=1,
                     line=dict(color="#888", width=1, dash="dot"))],
    )
    return {"mountain": mountain, "map": map_, "loss": loss}
