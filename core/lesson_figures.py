"""Figures for the lessons: gradients piling up without zero_grad(), and the learning rate
against the stability limit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .descent import Run, gradients_at
from .figures import FONT, LOSS_FLOOR
from .optimizers import get_optimizer
from .surfaces import Surface

SMOOTH, ZIGZAG, UNSTABLE = "#dff3e3", "#fff1c9", "#fbd9d6"


def accumulation_figure(surface: Surface, runs: Sequence[Run]) -> go.Figure:
    """|fresh gradient ∇f| against |p.grad| per step for each run (log scale).

    With zero_grad() forgotten, p.grad is the running sum of every fresh gradient so far.
    """
    figure = go.Figure()
    for run in runs:
        spec = get_optimizer(run.optimizer)
        steps = np.arange(len(run.grads))
        fresh = np.hypot(*gradients_at(surface, run.positions[:-1]).T) if len(steps) else steps
        held = np.hypot(*run.grads.T)
        figure.add_trace(go.Scatter(
            x=steps, y=np.maximum(held, LOSS_FLOOR), mode="lines", line=dict(color=spec.color, width=2.5),
            name=f"{spec.label}: |p.grad| (what the step used)", legendgroup=spec.name,
            hovertemplate=f"{spec.label} · step %{{x}}<br>|p.grad| = %{{y:.4g}}<extra></extra>",
        ))
        figure.add_trace(go.Scatter(
            x=steps, y=np.maximum(fresh, LOSS_FLOOR), mode="lines",
            line=dict(color=spec.color, width=1.5, dash="dot"),
            name=f"{spec.label}: |∇f| here (the fresh gradient)", legendgroup=spec.name,
            hovertemplate=f"{spec.label} · step %{{x}}<br>|∇f| = %{{y:.4g}}<extra></extra>",
        ))
    figure.update_layout(
        font=FONT, height=320, margin=dict(l=60, r=10, t=10, b=40), plot_bgcolor="white",
        xaxis=dict(title="step", gridcolor="#eee"),
        yaxis=dict(title="gradient norm (log scale)", type="log", gridcolor="#eee", exponentformat="power"),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
    )
    return figure


def lr_scale_figure(lr: float, limit: float | None, low: float = 1e-5, high: float = 10.0) -> go.Figure:
    """The learning-rate scale (log) with the plain-GD regimes around 2/λmax and `lr` marked."""
    figure = go.Figure()
    if limit is not None:
        bands = [(low, 0.5 * limit, SMOOTH, "smooth"), (0.5 * limit, limit, ZIGZAG, "zig-zag"),
                 (limit, high, UNSTABLE, "overshoots")]
        for start, end, color, text in bands:
            start, end = max(start, low), min(end, high)
            if start >= end:
                continue
            figure.add_shape(type="rect", x0=start, x1=end, y0=0, y1=1, yref="paper",
                             fillcolor=color, line=dict(width=0), layer="below")
            if np.log10(end / start) < 0.9:
                continue  # too narrow to hold its name
            figure.add_annotation(x=np.log10(np.sqrt(start * end)), y=0.18, yref="paper", text=text,
                                  showarrow=False, font=dict(size=10, color="#555"))
        figure.add_shape(type="line", x0=limit, x1=limit, y0=0, y1=1, yref="paper",
                         line=dict(color="#c0392b", width=2))
        figure.add_annotation(x=np.log10(limit), y=1.0, yref="paper", yanchor="bottom",
                              text=f"2/λmax = {limit:.3g}", showarrow=False,
                              font=dict(size=11, color="#c0392b"))
    figure.add_trace(go.Scatter(
        x=[lr], y=[0.62], mode="markers", marker=dict(symbol="triangle-down", size=14, color="#1f2430"),
        hovertemplate="your learning rate: %{x:.3g}<extra></extra>", showlegend=False,
    ))
    figure.update_layout(
        font=FONT, height=95, margin=dict(l=8, r=8, t=22, b=22), plot_bgcolor="white",
        xaxis=dict(type="log", range=[np.log10(low), np.log10(high)], showgrid=False,
                   tickvals=[1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10],
                   ticktext=["1e-5", "1e-4", "0.001", "0.01", "0.1", "1", "10"]),
        yaxis=dict(visible=False, range=[0, 1]),
    )
    return figure
