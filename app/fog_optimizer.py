"""Into the fog, you are the optimizer: the learner picks each step by clicking a direction on the
map; the compass is shown, not forced. The score is steps to the cabin; then the fog lifts and the
walk races plain SGD and Adam from the same start for as many steps. Mountains come from a number,
so a class can compare scores on the same one (core.seeded)."""

from __future__ import annotations

import json

import numpy as np
import streamlit as st

from core import LossMountainError, get_optimizer
from core.fog import MAX_WALK, Walk
from core.fog_figures import add_racers, fog_ground, fog_loss_figure, fog_map_figure, fog_mountain_figure
from core.hand_walk import CABIN_REACH, Race, first_at_cabin, hand_walk, heading_to, race
from core.seeded import MAX_SEED, seeded_mountain
from core.status import diagonal
from core.surfaces import Surface

from app.fog import FOG_DEFAULTS
from app.memo import ONE_HOUR, memo
from app.mountain_view import Payload, clicked_start, mountain_view, view_json
from app.scene import scene_grid

VIEW_KEY = "fog_hand_view"
HAND_LENGTHS = (0.1, 0.2, 0.3, 0.5, 0.8, 1.2)  # a step's length in the map's units (it spans 10)


@st.cache_resource(max_entries=32, show_spinner="Raising the mountain…")
def mountain_number(seed: int) -> Surface:
    return seeded_mountain(seed)


def _moves() -> tuple[tuple[float, float], ...]:
    return tuple((float(h), float(length)) for h, length in st.session_state.fog_hand)


@st.cache_data(max_entries=64, ttl=ONE_HOUR, show_spinner=False)
def walked(seed: int, moves: tuple[tuple[float, float], ...]) -> Walk:
    surface = mountain_number(seed)
    return hand_walk(surface, surface.start, moves)


def _step_towards() -> None:
    """A click on the map: one step of the chosen length towards where it landed."""
    state = st.session_state
    point = clicked_start(VIEW_KEY)
    if point is None or len(state.fog_hand) >= MAX_WALK:
        return
    here = walked(int(state.fog_seed), _moves()).here
    heading = heading_to(here, point)
    if heading is not None:
        state.fog_hand = [*state.fog_hand, [heading, float(state.fog_hand_length)]]


def _undo() -> None:
    st.session_state.fog_hand = st.session_state.fog_hand[:-1]


def _start_again() -> None:
    st.session_state.update(fog_hand=[], fog_hand_lifted=False)


@st.cache_data(max_entries=64, ttl=ONE_HOUR, show_spinner=False)
def raced(seed: int, moves: tuple[tuple[float, float], ...]) -> Race:
    """Plain SGD and Adam from the walk's start for as many steps (drawn and told: computed once)."""
    return race(mountain_number(seed), walked(seed, moves))


@memo()  # a shared, frozen text
def hand_payload(seed: int, moves: tuple[tuple[float, float], ...], lifted: bool) -> Payload:
    surface = mountain_number(seed)
    taken = walked(seed, moves)
    grid = scene_grid(surface)
    ground = fog_ground(surface, grid, taken, FOG_DEFAULTS["fog_radius"] * diagonal(surface), lifted)
    plan = fog_map_figure(surface, grid, taken, ground, None)
    loss = fog_loss_figure(surface, taken)
    if lifted:
        add_racers(plan, loss, raced(seed, moves).runs, surface)
    captions = {"mountain": "The whole mountain, your walk and the racers" if lifted else
                "Only the ground near where you have stood shows · drag to turn it",
                "map": "Click where you want to go: one step of your length that way · black arrow: the compass, "
                       "coeffs.grad (uphill)"}
    named = json.dumps({"hand": [seed, moves, lifted]})
    figures = {"mountain": fog_mountain_figure(surface, grid, taken, ground, None), "map": plan, "loss": loss}
    return view_json(figures, named, step=None, captions=captions, toolbar=False)


def you_are_the_optimizer() -> None:
    """Chapter · You are the optimizer."""
    state = st.session_state
    st.markdown(
        "Now **you** are the optimizer. Same fog, but you choose where to step: **click on the map** in the "
        "direction you want to go, and you walk one step of your length that way. The compass (black) still "
        "shows which way is uphill; follow it or not. Reach the cabin in as few steps as you can, then race plain "
        "SGD and Adam. Everyone who picks the same mountain number walks the same mountain."
    )
    number, length, lift = st.columns([1, 2, 1])
    number.number_input("Mountain number", 0, MAX_SEED, step=1, key="fog_seed", on_change=_start_again)
    length.select_slider("Your step's length", HAND_LENGTHS, key="fog_hand_length",
                         help="How far one click takes you, in the map's units (the map spans 10).")
    seed = int(state.fog_seed)
    surface = mountain_number(seed)
    try:
        taken = walked(seed, _moves())
    except LossMountainError as error:
        st.error(f"That walk does not work: {error}. Starting again.", icon="⚠️")
        _start_again()
        taken = walked(seed, ())
    score = first_at_cabin(surface, taken)
    lifted = bool(state.fog_hand_lifted) or score is not None
    lift.toggle("Lift the fog and race", key="fog_hand_lifted", disabled=score is not None)
    undo, again = st.columns(2)
    undo.button("↶ Undo a step", key="walk_hand_undo", on_click=_undo, disabled=not taken.steps, use_container_width=True)
    again.button("Start again", key="walk_hand_again", on_click=_start_again, use_container_width=True)
    steps, loss, tilt = st.columns(3)
    steps.metric("Steps taken", taken.steps)
    loss.metric("Loss here", f"{taken.losses[-1]:.4g}")
    tilt.metric("|coeffs.grad|, the tilt", f"{np.hypot(*taken.compass):.3g}")
    if score is not None:
        st.success(f"🏠 You reached the cabin (within {CABIN_REACH * diagonal(surface):.2g} of the lowest point) in "
                   f"**{score} steps** on mountain #{seed}. The fog lifts: here is how plain SGD and Adam did from "
                   "the same start in as many steps.")
    mountain_view(hand_payload(seed, _moves(), lifted), on_start_click=_step_towards, key=VIEW_KEY)
    if lifted:
        _tell_the_race(surface, taken, raced(seed, _moves()))


def _tell_the_race(surface: Surface, taken: Walk, result: Race) -> None:
    """Who ended lowest after the same number of steps, and who reached the cabin when."""
    rows = [("You", float(taken.losses[-1]), first_at_cabin(surface, taken))]
    rows += [(get_optimizer(run.optimizer).label, float(run.losses[-1]), at) for run, at in zip(result.runs, result.arrived)]
    steps = max(taken.steps, 1)
    lines = [f"- **{who}**: loss {final:.4g} after {steps} steps, "
             + (f"at the cabin from step {at}" if at is not None else "not at the cabin") for who, final, at in rows]
    best = min(rows, key=lambda row: row[1])[0]
    st.markdown(f"**The race** (the same start, {steps} steps each, SGD and Adam at lr {surface.lr:.3g}):\n"
                + "\n".join(lines) + f"\n\nLowest at the end: **{best}**.")
