"""The network page: a small MLP trained live, and its loss on a 2-D window through its weights."""

from __future__ import annotations

import json

import streamlit as st

from core import LossMountainError, get_optimizer
from core.optimizers import PLAIN_STEP
from core.landscape import Landscape, landscape, network_sentence
from core.wording import number
from core.landscape_figures import landscape_figures

from app.controls import LR_OPTIONS
from app.memo import ONE_HOUR, memo
from app.mountain_view import mountain_view, view_json
from app.work import finished_or_last_good, progress_bar

NETWORK_DEFAULTS = {"net_optimizer": "adam", "net_lr": 0.05, "net_steps": 300, "net_directions": "pca",
                    "net_resolution": 41, "net_seed": 0}
DIRECTION_LABELS = {"random": "two filter-normalised random directions (Li et al., 2018)",
                    "pca": "the top two principal directions of the training path"}


@st.cache_data(max_entries=32, ttl=ONE_HOUR, show_spinner=False)  # at most ~120 kB (81² points, 2,000 steps)
def _landscape(optimizer: str, lr: float, steps: int, directions: str, resolution: int, seed: int) -> Landscape:
    bar, progress = progress_bar("Training the network and evaluating the loss on the grid…",
                                 "training steps or grid points")
    result = landscape(optimizer, lr, steps, directions, resolution, seed=seed, progress=progress)
    bar.empty()
    return result


@memo(draws=True)  # a shared text; draws: its landscape's progress bar, replayed
def _payload(optimizer: str, lr: float, steps: int, directions: str, resolution: int, seed: int) -> str:
    view = _landscape(optimizer, lr, steps, directions, resolution, seed)
    captions = {"mountain": "The loss of the whole network on a 2-D plane through its trained weights",
                "map": "From above: the star is the trained network, the line its training path"}
    return view_json(landscape_figures(view, optimizer),
                     json.dumps([optimizer, lr, steps, directions, resolution, seed]),
                     clickable=False, captions=captions)


def _view_and_payload(*settings) -> tuple:
    return _landscape(*settings), _payload(*settings)


def network_page() -> None:
    st.markdown("### 🧠 The landscape of a real network")
    st.caption("A 2-16-16-1 MLP learns to separate two moons (200 points, made in torch), with a real "
               "torch.optim optimizer. Its 337 weights make a 337-dimensional mountain; here is its "
               "loss on a flat 2-D window through the trained weights, and the training path's shadow on it.")
    state = st.session_state
    for key, value in NETWORK_DEFAULTS.items():
        state.setdefault(key, value)
    a, b, c = st.columns(3)
    a.selectbox("Optimizer", PLAIN_STEP, key="net_optimizer", format_func=lambda n: get_optimizer(n).label)
    b.select_slider("Learning rate", LR_OPTIONS, key="net_lr", format_func=lambda v: f"{v:g}")
    c.slider("Training steps", 10, 2000, key="net_steps", step=10)
    d, e, f = st.columns(3)
    d.radio("The window's directions", ["pca", "random"], key="net_directions",
            format_func=lambda k: DIRECTION_LABELS[k])
    e.slider("Grid points a side", 11, 81, key="net_resolution", step=2)
    f.number_input("Seed", 0, 10_000, key="net_seed", help="The data, the first weights and the directions.")
    settings = (state.net_optimizer, float(state.net_lr), int(state.net_steps), state.net_directions,
                int(state.net_resolution), int(state.net_seed))
    try:
        (view, payload), settings = finished_or_last_good("network", _view_and_payload, settings)
    except LossMountainError as error:
        st.error(f"That setting does not work: {error}.")
        return
    mountain_view(payload, on_start_click=lambda: None, key="network_view", rate_key="net_lr")
    first, last = view.path_losses[0], view.path_losses[-1]
    st.markdown(
        f"Training took the loss from **{number(first)}** to **{number(last)}** in {settings[2]} steps. "
        f"The window is spanned by {DIRECTION_LABELS[view.directions]}; at its centre, the star, the loss "
        f"is the trained network's {number(view.center_loss)}.")
    st.info(network_sentence(view), icon="🧭")
