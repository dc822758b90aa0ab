"""The zero_grad mystery as figures: without coeffs.grad.zero_(), the compass the walker follows is
the sum of every compass felt so far, drawn tip to tail; beside it, the same walk done right."""

from __future__ import annotations

import numpy as np

from .figures import arrow_2d, framed
from .fog import Walk
from .fog_figures import Ground, fog_loss_figure, fog_map_figure
from .grid import Grid
from .looks import STANDARD, Look
from .status import diagonal
from .steps import COMPASS_LENGTH
from .surfaces import Surface

RECENT_ARROWS = 12  # the places' own compasses drawn one by one; older ones as one arrow
ARROW_COLOR = "#1c7ed6"  # each place's own compass in the chain
OLDER_COLOR = "#868e96"  # the older ones, summed
RIGHT_COLOR = "#2f9e44"  # the same walk with zero_() called
CHAIN_REACH = 2 * COMPASS_LENGTH  # the chain's farthest point from the walker, as a share of the diagonal


def chain(walk: Walk) -> tuple[np.ndarray, np.ndarray]:
    """The arrows laid tip to tail: (m, 2) vectors in the order laid (the places before the last
    RECENT_ARROWS summed into the first) and whether each is that sum. Their total is coeffs.grad."""
    fresh = walk.fresh
    older = len(fresh) - RECENT_ARROWS
    if older > 0:
        return np.vstack([fresh[:older].sum(axis=0), fresh[older:]]), np.array([True] + [False] * RECENT_ARROWS)
    return fresh, np.zeros(len(fresh), dtype=bool)


def chain_scale(surface: Surface, walk: Walk) -> float:
    """One scale for the chain and the compass: the chain's farthest point lands CHAIN_REACH of the
    diagonal from the walker (1 where there is nothing to draw)."""
    vectors, _ = chain(walk)
    farthest = float(np.hypot(*np.cumsum(vectors, axis=0).T).max()) if len(vectors) else 0.0
    return CHAIN_REACH * diagonal(surface) / farthest if farthest > 0 and np.isfinite(farthest) else 1.0


def summed_map_figure(surface: Surface, grid: Grid, walk: Walk, ground: Ground, stride: float, right: Walk,
                      look: Look = STANDARD) -> dict:
    """The fogged map (core.fog_figures) with the compass at the chain's scale, each place's own
    compass laid tip to tail from the walker up to its tip, and the walk done right, dashed."""
    scale = chain_scale(surface, walk)
    plan = fog_map_figure(surface, grid, walk, ground, stride, look, compass_scale=scale)
    if walk.flown_off:
        return plan
    vectors, merged = chain(walk)
    here = np.array(walk.here)
    tips = here + scale * np.cumsum(vectors, axis=0)
    tails = np.vstack([here, tips[:-1]])
    laid = [arrow_2d(tail, tip, OLDER_COLOR if old else ARROW_COLOR, 1.6) for tail, tip, old in zip(tails, tips, merged)]
    # the chain under the black compass, whose tip it reaches
    plan["layout"]["annotations"] = laid + plan["layout"]["annotations"]
    xy = framed(right.positions, surface)
    under_walk = next(i for i, trace in enumerate(plan["data"]) if (trace.get("meta") or {}).get("role") == "walk")
    plan["data"].insert(under_walk, dict(
        type="scatter", x=xy[:, 0], y=xy[:, 1], mode="lines+markers", name="the same walk with zero_()",
        line=dict(color=RIGHT_COLOR, width=2, dash="dash"), marker=dict(size=4, color=RIGHT_COLOR),
        hovertemplate="with zero_(), step %{pointNumber}<extra></extra>", meta=dict(role="right_walk")))
    return plan


def summed_loss_figure(surface: Surface, walk: Walk, right: Walk, look: Look = STANDARD) -> dict:
    """The walk's loss step by step (core.fog_figures) and the same walk's with zero_() called."""
    figure = fog_loss_figure(surface, walk, look)
    steps = np.arange(right.steps + 1)
    figure["data"].insert(0, dict(type="scatter", x=steps, y=right.losses, mode="lines", name="with zero_()",
                                  line=dict(color=RIGHT_COLOR, width=2, dash="dash"),
                                  hovertemplate="with zero_(), step %{x}: loss %{y:.4g}<extra></extra>",
                                  meta=dict(role="right_loss")))
    if (right.losses <= 0).any():
        figure["layout"]["yaxis"] = dict(title=dict(text="loss"), type="linear")
    figure["layout"].update(showlegend=True, legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"))
    figure["data"][-1]["name"] = "your walk, without zero_()" if not walk.zero_grad else "your walk"
    return figure

