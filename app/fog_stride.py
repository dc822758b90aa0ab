"""Into the fog, your stride: three plain-SGD balls from one start on Himmelblau at three learning
rates, each with its verdict, and 2/λmax of the valley nearest the start marked (core.stride)."""

from __future__ import annotations

import json

import streamlit as st

from core import LossMountainError, get_surface
from core.stride import Strides, three_strides
from core.stride_figures import STRIDE_NAMES, stride_figures
from core.sweep import LR_LADDER

from app.fog import STRIDE_DEFAULTS
from app.memo import ONE_HOUR, memo
from app.mountain_view import Payload, clicked_start, mountain_view, view_json
from app.scene import scene_grid

STRIDE_MOUNTAIN = "himmelblau"
VIEW_KEY = "fog_stride_view"
RATE_KEYS = ("fog_rate_blue", "fog_rate_green", "fog_rate_red")


def _back_to_the_leap() -> None:
    st.session_state.update(STRIDE_DEFAULTS)


def _start_here() -> None:
    point = clicked_start(VIEW_KEY)
    if point is not None:
        st.session_state.update(fog_rate_x=round(point[0], 2), fog_rate_y=round(point[1], 2))


@st.cache_data(max_entries=64, ttl=ONE_HOUR, show_spinner="Rolling three balls…")
def strides_at(start: tuple[float, float], rates: tuple[float, ...]) -> Strides:
    return three_strides(get_surface(STRIDE_MOUNTAIN), start, rates)


@memo()  # a shared, frozen text
def stride_payload(start: tuple[float, float], rates: tuple[float, ...]) -> Payload:
    surface = get_surface(STRIDE_MOUNTAIN)
    figures = stride_figures(surface, scene_grid(surface), strides_at(start, rates))
    captions = {"mountain": "Three balls, plain SGD, the same start · drag to turn it",
                "map": "From above · click to start the three balls elsewhere",
                "feature": "The three strides; past the dashed line a ball cannot settle in the valley nearest the start"}
    return view_json(figures, json.dumps({"strides": [start, rates]}), step=None, captions=captions, feature_height=150)


def your_stride() -> None:
    """Chapter · Your stride."""
    state = st.session_state
    st.markdown(
        "The learning rate is your **stride**. The lesson says: too small and you are on the mountain forever; too big "
        "and you leap over the valley onto a different mountain. Here are three balls doing plain SGD from the same "
        "start on Himmelblau, each at its own stride: **drag any of the three**."
    )
    columns = st.columns(3)
    for k, (column, key) in enumerate(zip(columns, RATE_KEYS)):
        column.select_slider(f"The {STRIDE_NAMES[k]} ball's stride", LR_LADDER, key=key, format_func=lambda v: f"{v:g}")
    start = (float(state.fog_rate_x), float(state.fog_rate_y))
    rates = tuple(float(state[key]) for key in RATE_KEYS)
    try:
        strides = strides_at(start, rates)
    except LossMountainError as error:
        st.error(f"Those balls cannot roll: {error}. Back to the usual start.", icon="⚠️")
        _back_to_the_leap()
        start, rates = (STRIDE_DEFAULTS["fog_rate_x"], STRIDE_DEFAULTS["fog_rate_y"]), tuple(STRIDE_DEFAULTS[k] for k in RATE_KEYS)
        strides = strides_at(start, rates)
    mountain_view(stride_payload(start, rates), on_start_click=_start_here, key=VIEW_KEY)
    for k, (column, ball) in enumerate(zip(st.columns(3), strides.balls)):
        with column:
            # the colour is the ball's; the words are computed (core.verdict, core.stride)
            st.markdown(f":{STRIDE_NAMES[k]}[**● {STRIDE_NAMES[k]}, lr {ball.run.lr:g}: {ball.word}.**] "
                        f"It {ball.verdict.sentence}")
            if ball.leap:
                st.markdown(ball.leap)
    st.button("Back to the leap", key="walk_stride_reset", on_click=_back_to_the_leap,
              help="The three strides and start this chapter opens with.")
