"""Into the fog, the magic button: the lesson's lines of PyTorch at a place the learner clicks,
with the numbers they print there; the compass on the map is that very coeffs.grad."""

from __future__ import annotations

import json

import streamlit as st

from core import LossMountainError, get_surface
from core.button_figures import button_figures
from core.magic_button import ButtonPress, press_button

from app.fog import FOG_MOUNTAINS, fog_init, fog_walk, mountain_changed
from app.memo import ONE_HOUR, memo
from app.mountain_view import Payload, clicked_start, mountain_view, view_json
from app.scene import scene_grid

VIEW_KEY = "fog_button_view"


@st.cache_data(max_entries=64, ttl=ONE_HOUR, show_spinner=False)
def button_press(surface_name: str, point: tuple[float, float]) -> ButtonPress:
    return press_button(get_surface(surface_name), point)


@memo()  # a shared, frozen text
def button_payload(surface_name: str, point: tuple[float, float]) -> Payload:
    surface = get_surface(surface_name)
    press = button_press(surface_name, point)
    captions = {"mountain": "The whole mountain: the fog is lifted for this one · drag to turn it",
                "map": "Click anywhere to stand there and press the button · black arrow: coeffs.grad, "
                       "pointing uphill (drawn at a fixed length)"}
    named = json.dumps({"button": [surface_name, point]})
    return view_json(button_figures(surface, scene_grid(surface), press), named, step=None, captions=captions,
                     toolbar=False)


def _place() -> tuple[float, float]:
    """Where the button is pressed: where the learner clicked, else where their walk stands."""
    state = st.session_state
    if state.get("fog_button_x") is not None and state.get("fog_button_y") is not None:
        return float(state.fog_button_x), float(state.fog_button_y)
    try:
        here = fog_walk(state.fog_surface, (float(state.fog_x), float(state.fog_y)), tuple(state.fog_walk)).here
    except LossMountainError:
        here = (float(state.fog_x), float(state.fog_y))
    return round(here[0], 2), round(here[1], 2)


def _press_here() -> None:
    point = clicked_start(VIEW_KEY)
    if point is not None:
        st.session_state.update(fog_button_x=round(point[0], 2), fog_button_y=round(point[1], 2))


def magic_button() -> None:
    """Chapter · The magic button."""
    fog_init()
    state = st.session_state
    st.markdown(
        "How does the walker feel the tilt? In PyTorch it takes one line: `loss.backward()`, the **magic "
        "button**. Here are the lesson's lines, run at the orange ball: **click anywhere on the map** to stand "
        "there and press the button again."
    )
    st.selectbox("Mountain", FOG_MOUNTAINS, key="fog_surface", on_change=mountain_changed,
                 format_func=lambda name: get_surface(name).title)
    point = _place()
    try:
        press = button_press(state.fog_surface, point)
    except LossMountainError as error:
        st.error(f"The button cannot be pressed there: {error}. Back to the walk's place.", icon="⚠️")
        state.update(fog_button_x=None, fog_button_y=None)
        point = _place()
        press = button_press(state.fog_surface, point)
    code, said = st.columns([3, 2])
    with code:
        st.code(press.code, language="python", wrap_lines=True)
    with said:
        st.markdown("**What it prints**")
        st.code(f"{press.printed_loss}\n{press.printed_grad}", language=None, wrap_lines=True)
        st.markdown(
            "- `requires_grad=True` asks PyTorch to remember every operation done with `coeffs`.\n"
            "- `loss.backward()` runs those operations backwards and works out how the loss changes with "
            "each coordinate.\n"
            "- `coeffs.grad` is where it puts the answer: the compass. It points **uphill**, so a step goes "
            "against it."
        )
    mountain_view(button_payload(state.fog_surface, point), on_start_click=_press_here, key=VIEW_KEY)
    gx, gy = press.grad
    if press.tilt == 0:
        st.caption(f"At ({point[0]:g}, {point[1]:g}) the ground is flat: coeffs.grad is zero, the compass points "
                   "nowhere, and a step of gradient descent stays put. The chart above shows the ground along x.")
    else:
        st.caption(f"At ({point[0]:g}, {point[1]:g}) the ground rises fastest towards ({gx:.4g}, {gy:.4g}): the chart "
                   f"above shows the ground along that line; its slope at your feet is |coeffs.grad| = {press.tilt:.4g}.")
