"""Paper versus PyTorch on the map: the two balls' paths from the same start."""

from __future__ import annotations

import numpy as np

from .figures import FONT, MINIMUM_COLOR, framed, start_marker, terrain_map
from .grid import surface_grid
from .optimizers import get_optimizer
from .paper import Comparison
from .surfaces import Surface

PAPER_COLOR = "#444444"


def paper_figure(surface: Surface, comparison: Comparison) -> dict:
    """The contour map with PyTorch's path (the optimizer's colour, solid) and the paper's (grey,
    dashed, open markers), each ending in its ball; a Plotly figure dict."""
    spec = get_optimizer(comparison.rule.optimizer)
    minima = np.array(surface.minima)
    traces = [terrain_map(surface, surface_grid(surface)), dict(
        type="scatter", x=minima[:, 0], y=minima[:, 1], mode="markers", name="global minimum", showlegend=False,
        marker=dict(symbol="star", size=13, color=MINIMUM_COLOR, line=dict(color="#5c4500", width=1)),
        hoverinfo="skip")]
    for name, path, color, dash, symbol in (
            (f"{spec.label} in PyTorch", comparison.pytorch, spec.color, "solid", "circle"),
            (f"{spec.label} as the paper writes it", comparison.paper, PAPER_COLOR, "dash", "circle-open")):
        xy = framed(path, surface)
        traces.append(dict(
            type="scatter", x=xy[:, 0], y=xy[:, 1], mode="lines+markers", name=name,
            line=dict(color=color, width=2.2, dash=dash), marker=dict(size=5, color=color, symbol=symbol),
            hovertemplate=f"{name}<br>step %{{pointNumber}}: (%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
        ))
        traces.append(dict(type="scatter", x=xy[-1:, 0], y=xy[-1:, 1], mode="markers", showlegend=False,
                           marker=dict(size=14, color=color, line=dict(color="#111", width=1.5)), hoverinfo="skip"))
    traces.append(start_marker(comparison.pytorch[0]))
    (x0, x1), (y0, y1) = surface.bounds
    return dict(data=traces, layout=dict(
        font=FONT, height=420, margin=dict(l=40, r=10, t=10, b=35), plot_bgcolor="white",
        legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"),
        xaxis=dict(title=dict(text="x"), range=[x0, x1], constrain="domain", showgrid=False, zeroline=False),
        yaxis=dict(title=dict(text="y"), range=[y0, y1], scaleanchor="x", constrain="domain", showgrid=False,
                   zeroline=False),
    ))
