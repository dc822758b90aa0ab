"""Figures for the lessons: gradients piling up without zero_grad(), and the learning rate
against the stability limit."""

from __future__ import annotations

from collections.abc import Sequence

import math

import numpy as np
import plotly.graph_objects as go

from .descent import Run, gradients_at
from .figures import FONT, LOSS_FLOOR, log_top
from .optimizers import get_optimizer
from .surfaces import Surface
from .wording import number

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


LR_AXIS = (1e-5, 10.0)
SVG_WIDTH, SVG_HEIGHT, SVG_PAD = 240, 74, 8


def _svg_x(value: float, low: float = LR_AXIS[0], high: float = LR_AXIS[1]) -> float:
    """Where a learning rate sits on the strip (log scale)."""
    span = math.log10(high) - math.log10(low)
    where = (math.log10(min(max(value, low), high)) - math.log10(low)) / span
    return round(SVG_PAD + where * (SVG_WIDTH - 2 * SVG_PAD), 2)


def lr_scale_svg(lr: float, limit: float | None) -> str:
    """The learning-rate scale (log, 1e-5 … 10) as a small SVG: plain gradient descent's regimes
    around its stability limit 2/λmax (smooth below half of it, zig-zag up to it, overshooting
    past it), the limit marked, and `lr` as a triangle. A few hundred bytes, where a Plotly chart
    is kilobytes and a server-side serialisation on every rerun."""
    top, bottom = 18, 52
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SVG_WIDTH} {SVG_HEIGHT}" width="100%" '
             'role="img" aria-label="your learning rate against the stability limit" '
             'font-family="sans-serif" font-size="9">']
    low, high = LR_AXIS
    if limit is not None:
        for start, end, color, text in ((low, 0.5 * limit, SMOOTH, "smooth"), (0.5 * limit, limit, ZIGZAG, "zig-zag"),
                                        (limit, high, UNSTABLE, "overshoots")):
            start, end = max(start, low), min(end, high)
            if start >= end:
                continue
            x0, x1 = _svg_x(start), _svg_x(end)
            parts.append(f'<rect x="{x0}" y="{top}" width="{round(x1 - x0, 2)}" height="{bottom - top}" fill="{color}"/>')
            if x1 - x0 >= 34:  # wide enough to hold its name
                parts.append(f'<text x="{round((x0 + x1) / 2, 2)}" y="{bottom - 5}" text-anchor="middle" '
                             f'fill="#555">{text}</text>')
        x = _svg_x(limit)
        anchor = "end" if x > SVG_WIDTH - 45 else "start" if x < 45 else "middle"
        parts.append(f'<line x1="{x}" x2="{x}" y1="{top}" y2="{bottom}" stroke="#c0392b" stroke-width="2"/>')
        parts.append(f'<text x="{x}" y="{top - 4}" text-anchor="{anchor}" fill="#c0392b" font-size="10">'
                     f'2/λmax = {number(limit)}</text>')
    x = _svg_x(lr)
    parts.append(f'<path d="M {x - 6} {top + 4} L {x + 6} {top + 4} L {x} {top + 14} Z" fill="#1f2430">'
                 f'<title>your learning rate: {number(lr)}</title></path>')
    for tick, text in ((1e-4, "1e-4"), (1e-3, "0.001"), (1e-2, "0.01"), (1e-1, "0.1"), (1.0, "1"), (10.0, "10")):
        parts.append(f'<text x="{_svg_x(tick)}" y="{SVG_HEIGHT - 8}" text-anchor="middle" fill="#444">{text}</text>')
    return "".join(parts) + "</svg>"
