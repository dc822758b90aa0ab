"""Share and export: a button that copies the link to the view, and the scene's downloads."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core import LossMountainError, Run
from core.codegen import training_script
from core.export import figure_html, runs_csv, runs_json
from core.figures import map_figure, mountain_figure

from app.mountain_view import static_module
from app.mountains import mountain_of
from app.scene import scene_ghosts, scene_grid, scene_verdicts
from app.settings import Settings
from app.work import progress_bar

_COPY_HTML = ('<div class="lm-share"><button type="button" class="lm-copy" title="Copy a link that opens '
              'exactly this view">🔗 Copy link to this view</button> <span class="lm-copied" role="status">'
              '</span></div>')
_COPY_CSS = """
.lm-copy { width: 100%; padding: 0.35rem 0.6rem; border-radius: 0.5rem; cursor: pointer; font: inherit;
  border: 1px solid var(--st-border-color, #d0d3da); background: var(--st-background-color, #fff); color: inherit; }
.lm-copy:hover { border-color: var(--st-primary-color, #5b6fd6); }
.lm-copied { font-size: 0.8rem; opacity: 0.75; }
"""
_copy_button = st.components.v2.component("loss_mountain.copy_link", html=_COPY_HTML, css=_COPY_CSS,
                                          js=static_module("copy_link.js"), isolate_styles=False)


def copy_link_button(key: str = "copy_link") -> None:
    """A button that copies the link to what is on screen (the URL holds every setting)."""
    _copy_button(key=key)


def _scene_name(settings: Settings) -> str:
    return f"loss-mountain-{settings.surface}-lr{settings.lr:g}"


def share_tab(settings: Settings, runs: Sequence[Run]) -> None:
    """The link, the paths as CSV and JSON, the figures as HTML, the script and an animated GIF."""
    st.markdown("**The link is the view**: every setting on this page is in the address bar, so "
                "whoever opens it sees exactly this.")
    copy_link_button("copy_link_here")
    if not runs:
        st.info("Choose an optimizer to have paths to download.")
        return
    surface, ghosts, grid = mountain_of(settings), scene_ghosts(settings), scene_grid(mountain_of(settings))
    name = _scene_name(settings)
    st.markdown("**Downloads** — the PNG of any plot is the 📷 in its corner.")
    a, b, c = st.columns(3)
    a.download_button("Paths (CSV)", lambda: runs_csv(runs), f"{name}.csv", "text/csv", on_click="ignore",
                      icon="📄", width="stretch", help="One row per optimizer and step, as `python -m core descend`.")
    b.download_button("Paths (JSON)", lambda: runs_json(runs, scene_verdicts(settings)), f"{name}.json", "application/json",
                      on_click="ignore", icon="🧾", width="stretch", help="The CLI's JSON for every run.")
    options = settings.options()
    # built on click only: every rerun of the explorer passes through here
    script = lambda: training_script(  # noqa: E731
        surface, runs[0].optimizer, settings.lr, settings.start, settings.steps, settings.zero_grad,
        hyperparameters=options["hyperparameters"].get(runs[0].optimizer), schedule=options["schedule"],
        clip_norm=options["clip_norm"])
    c.download_button("PyTorch script", script, f"{name}-{runs[0].optimizer}.py", "text/x-python",
                      on_click="ignore", icon="🐍", width="stretch",
                      help="The training loop for the first optimizer; the code tab has the others.")
    d, e, f = st.columns(3)
    title = f"Loss Mountain · {surface.title} · lr {settings.lr:g}"
    d.download_button("3-D mountain (HTML)", lambda: figure_html(mountain_figure(surface, runs, grid, ghosts=ghosts),
                                                                title),
                      f"{name}-mountain.html", "text/html", on_click="ignore", icon="⛰️", width="stretch",
                      help="A standalone interactive page: turn and zoom it offline.")
    e.download_button("Map (HTML)", lambda: figure_html(map_figure(surface, runs, grid, ghosts=ghosts), title),
                      f"{name}-map.html", "text/html", on_click="ignore", icon="🗺️", width="stretch")
    _gif_ui(f, settings, runs, name)


def _gif_ui(column, settings: Settings, runs: Sequence[Run], name: str) -> None:
    """Make the GIF on request (a few seconds, with a progress bar), then offer it."""
    state = st.session_state
    key = repr(settings)
    made = state.get("gif")
    if made is not None and made[0] == key:
        column.download_button("Animated GIF", made[1], f"{name}.gif", "image/gif", on_click="ignore", icon="🎞️",
                               width="stretch", type="primary")
        return
    if column.button("Make an animated GIF", icon="🎞️", width="stretch",
                     help="The balls rolling on the map, for slides (about 2 seconds to draw)."):
        bar, progress = progress_bar("Drawing the frames…", "steps")
        surface = mountain_of(settings)
        from core.gif import rolling_gif  # matplotlib, 26 MB a replica keeps: only once a GIF is asked for

        try:
            data = rolling_gif(surface, runs, scene_grid(surface), progress=progress)
        except LossMountainError as error:
            st.error(f"No GIF: {error}.", icon="🎞️")
            return
        bar.empty()
        state.gif = (key, data)  # one GIF per session, so memory stays bounded
        st.rerun()
