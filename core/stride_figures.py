"""Your stride as figures: the explorer's mountain, map and charts with the three balls told apart
by colour (they are all plain SGD), and a strip of learning rates with 2/λmax of the valley
nearest the start marked."""

from __future__ import annotations

import math

from .figures import loss_figure, map_figure, mountain_figure
from .grid import Grid
from .looks import STANDARD, Look
from .stride import Strides
from .surfaces import Surface
from .wording import number

STRIDE_COLORS = ("#1c7ed6", "#2f9e44", "#e03131")
STRIDE_NAMES = ("blue", "green", "red")


def _restyle(figure: dict, names: list[str], colors: tuple[str, ...]) -> dict:
    """Each run's traces and ball in its own colour and name (the builders colour by optimizer)."""
    for trace in figure["data"]:
        meta = trace.get("meta") if isinstance(trace.get("meta"), dict) else {}
        k = meta.get("run")
        if k is None or k >= len(names):
            continue
        for part in ("line", "marker"):
            if isinstance(trace.get(part), dict) and isinstance(trace[part].get("color"), str):
                trace[part]["color"] = colors[k]
        trace["name"] = names[k]
        if isinstance(trace.get("hovertemplate"), str):
            trace["hovertemplate"] = trace["hovertemplate"].replace("<b>SGD</b>", f"<b>{names[k]}</b>")
    for shape in figure["layout"].get("shapes") or []:
        name = shape.get("name") or ""
        if name.startswith("ball:") and int(name[5:]) < len(names):
            shape["fillcolor"] = colors[int(name[5:])]
    return figure


def stride_figures(surface: Surface, grid: Grid, strides: Strides, look: Look = STANDARD) -> dict[str, dict]:
    """mountain, map, loss: the explorer's figures of the balls, each in its colour; feature: the
    strip of their learning rates against 2/λmax."""
    runs = [ball.run for ball in strides.balls]
    names = [f"{STRIDE_NAMES[k]}: lr {number(run.lr)}" for k, run in enumerate(runs)]
    figures = {"mountain": mountain_figure(surface, runs, grid, look=look), "map": map_figure(surface, runs, grid, look=look),
               "loss": loss_figure(surface, runs, look=look)}
    figures = {key: _restyle(figure, names, STRIDE_COLORS) for key, figure in figures.items()}
    figures["feature"] = stride_strip(strides, look)
    return figures


def stride_strip(strides: Strides, look: Look = STANDARD) -> dict:
    """The balls' learning rates on a log axis, with 2/λmax of the valley nearest the start: plain
    gradient descent cannot settle in that valley at a rate past it."""
    rates = [ball.run.lr for ball in strides.balls]
    marks = rates + ([strides.limit] if strides.limit else [])
    low, high = math.log10(min(marks) / 3), math.log10(max(marks) * 3)
    data = [dict(type="scatter", x=[ball.run.lr], y=[0], mode="markers+text", name=STRIDE_NAMES[k],
                 marker=dict(symbol="triangle-down", size=16, color=STRIDE_COLORS[k], line=dict(color="#111", width=1)),
                 text=[f"{STRIDE_NAMES[k]}: {number(ball.run.lr)} · {ball.word}"],
                 # neighbours' words on opposite sides, so two close strides stay readable
                 textposition="bottom center" if k % 2 == 0 else "top center", textfont=dict(color=STRIDE_COLORS[k]),
                 hovertemplate=f"{STRIDE_NAMES[k]}: lr %{{x:.3g}}<extra></extra>", meta=dict(role="stride", run=k))
            for k, ball in enumerate(strides.balls)]
    shapes, annotations = [], []
    if strides.limit:
        shapes.append(dict(type="line", x0=strides.limit, x1=strides.limit, y0=0, y1=1, yref="paper",
                           line=dict(color="#c0392b", width=2, dash="dash"), name="limit"))
        nearest = f"({number(strides.nearest[0])}, {number(strides.nearest[1])})"
        # the words run away from the nearer edge of the strip
        right = (math.log10(strides.limit) - low) / (high - low) > 0.5
        annotations.append(dict(x=math.log10(strides.limit), y=1, yref="paper", yanchor="bottom",
                                xanchor="right" if right else "left", showarrow=False,
                                text=f"2/λmax = {number(strides.limit)} in the valley at {nearest}",
                                font=dict(color="#c0392b"), meta=dict(role="limit")))
        shapes.append(dict(type="rect", x0=strides.limit, x1=10 ** high, y0=0, y1=1, yref="paper", layer="below",
                           fillcolor="rgba(224,49,49,0.08)", line=dict(width=0), name="past the limit"))
    return dict(data=data, layout=dict(
        font=look.font, height=150, margin=dict(l=20, r=20, t=30, b=40), showlegend=False, plot_bgcolor="white",
        xaxis=dict(type="log", range=[low, high], title=dict(text="learning rate (your stride), log scale"),
                   gridcolor="#eee"),
        yaxis=dict(visible=False, range=[-1.4, 1.4], fixedrange=True), shapes=shapes, annotations=annotations,
    ))

