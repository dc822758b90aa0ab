"""The fair race as two charts: who reached a global minimum (ranked), and how each was tuned."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .figures import FONT
from .optimizers import get_optimizer
from .race import Race
from .wording import number

MARGIN = dict(l=10, r=10, t=44, b=40)


def race_bars(race: Race) -> go.Figure:
    """The share of race balls that reached a global minimum, one bar per optimizer in rank order,
    the median steps written on it."""
    entrants = race.entrants
    labels = [f"{e.rank}. {get_optimizer(e.optimizer).label}" for e in entrants]
    texts = [f"{e.reached:.0%}" + ("" if e.median_steps is None else f" · {number(e.median_steps)} steps")
             for e in entrants]
    figure = go.Figure(go.Bar(
        x=[e.reached for e in entrants], y=labels, orientation="h", text=texts, textposition="auto",
        marker_color=[get_optimizer(e.optimizer).color for e in entrants],
        customdata=[[number(e.lr), "—" if e.median_evaluations is None else number(e.median_evaluations),
                     number(e.final_loss)] for e in entrants],
        hovertemplate="<b>%{y}</b> at lr %{customdata[0]}<br>%{x:.0%} reached<br>median loss evaluations "
                      "%{customdata[1]}<br>median final loss %{customdata[2]}<extra></extra>",
    ))
    figure.update_xaxes(range=[0, 1.05], tickformat=".0%")
    figure.update_yaxes(autorange="reversed", automargin=True)
    figure.update_layout(title=dict(text=f"Share of {race.balls} race balls at a global minimum", font=dict(size=14)),
                         height=max(300, 30 * len(entrants) + 110), font=FONT, margin=MARGIN, bargap=0.25,
                         uniformtext=dict(minsize=10, mode="hide"), showlegend=False)
    return figure


def race_tuning(race: Race) -> go.Figure:
    """Each optimizer's tuning: the share of tuning balls that reached at every rate of the budget,
    its chosen rate ringed (an optimizer that takes no learning rate has no line)."""
    figure = go.Figure()
    rates = np.array(race.rates)
    for e in race.entrants:
        if e.tuned is None:
            continue
        spec = get_optimizer(e.optimizer)
        figure.add_trace(go.Scatter(
            x=rates, y=e.tuned, mode="lines+markers", line=dict(color=spec.color, width=2), marker=dict(size=5),
            name=spec.label, legendgroup=e.optimizer,
            hovertemplate=f"<b>{spec.label}</b> · lr %{{x:.3g}}<br>%{{y:.0%}} of the tuning balls<extra></extra>",
        ))
        figure.add_trace(go.Scatter(
            x=[e.lr], y=[e.tuned[int(np.argmin(np.abs(rates - e.lr)))]], mode="markers", showlegend=False,
            marker=dict(size=13, color="rgba(0,0,0,0)", line=dict(color=spec.color, width=2.5)),
            legendgroup=e.optimizer, hovertemplate=f"<b>{spec.label}</b> races at lr {number(e.lr)}<extra></extra>",
        ))
    figure.update_xaxes(type="log", title_text="learning rate")
    figure.update_yaxes(range=[-0.05, 1.05], tickformat=".0%")
    figure.update_layout(
        title=dict(text=f"Tuning: share of {race.tuning_balls} balls per rate", font=dict(size=14)),
        height=max(300, 30 * len(race.entrants) + 110), font=FONT, margin=MARGIN,
        legend=dict(font=dict(size=11), maxheight=0.9),
    )
    return figure
