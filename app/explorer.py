"""The explorer page: pick a mountain and optimizers, watch the balls roll, then look closer."""

from __future__ import annotations

import streamlit as st

from core import OPTIMIZERS, LossMountainError
from core.custom import SURFACE_NAME
from core.outcome import DIVERGED, ESCAPING, outcome

from app.controls import controls_init, controls_ui, move_start, on_surface_change
from app.lessons import code_tab, curvature_tab, lr_picture, step_controls, step_panel, zero_grad_tab
from app.mountains import mountain_of
from app.mountain_view import clicked_start, mountain_view
from app.scene import scene_runs, view_payload
from app.share import share_tab


def _on_start_click() -> None:
    point = clicked_start()
    if point is not None:
        move_start(*point)


def _zero_grad_note() -> None:
    st.info(
        "**`optimizer.zero_grad()` is switched off.** Each `loss.backward()` now *adds* the new "
        "gradient to `p.grad` instead of replacing it, so every step uses the sum of all the "
        "gradients so far: the compass points where the ball *was* as well as where it *is*. "
        "The faint dashed balls do it right. More in the tab *Forgot zero_grad()?* below.",
        icon="🧭",
    )


def _outcomes_ui(runs, surface) -> None:
    lines, diverged = [], []
    for run in runs:
        spec = OPTIMIZERS[run.optimizer]
        result = outcome(run, surface)
        dot = f"<span style='color:{spec.color}'>●</span>"
        loss = f"final loss {result.final_loss:.4g}" if result.status != DIVERGED else "no final loss"
        lines.append(f"{dot} **{spec.label}** {result.sentence} <small>({loss})</small>")
        if result.status == DIVERGED:
            diverged.append(f"{spec.label} at step {run.diverged_at}")
        elif result.status == ESCAPING:
            diverged.append(f"{spec.label} is on its way (its loss keeps growing)")
    if diverged:
        st.warning(f"**Diverged: {', '.join(diverged)}.** Those balls fly off the mountain: the "
                   "learning rate is too big for them here. Try a smaller one.", icon="💥")
    st.markdown("  \n".join(lines), unsafe_allow_html=True)


def _about() -> None:
    st.markdown(
        "- **The mountain** is the loss surface: its height at (x, y) is the loss when the "
        "two weights are x and y. Golden diamonds mark the lowest points.\n"
        "- **Each ball** runs the training loop `zero_grad() → loss = f(p) → "
        "loss.backward() → step()` with a real `torch.optim` optimizer, from the white start.\n"
        "- **The gradient** is the compass: it points uphill, so each step moves against it. "
        "The **learning rate** is the stride: too small and the ball crawls; too big and it "
        "leaps over the valley, or off the mountain altogether.\n"
        "- **The charts** show the loss and the length of `p.grad` at every step on log scales "
        "(a straight descent there means the loss shrinks by the same factor each step), and the "
        "learning rate per step when a schedule changes it."
    )


def formula_page() -> None:
    """The explorer on a mountain of the user's own formula (the page "Type a mountain")."""
    state = st.session_state
    if state.get("page") != "formula":
        # arriving here: switch to the typed formula, with a start and stride that suit it
        state.page = "formula"
        controls_init()
        state.surface = SURFACE_NAME
        on_surface_change()
    _explorer()


def explorer_page() -> None:
    st.session_state.page = "explorer"
    _explorer()


def _explorer() -> None:
    settings = controls_ui(lr_picture)
    surface = mountain_of(settings)
    st.markdown(f"### ⛰️ Loss Mountain · {surface.title}")
    st.caption("The height is the loss; each ball is a real `torch.optim` optimizer taking "
               "steps downhill. Press ▶ to roll them again, drag the mountain to look around.")
    state = st.session_state
    try:
        runs = scene_runs(settings)
    except LossMountainError as error:
        st.error(f"That setting does not work: {error}. Showing the last good scene.", icon="⚠️")
        settings, runs = state.get("last_good", (settings, ()))
    else:
        state.last_good = (settings, runs)
    step = step_controls(settings) if state.step_mode and runs else None
    if not settings.optimizers:
        st.info("Pick at least one optimizer in the sidebar to roll a ball down this mountain.")
    if not settings.zero_grad:
        _zero_grad_note()
    payload = view_payload(settings, step)
    if step is None:
        mountain_view(payload, on_start_click=_on_start_click)
    else:
        view, panel = st.columns([3, 1])
        with view:
            mountain_view(payload, on_start_click=_on_start_click)
        with panel:
            step_panel(runs, step)
    _outcomes_ui(runs, surface)
    curvature, code, forgot, share, about = st.tabs(
        ["📐 Curvature: why too big is too big", "🐍 Show me the code", "🧭 Forgot zero_grad()?",
         "🔗 Share and download", "❔ What am I looking at?"])
    with curvature:
        curvature_tab(settings, runs, step)
    with code:
        code_tab(settings)
    with forgot:
        zero_grad_tab(settings, runs)
    with share:
        share_tab(settings, runs)
    with about:
        _about()
