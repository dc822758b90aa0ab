"""The fair race as one chart: who reached a global minimum (ranked), and how each was tuned."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .figures import FONT
from .optimizers import get_optimizer
from .race import Race
from .wording import number


def race_figure(race: Race) -> go.Figure:
    """Left: the share of race balls that reached a global minimum, one bar per optimizer in rank order
    (the median steps written on it). Right: each optimizer's tuning, the share of tuning balls that
    reached at every rate of the budget, its chosen rate ringed."""
    figure = make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.16,
                           subplot_titles=(f"Share of {race.balls} race balls at a global minimum",
                                           f"Tuning: share of {race.tuning_balls} balls, per rate"))
    entrants = race.entrants
    labels = [f"{e.rank}. {get_optimizer(e.optimizer).label}" for e in entrants]
    texts = [f"{e.reached:.0%}" + ("" if e.median_steps is None else f" · {number(e.median_steps)} steps")
             for e in entrants]
    figure.add_trace(go.Bar(
        x=[e.reached for e in entrants], y=labels, orientation="h", text=texts, textposition="auto",
        marker_color=[get_optimizer(e.optimizer).color for e in entrants], showlegend=False,
        customdata=[[number(e.lr), "" if e.median_evaluations is None else number(e.median_evaluations),
                     number(e.final_loss)] for e in entrants],
        hovertemplate="<b>%{y}</b> at lr %{customdata[0]}<br>%{x:.0%} reached<br>median loss evaluations "
                      "%{customdata[1]}<br>median final loss %{customdata[2]}<extra></extra>",
    ), row=1, col=1)
    rates = np.array(race.rates)
    for e in entrants:
        spec = get_optimizer(e.optimizer)
        if e.tuned is None:  # takes no learning rate: nothing was tuned
            continue
        figure.add_trace(go.Scatter(
            x=rates, y=e.tuned, mode="lines+markers", line=dict(color=spec.color, width=2), marker=dict(size=5),
            name=spec.label, legendgroup=e.optimizer,
            hovertemplate=f"<b>{spec.label}</b> · lr %{{x:.3g}}<br>%{{y:.0%}} of the tuning balls<extra></extra>",
        ), row=1, col=2)
        figure.add_trace(go.Scatter(
            x=[e.lr], y=[e.tuned[int(np.argmin(np.abs(rates - e.lr)))]], mode="markers", showlegend=False,
            marker=dict(size=13, color="rgba(0,0,0,0)", line=dict(color=spec.color, width=2.5)),
            legendgroup=e.optimizer, hovertemplate=f"<b>{spec.label}</b> races at lr {number(e.lr)}<extra></extra>",
        ), row=1, col=2)
    figure.update_xaxes(range=[0, 1.05], tickformat=".0%", row=1, col=1)
    figure.update_yaxes(autorange="reversed", automargin=True, row=1, col=1)
    figure.update_xaxes(type="log", title_text="learning rate", row=1, col=2)
    figure.update_yaxes(range=[-0.05, 1.05], tickformat=".0%", row=1, col=2)
    figure.update_layout(
        height=max(360, 34 * len(entrants) + 120), font=FONT, margin=dict(l=10, r=10, t=40, b=40),
        legend=dict(orientation="v", x=1.02, y=1, font=dict(size=11)), bargap=0.25,
        uniformtext=dict(minsize=10, mode="hide"),
    )
    return figure
