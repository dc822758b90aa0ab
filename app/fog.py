"""Into the fog, its first chapter: the mountain is hidden, the walker feels only the tilt under
their boots (the compass, p.grad) and takes one real torch.optim.SGD step per press. The walk's
settings (its mountain, start and stride) are shared by the chapters after it."""

from __future__ import annotations

import json
import math

import streamlit as st

from core import LossMountainError, get_surface
from core.fog import CABIN_TOLERANCE, MAX_WALK, Walk, at_cabin, walk
from core.fog_figures import fog_ground, fog_loss_figure, fog_map_figure, fog_mountain_figure
from core.status import diagonal
from core.sweep import LR_LADDER

from app.controls import nearest_lr
from app.memo import ONE_HOUR, memo
from app.mountain_view import Payload, clicked_start, mountain_view, view_json
from app.scene import scene_grid

FOG_MOUNTAINS = ("himmelblau", "bowl", "rosenbrock", "camel")
RADII = (0.05, 0.08, 0.12, 0.18, 0.25)  # how far the walker sees, as a share of the map's diagonal
VIEW_KEY = "fog_view"
# the walk's settings, kept across pages (app.main keeps every "fog_" key: buttons are named "walk_")
# chapter "your stride": from (0.5, −0.5) on Himmelblau, 0.02 is past 2/λmax of the nearest valley
# (0.019) and comes to rest in the next one; 0.01 settles in the nearest; 0.001 is still on its way
STRIDE_DEFAULTS = {"fog_rate_blue": 0.001, "fog_rate_green": 0.01, "fog_rate_red": 0.02,
                   "fog_rate_x": 0.5, "fog_rate_y": -0.5}
FOG_DEFAULTS = {"fog_chapter": "fog", "fog_surface": "himmelblau", "fog_radius": 0.08, "fog_lifted": False,
                "fog_zeroing": False, **STRIDE_DEFAULTS,
                # chapter "you are the optimizer": mountain #7, steps of 0.5, no step yet
                "fog_seed": 7, "fog_hand_length": 0.5, "fog_hand": [], "fog_hand_lifted": False}


def _fresh(surface_name: str) -> dict:
    """A walk's start and stride on a mountain: its usual start, a stride that walks steadily."""
    surface = get_surface(surface_name)
    return {"fog_x": surface.start[0], "fog_y": surface.start[1], "fog_stride": nearest_lr(surface.lr),
            "fog_walk": [], "fog_button_x": None, "fog_button_y": None, "fog_sum_walk": []}


def fog_defaults(surface_name: str | None = None) -> dict:
    """A fresh walk's settings (on `surface_name`, else the default mountain)."""
    chosen = surface_name or FOG_DEFAULTS["fog_surface"]
    return {**FOG_DEFAULTS, "fog_surface": chosen, **_fresh(chosen)}


def fog_init() -> None:
    state = st.session_state
    for key, value in fog_defaults(state.get("fog_surface")).items():
        state.setdefault(key, value)


def mountain_changed() -> None:
    """Another mountain: every chapter's walk starts afresh at its usual start."""
    st.session_state.update(_fresh(st.session_state.fog_surface), fog_lifted=False)


def _step(walk_key: str) -> None:
    state = st.session_state
    if len(state[walk_key]) < MAX_WALK:
        state[walk_key] = [*state[walk_key], float(state.fog_stride)]


def _undo(walk_key: str) -> None:
    st.session_state[walk_key] = st.session_state[walk_key][:-1]


def walk_buttons(walk_key: str, taken: Walk, start_again, prefix: str) -> None:
    """Step ▶, Undo, Start again and Lift the fog for the walk of strides kept under `walk_key`
    (the buttons' keys start with `prefix`)."""
    step, undo, again, lift = st.columns(4)
    step.button("Step ▶", key=f"{prefix}_step", on_click=_step, args=(walk_key,), type="primary",
                use_container_width=True, disabled=taken.flown_off or taken.steps >= MAX_WALK)
    undo.button("↶ Undo a step", key=f"{prefix}_undo", on_click=_undo, args=(walk_key,), disabled=not taken.steps,
                use_container_width=True)
    again.button("Start again", key=f"{prefix}_again", on_click=start_again, use_container_width=True)
    lift.toggle("Lift the fog", key="fog_lifted")


def _start_again() -> None:
    st.session_state.update(fog_walk=[], fog_lifted=False)


def _start_here() -> None:
    point = clicked_start(VIEW_KEY)
    if point is not None:
        st.session_state.update(fog_x=round(point[0], 2), fog_y=round(point[1], 2), fog_walk=[], fog_lifted=False)


@st.cache_data(max_entries=64, ttl=ONE_HOUR, show_spinner=False)
def fog_walk(surface_name: str, start: tuple[float, float], strides: tuple[float, ...], zero_grad: bool = True) -> Walk:
    return walk(get_surface(surface_name), start, strides, zero_grad)


@memo()  # a shared, frozen text
def fog_payload(surface_name: str, start: tuple[float, float], strides: tuple[float, ...], stride: float,
                radius: float, lifted: bool) -> Payload:
    """The fogged view of a walk (core.fog_figures): only the ground it uncovered travels."""
    surface = get_surface(surface_name)
    taken = fog_walk(surface_name, start, strides)
    grid = scene_grid(surface)
    ground = fog_ground(surface, grid, taken, radius * diagonal(surface), lifted)
    figures = {"mountain": fog_mountain_figure(surface, grid, taken, ground, stride),
               "map": fog_map_figure(surface, grid, taken, ground, stride),
               "loss": fog_loss_figure(surface, taken)}
    captions = {"mountain": ("The whole mountain, with the path you walked · drag to turn it" if lifted else
                             "Only the ground near where you have stood shows through the fog · drag to turn it"),
                "map": "From above: black, the compass (p.grad, uphill); orange, your next step · click to start elsewhere"}
    named = json.dumps({"fog": [surface_name, start, strides, stride, radius, lifted]})
    return view_json(figures, named, step=None, captions=captions, toolbar=False)


def mountain_and_stride(mountain_column, stride_column) -> None:
    """The walk's mountain and stride: the same two controls in every chapter that walks by Step."""
    mountain_column.selectbox("Mountain", FOG_MOUNTAINS, key="fog_surface", on_change=mountain_changed,
                              format_func=lambda name: get_surface(name).title)
    stride_column.select_slider("Your stride (the learning rate)", LR_LADDER, key="fog_stride",
                                format_func=lambda v: f"{v:g}",
                                help="How far each step goes: the learning rate times the compass's length.")


def the_fog() -> None:
    """Chapter · The fog: walk by pressing Step, seeing only the ground you have stood near."""
    fog_init()
    state = st.session_state
    st.markdown(
        "You stand on a mountain in thick fog. You cannot see the cabin in the valley: you only feel "
        "the tilt of the ground under your boots. That tilt is the **gradient**, `coeffs.grad`, a compass "
        "that points **uphill** (black arrow); each press of **Step** walks one stride against it (orange)."
    )
    mountain_column, stride_column, radius_column = st.columns([1, 2, 1])
    mountain_and_stride(mountain_column, stride_column)
    radius_column.select_slider("How far you see", RADII, key="fog_radius",
                                format_func=lambda share: f"{share:.0%} of the map")
    surface = get_surface(state.fog_surface)
    start = (float(state.fog_x), float(state.fog_y))
    try:
        taken = fog_walk(state.fog_surface, start, tuple(state.fog_walk))
    except LossMountainError as error:
        st.error(f"That walk does not work: {error}. Starting again.", icon="⚠️")
        _start_again()
        taken = fog_walk(state.fog_surface, start, ())
    walk_buttons("fog_walk", taken, _start_again, "walk")
    _say_where(surface, taken, at_cabin(surface, taken))
    payload = fog_payload(state.fog_surface, start, taken.strides, float(state.fog_stride), float(state.fog_radius),
                          bool(state.fog_lifted))
    mountain_view(payload, on_start_click=_start_here, key=VIEW_KEY, rate_key="fog_stride")


def _say_where(surface, taken: Walk, arrived: bool) -> None:
    """Steps, loss and the compass's length; the cabin, or a flight off the mountain."""
    steps, loss, tilt = st.columns(3)
    steps.metric("Steps taken", taken.steps)
    loss.metric("Loss here", f"{taken.losses[-1]:.4g}",
                delta=f"{taken.losses[-1] - taken.losses[-2]:+.3g}" if taken.steps else None, delta_color="inverse")
    # hypot: the compass of a walk that flew off squares past a float's range (OverflowError)
    tilt.metric("|coeffs.grad|, the tilt", f"{math.hypot(*taken.compass):.3g}")
    if taken.flown_off:
        st.error("Your last stride was so long that you leapt off the mountain: the loss is no longer a "
                 "number. Undo a step and take a smaller stride.", icon="🪂")
    elif arrived:
        st.success(f"🏠 You reached the cabin in {taken.steps} steps: the loss is within {CABIN_TOLERANCE:.1%} of "
                   "the way from where you started to the valley floor. Lift the fog to see the path you took.")
