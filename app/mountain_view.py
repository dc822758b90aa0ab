"""The explorer's Plotly views as one Streamlit v2 component.

`st.plotly_chart` rebuilds its element whenever the figure changes, so the 3-D camera
would reset on every slider move; this component keeps one element and calls
`Plotly.react` on it instead, animates the balls in the browser and reports clicks.
"""

from __future__ import annotations

import base64
import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import plotly
import streamlit as st

from core.figures import PLOTLY_CONFIG

HERE = Path(__file__).parent
# served by Streamlit's static file serving (see .streamlit/config.toml) at app/static/
PLOTLY_JS = HERE / "static" / "plotly.min.js"
VIEW_KEY = "mountain_view"
PLOT_CONFIG = PLOTLY_CONFIG  # for st.plotly_chart: the same toolbar as the views


def _ensure_plotly_js() -> None:
    """Copy the plotly.js that ships with the installed plotly package next to the app."""
    bundled = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not PLOTLY_JS.exists() or PLOTLY_JS.stat().st_size != bundled.stat().st_size:
        PLOTLY_JS.parent.mkdir(exist_ok=True)
        shutil.copyfile(bundled, PLOTLY_JS)


_ensure_plotly_js()
_render = st.components.v2.component(
    "loss_mountain.views",
    html=(HERE / "mountain_view.html").read_text(),
    css=(HERE / "mountain_view.css").read_text(),
    js=(HERE / "mountain_view.js").read_text(),
    # Plotly styles its hover labels and modebar with page-level CSS, so no shadow DOM
    isolate_styles=False,
)


def typed_array(values: np.ndarray) -> dict[str, str]:
    """A numeric array as Plotly 7 sends one: its dtype code and its bytes in base64."""
    values = np.ascontiguousarray(values)
    code = {np.dtype(np.float32): "f4", np.dtype(np.float64): "f8", np.dtype(np.int32): "i4"}[values.dtype]
    return {"dtype": code, "bdata": base64.b64encode(values.tobytes()).decode()}


def view_json(figures: dict, revision: str, *, step: int | None = None, clickable: bool = True,
              captions: dict[str, str] | None = None, feature_click: str | None = None,
              feature_height: int = 460, swarm: dict | None = None, sums: list[dict] | None = None) -> str:
    """The payload the view draws: the three figures (mountain, map, loss) and optionally a
    "feature" chart above them, a revision that names the scene, the step to show (None: roll the
    balls from the start), whether clicks move the start, optional captions (mountain, map,
    feature). feature_click: "lr" (a click on the feature picks a learning rate) or "start".
    swarm: frames from core.swarm_figures.swarm_frames, rolled in the browser. sums: for each run
    without zero_grad(), its fresh gradients (see app.scene.fresh_gradients), laid tip to tail."""
    # the figures are JSON text already: splice them in rather than parse and dump them again
    parts = ", ".join(f'"{name}": {figure.to_json()}' for name, figure in figures.items())
    options = {"revision": revision, "autoplay": step is None, "step": step, "clickable": clickable,
               "captions": captions or {}, "feature_click": feature_click, "feature_height": feature_height}
    if swarm is not None:
        options["swarm"] = {key: value if key == "colors" else typed_array(value) for key, value in swarm.items()}
    if sums is not None:
        options["sums"] = [{**chain, "fresh": typed_array(np.asarray(chain["fresh"], dtype=np.float64).ravel())}
                           for chain in sums]
    return json.dumps(options)[:-1] + f', "figures": {{{parts}}}}}'


def mountain_view(payload: str, on_start_click: Callable[[], None], key: str = VIEW_KEY,
                  on_lr_click: Callable[[], None] | None = None) -> None:
    """Draw the linked views from a JSON payload (see app.scene.view_payload)."""
    _render(data=payload, key=key, on_start_change=on_start_click, on_lr_change=on_lr_click or _ignore)


def _ignore() -> None:
    pass


def clicked_lr(key: str = VIEW_KEY) -> float | None:
    """The learning rate the user last clicked on a sweep chart, inside a click callback."""
    value = st.session_state.get(key)
    try:
        lr = float(value["lr"]["lr"])
    except (TypeError, KeyError, ValueError):
        return None
    return lr if math.isfinite(lr) and lr > 0 else None


def clicked_start(key: str = VIEW_KEY) -> tuple[float, float] | None:
    """The (x, y) the user last clicked on the map or mountain, inside a click callback."""
    value = st.session_state.get(key)
    point = value.get("start") if value else None
    try:
        return float(point["x"]), float(point["y"])
    except (TypeError, KeyError, ValueError):
        return None
