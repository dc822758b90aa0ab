"""Cached calls into core for one scene: the runs, and the figures as one JSON payload."""

from __future__ import annotations

import json

import streamlit as st

from core import Run, descend_many, get_surface
from core.figures import loss_figure, map_figure, mountain_figure
from core.grid import Grid, surface_grid

from .controls import Settings


@st.cache_data(max_entries=128, show_spinner=False)
def scene_runs(settings: Settings) -> tuple[Run, ...]:
    """One Run per chosen optimizer, from one shared torch.optim pass (none when none is chosen)."""
    if not settings.optimizers:
        return ()
    return descend_many(
        get_surface(settings.surface), settings.optimizers, settings.lr, settings.start,
        settings.steps, settings.zero_grad,
    )


@st.cache_resource(max_entries=32, show_spinner=False)
def _grid(surface: str) -> Grid:
    return surface_grid(get_surface(surface))


@st.cache_data(max_entries=64, show_spinner=False)
def view_payload(settings: Settings) -> str:
    """The three figures (mountain, map, loss) as one JSON text for the browser view."""
    runs = scene_runs(settings)
    surface = get_surface(settings.surface)
    grid = _grid(settings.surface)
    figures = {
        "mountain": mountain_figure(surface, runs, grid),
        "map": map_figure(surface, runs, grid),
        "loss": loss_figure(surface, runs),
    }
    revision = json.dumps([settings.surface, settings.optimizers, settings.lr, settings.start,
                           settings.steps, settings.zero_grad])
    # the figures are JSON text already: splice them in rather than parse and dump them again
    parts = ", ".join(f'"{name}": {figure.to_json()}' for name, figure in figures.items())
    return f'{{"revision": {json.dumps(revision)}, "autoplay": true, "figures": {{{parts}}}}}'
