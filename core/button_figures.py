"""The magic button as figures: the whole mountain with the place pressed and its compass
(coeffs.grad, uphill), and the ground along the compass's line, whose slope is |coeffs.grad|."""

from __future__ import annotations

import numpy as np
import torch

from .fog import Walk
from .fog_figures import WALK_COLOR, fog_ground, fog_map_figure, fog_mountain_figure
from .figures import COMPASS_COLOR
from .grid import Grid
from .looks import STANDARD, Look
from .magic_button import ButtonPress
from .status import diagonal
from .surfaces import Surface

SLICE_REACH = 0.12  # the slice runs this share of the map's diagonal either side of the place


def pressed_walk(press: ButtonPress) -> Walk:
    """The place pressed as a walk of no steps, for the fog's figures."""
    return Walk(press.surface, press.point, (), np.array([press.point]), np.array([press.loss]),
                np.array([press.grad]))


def button_figures(surface: Surface, grid: Grid, press: ButtonPress, look: Look = STANDARD) -> dict[str, dict]:
    """mountain, map: the whole mountain, the place and its compass (the map labelled with
    what print(coeffs.grad) prints); loss: the slice along the compass (slice_figure)."""
    walked = pressed_walk(press)
    ground = fog_ground(surface, grid, walked, 1.0, lifted=True)
    plan = fog_map_figure(surface, grid, walked, ground, None, look)
    if plan["layout"]["annotations"]:  # the compass is drawn (a place off the finite numbers has none)
        # in the map's top corner, where it always fits, whichever way the arrow points
        plan["layout"]["annotations"].append(dict(
            x=0.01, y=0.99, xref="x domain", yref="y domain", xanchor="left", yanchor="top", showarrow=False,
            text="black arrow, coeffs.grad =<br>" + press.printed_grad, font=dict(color=COMPASS_COLOR, size=12),
            bgcolor="rgba(255,255,255,0.85)", meta=dict(role="grad_label")))
    return {"mountain": fog_mountain_figure(surface, grid, walked, ground, None, look), "map": plan,
            "loss": slice_figure(surface, press, look)}


def slice_figure(surface: Surface, press: ButtonPress, look: Look = STANDARD) -> dict:
    """The loss along the line through the place in the compass's direction (uphill to the right),
    and the straight line whose slope is |coeffs.grad|: the tilt under the boots."""
    norm = press.tilt
    direction = np.array(press.grad) / norm if norm > 0 else np.array([1.0, 0.0])
    reach = SLICE_REACH * diagonal(surface)
    along = np.linspace(-reach, reach, 121)
    points = np.asarray(press.point) + along[:, None] * direction
    with torch.no_grad():
        losses = surface(torch.tensor(points, dtype=torch.float64)).numpy()
    tangent = press.loss + norm * along
    data = [
        dict(type="scatter", x=along, y=losses, mode="lines", name="the ground along the compass",
             line=dict(color="#4a6a8a", width=2.5), hovertemplate="%{x:.3g} along: loss %{y:.4g}<extra></extra>",
             meta=dict(role="slice")),
        dict(type="scatter", x=along, y=tangent, mode="lines", name="slope |coeffs.grad|",
             line=dict(color=COMPASS_COLOR, width=1.5, dash="dash"), hoverinfo="skip", meta=dict(role="tangent")),
        dict(type="scatter", x=[0.0], y=[press.loss], mode="markers", name="you",
             marker=dict(size=11, color=WALK_COLOR, line=dict(color="#111", width=2)),
             hovertemplate="you: loss %{y:.4g}<extra></extra>", meta=dict(role="walker")),
    ]
    low, high = float(np.nanmin(losses)), float(np.nanmax(losses))
    pad = 0.08 * (high - low if high > low else 1.0)
    return dict(data=data, layout=dict(
        font=look.font, margin=dict(l=55, r=10, t=10, b=45), showlegend=False, height=230,
        xaxis=dict(title=dict(text="← downhill · distance along the compass · uphill →" if norm > 0 else
                              "distance along x (flat here: the compass points nowhere)"), zeroline=True),
        yaxis=dict(title=dict(text="loss"), range=[low - pad, high + pad]),
    ))
