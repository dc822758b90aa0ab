"""Figures for the lessons: gradients piling up without zero_grad(), and the learning rate
against the stability limit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .descent import Run, gradients_at
from .figures import FONT, LOSS_FLOOR, log_top
from .optimizers import get_optimizer
from .surfaces import Surface

SMOOTH, ZIGZAG, UNSTABLE = "#dff3e3", "#fff1c9", "#fbd9d6"


def accumulation_figure(surface: Surface, runs: Sequence[Run]) -> go.Figure:
    """|fresh gradient ∇f| against |p.grad| per step for each run (log scale).

    With zero_grad() forgotten, p.grad is the running sum of every fresh gradient so far. One
    entry per optimizer in the legend (solid: p.grad, dotted: the fresh gradient); a run whose
    p.grad flies off is cut at the axis top and marked there (core.figures.log_top).
    """
    figure = go.Figure()
    norms = []
    for run in runs:
        steps = np.arange(len(run.grads))
        fresh = np.hypot(*gradients_at(surface, run.positions[:-1]).T) if len(steps) else np.zeros(0)
        norms.append((run, steps, np.maximum(np.hypot(*run.grads.T), LOSS_FLOOR), np.maximum(fresh, LOSS_FLOOR)))
    top = log_top([float(max(held.max(), fresh.max())) if len(held) else np.nan for _, _, held, fresh in norms])
    annotations = []
    for run, steps, held, fresh in norms:
        spec = get_optimizer(run.optimizer)
        figure.add_trace(go.Scatter(
            x=steps, y=held, mode="lines", line=dict(color=spec.color, width=2.5), name=spec.label,
            legendgroup=spec.name,
            hovertemplate=f"{spec.label} · step %{{x}}<br>|p.grad| = %{{y:.4g}} (what the step used)<extra></extra>",
        ))
        figure.add_trace(go.Scatter(
            x=steps, y=fresh, mode="lines", line=dict(color=spec.color, width=1.5, dash="dot"),
            name=f"{spec.label}: |∇f| here", legendgroup=spec.name, showlegend=False,
            hovertemplate=f"{spec.label} · step %{{x}}<br>|∇f| = %{{y:.4g}} (the fresh gradient)<extra></extra>",
        ))
        if top is not None and len(held) and max(held.max(), fresh.max()) > top:
            leaves = int(np.argmax((held > top) | (fresh > top)))
            said = f"{spec.label} ↑ off the chart (up to {max(held.max(), fresh.max()):.2g})"
            figure.add_trace(go.Scatter(
                x=[leaves], y=[top], mode="markers", showlegend=False, cliponaxis=False,
                marker=dict(symbol="triangle-up", size=11, color=spec.color, line=dict(width=1, color="#111")),
                hovertemplate=said + "<extra></extra>"))
            annotations.append(dict(x=leaves, y=float(np.log10(top)), xanchor="left", yanchor="top", text=said,
                                    showarrow=False, xshift=8, yshift=-2 - 14 * len(annotations),
                                    font=dict(color=spec.color, size=11)))
    for dash, text in (("solid", "|p.grad|: what the step used"), ("dot", "|∇f|: the fresh gradient")):
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=text, hoverinfo="skip",
                                    line=dict(color="#555", width=2, dash=dash)))
    axis = dict(title="gradient norm (log scale)", type="log", gridcolor="#eee", exponentformat="power", nticks=5,
                minorloglabels="none")
    if top is not None:
        bottom = min(float(min(held.min(), fresh.min())) for _, _, held, fresh in norms if len(held)) / 3
        axis["range"] = [float(np.log10(max(bottom, LOSS_FLOOR))), float(np.log10(top))]
    figure.update_layout(
        font=FONT, height=340, margin=dict(l=60, r=10, t=30, b=40), plot_bgcolor="white",
        xaxis=dict(title="step", gridcolor="#eee"), yaxis=axis, annotations=annotations,
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0),
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
