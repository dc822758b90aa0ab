"""Into the fog, the zero_grad mystery: with coeffs.grad.zero_() switched off, backward() adds each
new compass to the old ones; the walker follows their sum, drawn tip to tail, beside the same walk
done right, and what walking on would do is run, not guessed (core.verdict)."""

from __future__ import annotations

import json
import math

import streamlit as st

from core import LossMountainError, descend_many, get_surface
from core.fog_figures import fog_ground, fog_mountain_figure
from core.status import diagonal
from core.verdict import Verdict, verdicts
from core.zero_grad_figures import summed_loss_figure, summed_map_figure

from app.fog import fog_init, fog_walk, mountain_and_stride, walk_buttons
from app.memo import ONE_HOUR, memo
from app.mountain_view import Payload, clicked_start, mountain_view, view_json
from app.scene import scene_grid

VIEW_KEY = "fog_sum_view"
WALK_ON = 150  # steps of the walk on from the start that the outcome is told from


def _start_again() -> None:
    st.session_state.fog_sum_walk = []


def _start_here() -> None:
    point = clicked_start(VIEW_KEY)
    if point is not None:
        st.session_state.update(fog_x=round(point[0], 2), fog_y=round(point[1], 2), fog_walk=[], fog_sum_walk=[])


@st.cache_data(max_entries=64, ttl=ONE_HOUR, show_spinner=False)
def walk_on(surface_name: str, start: tuple[float, float], stride: float) -> tuple[Verdict, Verdict]:
    """What plain SGD does in WALK_ON steps from `start` at `stride`: without zero_grad() (its cause
    proven against the run with it) and with it."""
    surface = get_surface(surface_name)
    kept = descend_many(surface, ["sgd"], stride, start, WALK_ON, zero_grad=True)
    summed = descend_many(surface, ["sgd"], stride, start, WALK_ON, zero_grad=False)
    return verdicts(surface, summed, kept)[0], verdicts(surface, kept)[0]


@memo()  # a shared, frozen text
def sum_payload(surface_name: str, start: tuple[float, float], strides: tuple[float, ...], zeroing: bool,
                stride: float, radius: float, lifted: bool) -> Payload:
    surface = get_surface(surface_name)
    taken = fog_walk(surface_name, start, strides, zeroing)
    right = fog_walk(surface_name, start, taken.strides, True)
    grid = scene_grid(surface)
    ground = fog_ground(surface, grid, taken, radius * diagonal(surface), lifted)
    figures = {"mountain": fog_mountain_figure(surface, grid, taken, ground, stride),
               "map": summed_map_figure(surface, grid, taken, ground, stride, right),
               "loss": summed_loss_figure(surface, taken, right)}
    captions = {"mountain": "Only the ground near where you have stood shows · drag to turn it",
                "map": ("Blue: the compass felt at each place, laid tip to tail (grey: the older ones together); "
                        "black: coeffs.grad, their sum; orange: your next step; green dashes: the same walk "
                        "with zero_() · click to start elsewhere")}
    named = json.dumps({"sum": [surface_name, start, strides, zeroing, stride, radius, lifted]})
    return view_json(figures, named, step=None, captions=captions, toolbar=False)


def zero_grad_mystery() -> None:
    """Chapter · The zero_grad mystery."""
    fog_init()
    state = st.session_state
    st.markdown(
        "The lesson's last line is `coeffs.grad.zero_()`. PyTorch never wipes the compass by itself: each "
        "`loss.backward()` **adds** the new tilt to whatever `coeffs.grad` already holds. Switch the wipe off, "
        "walk, and watch the compass you follow (black) become the **sum of every compass you have felt** (blue, "
        "laid tip to tail): the directions from your last places and your current place at the same time."
    )
    mountain_column, stride_column, wipe_column = st.columns([1, 2, 1])
    mountain_and_stride(mountain_column, stride_column)
    wipe_column.toggle("zero_() each step", key="fog_zeroing", on_change=_start_again,
                       help="Call coeffs.grad.zero_() before each backward(), as the lesson's loop does: a new walk starts.")
    start = (float(state.fog_x), float(state.fog_y))
    try:
        taken = fog_walk(state.fog_surface, start, tuple(state.fog_sum_walk), bool(state.fog_zeroing))
    except LossMountainError as error:
        st.error(f"That walk does not work: {error}. Starting again.", icon="⚠️")
        _start_again()
        taken = fog_walk(state.fog_surface, start, (), bool(state.fog_zeroing))
    walk_buttons("fog_sum_walk", taken, _start_again, "walk_sum")
    steps, loss, follow, tilt = st.columns(4)
    steps.metric("Steps taken", taken.steps)
    loss.metric("Loss here", f"{taken.losses[-1]:.4g}")
    follow.metric("|coeffs.grad|, what you follow", f"{_length(taken.grads[-1]):.3g}")
    tilt.metric("The tilt here alone", f"{_length(taken.fresh[-1]):.3g}")
    if taken.flown_off:
        st.error("That stride flew you off the mountain: the loss is no longer a number.", icon="🪂")
    mountain_view(sum_payload(state.fog_surface, start, taken.strides, bool(state.fog_zeroing),
                              float(state.fog_stride), float(state.fog_radius), bool(state.fog_lifted)),
                  on_start_click=_start_here, key=VIEW_KEY, rate_key="fog_stride")
    _outcome(state.fog_surface, start, float(state.fog_stride), bool(state.fog_zeroing))


def _length(vector) -> float:
    # hypot: squaring a huge compass overflows a float (OverflowError), hypot does not
    return math.hypot(float(vector[0]), float(vector[1]))


def _outcome(surface_name: str, start: tuple[float, float], stride: float, zeroing: bool) -> None:
    """What walking on would do, run rather than guessed: plain SGD from the start at this stride."""
    try:
        summed, kept = walk_on(surface_name, start, stride)
    except LossMountainError as error:
        st.warning(f"Walking on from here cannot be run: {error}", icon="⚠️")
        return
    head = f"**Walk on from the start for {WALK_ON} steps at stride {stride:g}** (run, not guessed)."
    if zeroing:
        st.info(f"{head} With `zero_()` the walk {kept.what}", icon="🧭")
        return
    # the verdict's own advice already compares with the walk done right when that is the cause
    compared = "" if summed.cause == "zero_grad" else f" With `zero_()`, the walk {kept.what}"
    st.info(f"{head} The lesson says you just get stuck; here is what really happens. Without `zero_()` the "
            f"walk {summed.sentence}{compared}", icon="🧭")
