"""The explorer's Plotly views as one Streamlit v2 component.

`st.plotly_chart` rebuilds its element whenever the figure changes, so the 3-D camera
would reset on every slider move; this component keeps one element and calls
`Plotly.react` on it instead, animates the balls in the browser and reports clicks.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import plotly
import streamlit as st

from core.sweep import LR_LADDER

from core.figure_json import TEMPLATE_KEY, Encoder, default_template, plain, typed
from core.figures import PLOTLY_CONFIG

from app.memo import MEMO

HERE = Path(__file__).parent
# served by Streamlit's static file serving (see .streamlit/config.toml) at app/static/
PLOTLY_JS = HERE / "static" / "plotly.min.js"
VIEW_KEY = "mountain_view"
# a view's clicks live in session state under this prefix + its key: app.main re-saves the
# controls' keys every run, which must never pin a view's last click (nor match its prefixes)
VIEW_STATE_PREFIX = "view:"
SENT_KEY = "view_assets_sent"  # which kept parts this session's browser holds
ASKED_KEY = "view_assets_asked"  # on-demand parts this session's browser asked for
MAX_KEY_LENGTH = 200  # a kept part's key, as the browser may name it
PLOT_CONFIG = PLOTLY_CONFIG  # for st.plotly_chart: the same toolbar as the views


def _ensure_plotly_js() -> None:
    """Copy the plotly.js that ships with the installed plotly package next to the app."""
    bundled = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not PLOTLY_JS.exists() or PLOTLY_JS.stat().st_size != bundled.stat().st_size:
        PLOTLY_JS.parent.mkdir(exist_ok=True)
        shutil.copyfile(bundled, PLOTLY_JS)


def static_module(name: str) -> str:
    """Serve app/<name> as a static module next to plotly.js, and return the inline code that loads
    it: Streamlit sends a component's inline code with every rerun, so inline only this loader and
    let the browser fetch (and cache) the real code once. The URL carries a hash of the code, so a
    browser never runs a stale copy."""
    text = (HERE / name).read_bytes()
    served = HERE / "static" / name
    if not served.exists() or served.read_bytes() != text:
        served.parent.mkdir(exist_ok=True)
        served.write_bytes(text)
    version = hashlib.sha256(text).hexdigest()[:12]
    return (f'const code = import(new URL("app/static/{name}?v={version}", document.baseURI));\n'
            "export default function (component) { code.then((module) => module.default(component)); }\n")


_ensure_plotly_js()
LOADER = static_module("mountain_view.js")
_render = st.components.v2.component(
    "loss_mountain.views",
    html=(HERE / "mountain_view.html").read_text(),
    css=(HERE / "mountain_view.css").read_text(),
    js=LOADER,
    # Plotly styles its hover labels and modebar with page-level CSS, so no shadow DOM
    isolate_styles=False,
)


@dataclass(frozen=True)
class Payload:
    """What the view draws. text: the scene as JSON, its big arrays once each, the terrain and the
    template as references; assets: (key, JSON) of those referenced parts, which the browser keeps
    and so receives once per session (see mountain_view)."""

    text: str
    assets: tuple[tuple[str, str], ...] = ()


def view_json(figures: dict, revision: str, *, step: int | None = None, clickable: bool = True,
              captions: dict[str, str] | None = None, feature_click: str | None = None,
              feature_height: int = 460, swarm: dict | None = None, sums: list[dict] | None = None,
              ladder: dict | None = None, toolbar: bool = True) -> Payload:
    """The payload the view draws: the three figures (mountain, map, loss) and optionally a
    "feature" chart above them, a revision that names the scene, the step to show (None: roll the
    balls from the start), whether clicks move the start, optional captions (mountain, map,
    feature). feature_click: "lr" (a click on the feature picks a learning rate) or "start".
    swarm: frames from core.swarm_figures.swarm_frames, rolled in the browser. sums: for each run
    without zero_grad(), its fresh gradients (see app.scene.fresh_gradients), laid tip to tail.
    ladder: {"key", "rates", "index", "runs", "control"}: the scene's learning-rate ladder (rates:
    the slider's, sent as a kept part; runs: how many of its runs are not ghosts; control: the
    label of the page's slider over those rates), which the browser may ask for under that key
    (see mountain_view's on_demand) to preview every rate of the slider."""
    encoder = Encoder()
    assets = {TEMPLATE_KEY: _template_json()}
    shown = {}
    for name, figure in figures.items():
        figure = plain(figure)
        layout = {key: value for key, value in figure["layout"].items() if key != "template"}
        data = []
        rebuild_z = "height" in (layout.get("meta") or {})
        for trace in figure["data"]:
            meta = trace.get("meta") if isinstance(trace.get("meta"), dict) else {}
            if meta.get("asset"):
                assets[meta["asset"]] = _asset_json(meta["asset"], trace)
                trace = {"type": trace["type"], "meta": meta}  # the browser has it, or asks
            elif rebuild_z and meta.get("role") == "path" and "customdata" in trace:
                # the browser rebuilds a path's z from its losses (see core.figures' height)
                trace = {**{key: value for key, value in trace.items() if key != "z"}, "meta": {**meta, "z": "height"}}
            data.append(trace)
        shown[name] = {"data": data, "layout": layout}
    options = {"revision": revision, "autoplay": step is None, "step": step, "clickable": clickable,
               "captions": captions or {}, "feature_click": feature_click, "feature_height": feature_height,
               "toolbar": toolbar,
               "figures": encoder.value(shown)}
    if swarm is not None:
        options["swarm"] = {key: value if key == "colors" else typed(value) for key, value in swarm.items()}
    if ladder is not None:
        # the slider's rates are the same for every scene: the browser keeps them, like the template
        rates = f"rates:{hashlib.sha256(json.dumps(ladder['rates']).encode()).hexdigest()[:12]}"
        assets[rates] = json.dumps(ladder["rates"])
        options["ladder"] = {**ladder, "rates": rates}
    if sums is not None:
        options["sums"] = [{**chain, "fresh": typed(np.asarray(chain["fresh"], dtype=np.float64).ravel())}
                           for chain in sums]
    options["arrays"] = encoder.arrays
    return Payload(json.dumps(options), tuple(assets.items()))


@functools.lru_cache(maxsize=1)
def _template_json() -> str:
    return json.dumps(default_template())


def _asset_json(key: str, trace: dict) -> str:
    """An asset's JSON, by key (a terrain's is ~110 kB): a mountain's terrain is encoded once, whichever
    scene shows it, and kept within app.memo's byte budget."""
    return MEMO.get((__name__ + "._asset_json", key), lambda: json.dumps(Encoder(share=False).value(trace)))


def mountain_view(payload: Payload, on_start_click: Callable[[], None], key: str = VIEW_KEY,
                  on_lr_click: Callable[[], None] | None = None,
                  on_demand: Mapping[str, Callable[[], str]] | None = None, rate_key: str | None = None) -> None:
    """Draw the linked views from a payload (see app.scene.view_payload). The parts this session's
    browser already keeps (a mountain's terrain, the template) are not sent again; if the browser
    lost one it says so, and the next run sends it. on_demand: parts sent only once the browser
    asks for them (a scene's learning-rate ladder), by key, each made when first asked. rate_key:
    the session key of the page's learning-rate slider, which presenter mode's + and − move."""
    sent = st.session_state.setdefault(SENT_KEY, set())
    asked = st.session_state.setdefault(ASKED_KEY, set())
    missing = [(name, text) for name, text in payload.assets if name not in sent]
    for name, make in (on_demand or {}).items():
        if name in asked and name not in sent:
            missing.append((name, make()))
    asked.clear()  # asked of an earlier scene, or sent now: the browser asks again if it still wants it
    data = payload.text
    if missing:
        data = data[:-1] + ', "assets": {' + ", ".join(f"{json.dumps(name)}: {text}" for name, text in missing) + "}}"
        sent.update(name for name, _ in missing)
    if st.session_state.get("presenter"):
        # the view draws bigger text and listens for keys; + and − move the page's rate, if it has one
        data = data[:-1] + ', "presenter": true' + (', "nudge": true}' if rate_key else "}")
    # as bytes: sent as they are, where a text would be escaped into JSON once more
    _render(data=data.encode(), key=VIEW_STATE_PREFIX + key, on_start_change=on_start_click,
            on_lr_change=on_lr_click or _ignore, on_missing_change=lambda: _resend(key),
            on_nudge_change=(lambda: _nudge(key, rate_key)) if rate_key else _ignore)


def _nudge(key: str, rate_key: str) -> None:
    """Presenter mode's + or −: the page's learning-rate slider one rung up or down its ladder."""
    asked = (st.session_state.get(VIEW_STATE_PREFIX + key) or {}).get("nudge")
    direction = asked.get("direction") if isinstance(asked, dict) else None
    current = st.session_state.get(rate_key)
    if direction not in (1, -1) or not isinstance(current, float) or current not in LR_LADDER:
        return
    index = min(len(LR_LADDER) - 1, max(0, LR_LADDER.index(current) + direction))
    st.session_state[rate_key] = LR_LADDER[index]


def _resend(key: str) -> None:
    """The browser lost some parts (a reload of its cache) or asks for an on-demand one: send them
    with the next run."""
    wanted = (st.session_state.get(VIEW_STATE_PREFIX + key) or {}).get("missing") or []
    sent = st.session_state.setdefault(SENT_KEY, set())
    asked = st.session_state.setdefault(ASKED_KEY, set())
    for name in wanted if isinstance(wanted, list) else []:
        if isinstance(name, str) and len(name) <= MAX_KEY_LENGTH:
            sent.discard(name)
            asked.add(name)


def _ignore() -> None:
    pass


def clicked_lr(key: str = VIEW_KEY) -> float | None:
    """The learning rate the user last clicked on a sweep chart, inside a click callback."""
    value = st.session_state.get(VIEW_STATE_PREFIX + key)
    try:
        lr = float(value["lr"]["lr"])
    except (TypeError, KeyError, ValueError):
        return None
    return lr if math.isfinite(lr) and lr > 0 else None


def clicked_start(key: str = VIEW_KEY) -> tuple[float, float] | None:
    """The (x, y) the user last clicked on the map or mountain, inside a click callback."""
    value = st.session_state.get(VIEW_STATE_PREFIX + key)
    point = value.get("start") if value else None
    try:
        return float(point["x"]), float(point["y"])
    except (TypeError, KeyError, ValueError):
        return None
