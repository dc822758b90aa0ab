"""The learning-rate sweep as one chart: final loss, steps to the tolerance and each ball's status, against lr.

Every trace that stands for the sweep's learning rates carries meta {"role": "rate"}, so a
viewer can turn a click anywhere in a column into "use this learning rate".
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .figures import FONT, LOSS_FLOOR
from .optimizers import get_optimizer
from .status import LABELS, STATUSES
from .sweep import Sweep

# one colour per status, in STATUSES order: converged, creeping, bouncing, stuck, diverged,
# off the domain, schedule ran out
STATUS_COLORS = ("#74c476", "#9ecae1", "#fdae6b", "#bcbddc", "#de2d26", "#636363", "#bdbdbd")
LR_COLOR = "#262730"
LIMIT_COLOR = "#6a3d9a"


def _vline(x: float, low: float, high: float, color: str, dash: str, name: str) -> go.Scatter:
    return go.Scatter(x=[x, x], y=[low, high], mode="lines", line=dict(color=color, width=1.5, dash=dash),
                      name=name, showlegend=False, hoverinfo="skip", legend="legend")


def sweep_figure(sweep: Sweep, lr: float | None = None, limit: float | None = None) -> go.Figure:
    """Final loss gap (log) and steps to reach the tolerance against the learning rate (log), one
    line per optimizer, over a ribbon naming each rate's status (core.status, as for every run). `lr`: the learning rate in use,
    marked; `limit`: plain gradient descent's stability limit 2/λmax, marked."""
    figure = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                           row_heights=[0.46, 0.32, 0.22])
    gaps = np.maximum(sweep.final_losses, LOSS_FLOOR)
    start_gap = max(float(sweep.losses[0, 0, 0]) - sweep.floor, LOSS_FLOOR)
    top = 1e3 * start_gap
    finite = gaps[np.isfinite(gaps)]
    bottom = max(min(float(finite.min()) if finite.size else start_gap, start_gap) / 10, LOSS_FLOOR)
    for k, name in enumerate(sweep.optimizers):
        spec = get_optimizer(name)
        statuses = [LABELS[STATUSES[code]] for code in sweep.statuses[k]]
        reached = np.where(sweep.reached_at[k] >= 0, sweep.reached_at[k], np.nan)
        data = np.column_stack((sweep.final_losses[k] + sweep.floor, reached))
        hover = (f"<b>{spec.label}</b> · lr %{{x:.3g}}<br>final loss %{{customdata[0]:.4g}}"
                 "<br>%{text}<extra></extra>")
        texts = [status + (f", reached in {int(steps)} steps" if np.isfinite(steps) else "")
                 for status, steps in zip(statuses, reached)]
        shown = np.where(gaps[k] > top, np.nan, gaps[k])  # a ball leaping away is marked ✕ instead
        figure.add_trace(go.Scatter(
            x=sweep.lrs, y=shown, mode="lines+markers", line=dict(color=spec.color, width=2),
            marker=dict(size=5), name=spec.label, legendgroup=name, customdata=data, text=texts,
            hovertemplate=hover, meta=dict(role="rate"), legend="legend",
        ), row=1, col=1)
        off = sweep.statuses[k] == STATUSES.index("diverged")
        if off.any():
            figure.add_trace(go.Scatter(
                x=sweep.lrs[off], y=np.full(int(off.sum()), top), mode="markers", cliponaxis=False,
                marker=dict(symbol="x", size=8, color=spec.color, line=dict(width=1, color="#111")),
                name=f"{spec.label} diverged", legendgroup=name, showlegend=False, legend="legend",
                hovertemplate=f"<b>{spec.label}</b> · lr %{{x:.3g}}<br>diverged<extra></extra>",
                meta=dict(role="rate"),
            ), row=1, col=1)
        figure.add_trace(go.Scatter(
            x=sweep.lrs, y=reached, mode="lines+markers", line=dict(color=spec.color, width=2),
            marker=dict(size=4), name=spec.label, legendgroup=name, showlegend=False, legend="legend",
            hovertemplate=f"<b>{spec.label}</b> · lr %{{x:.3g}}<br>reached in %{{y}} steps<extra></extra>",
            meta=dict(role="rate"),
        ), row=2, col=1)
        best = sweep.best_lr(name)
        if best is not None:
            i = int(np.argmin(np.abs(sweep.lrs - best)))
            figure.add_trace(go.Scatter(
                x=[best], y=[reached[i]], mode="markers", showlegend=False, legend="legend",
                marker=dict(symbol="star", size=13, color=spec.color, line=dict(width=1, color="#111")),
                hovertemplate=f"<b>{spec.label}</b>: fastest at lr %{{x:.3g}} ({int(reached[i])} steps)"
                              "<extra></extra>", meta=dict(role="rate"),
            ), row=2, col=1)
    labels = [get_optimizer(name).label for name in sweep.optimizers]
    # the ribbon: one row of coloured cells per optimizer, a discrete colour per status
    count = len(STATUSES)
    scale = [item for k, color in enumerate(STATUS_COLORS)
             for item in ([k / count, color], [(k + 1) / count, color])]
    figure.add_trace(go.Heatmap(
        x=sweep.lrs, y=labels, z=sweep.statuses, zmin=-0.5, zmax=count - 0.5, colorscale=scale, showscale=False,
        xgap=1, ygap=2, text=[[LABELS[STATUSES[code]] for code in row] for row in sweep.statuses],
        hovertemplate="<b>%{y}</b> · lr %{x:.3g}<br>%{text}<extra></extra>", meta=dict(role="rate"),
    ), row=3, col=1)
    present = set(sweep.statuses.ravel().tolist())
    for code, (status, color) in enumerate(zip(STATUSES, STATUS_COLORS)):
        if code in present:
            figure.add_trace(go.Scatter(
                x=[None], y=[None], mode="markers", marker=dict(symbol="square", size=12, color=color),
                name=LABELS[status], legend="legend2", hoverinfo="skip",
            ), row=3, col=1)
    marks = []
    if lr is not None:
        marks.append((lr, LR_COLOR, "dash", f"your lr {lr:.3g}"))
    if limit is not None and np.isfinite(limit):
        marks.append((limit, LIMIT_COLOR, "dot", f"plain GD limit 2/λmax = {limit:.3g}"))
    annotations, short = [], []
    for x, color, dash, text in sorted(marks):
        figure.add_trace(_vline(x, bottom, top, color, dash, text), row=1, col=1)
        figure.add_trace(_vline(x, 0, sweep.steps, color, dash, text), row=2, col=1)
        # the lower rate's label reads leftwards from its line, the higher one's rightwards: never crossing
        annotations.append(dict(x=float(np.log10(x)), y=1.0, xref="x", yref="paper", text=text,
                                showarrow=False, yanchor="bottom", xanchor="left" if annotations else "right",
                                font=dict(color=color, size=11)))
        short.append({**annotations[-1], "text": text.split(" = ")[0].replace("plain GD limit ", ""),
                      "font": dict(color=color, size=10)})
    figure.update_layout(
        font=FONT, margin=dict(l=85, r=150, t=26, b=40), plot_bgcolor="white", hovermode="x",
        uirevision="sweep", annotations=annotations,
        legend=dict(x=1.01, y=1.0, yanchor="top", title=dict(text="optimizer")),
        legend2=dict(x=1.01, y=0.0, yanchor="bottom", title=dict(text="status")),
        yaxis=dict(title="final loss − min" if sweep.floor else "final loss", type="log",
                   range=[float(np.log10(bottom)), float(np.log10(top)) + 0.15], exponentformat="power",
                   minorloglabels="none",
                   gridcolor="#eee"),
        yaxis2=dict(title=f"steps to {sweep.tolerance:.2g}", range=[0, sweep.steps * 1.05], gridcolor="#eee"),
        yaxis3=dict(autorange="reversed"),
        # on a phone the legends go below the chart and the marks' labels get short (the view applies this)
        meta=dict(narrow=dict(
            margin=dict(l=55, r=8, t=26, b=175), annotations=short, extra_height=190,
            legend=dict(orientation="h", x=0, y=-0.16, yanchor="top", title=dict(text="")),
            legend2=dict(orientation="h", x=0, y=-0.27, yanchor="top", title=dict(text="")),
        )),
    )
    figure.update_xaxes(type="log", range=[float(np.log10(sweep.lrs[0])), float(np.log10(sweep.lrs[-1]))],
                        gridcolor="#eee", exponentformat="power")
    figure.update_xaxes(title="learning rate (click to use it)", row=3, col=1)
    return figure
