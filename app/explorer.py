"""The explorer page: pick a mountain and optimizers, watch the balls roll."""

from __future__ import annotations

import streamlit as st

from core import OPTIMIZERS, LossMountainError, get_surface
from core.outcome import DIVERGED, outcome

from app.controls import controls_ui, move_start
from app.mountain_view import clicked_start, mountain_view
from app.scene import scene_runs, view_payload


def _on_start_click() -> None:
    point = clicked_start()
    if point is not None:
        move_start(*point)


def _zero_grad_note() -> None:
    st.info(
        "**`optimizer.zero_grad()` is switched off.** Each `loss.backward()` now *adds* the new "
        "gradient to `p.grad` instead of replacing it, so every step uses the sum of all the "
        "gradients so far: the compass points where the ball *was* as well as where it *is*. "
        "Plain SGD then behaves like momentum that never forgets, and tends to overshoot.",
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
    if diverged:
        st.warning(f"**Diverged: {', '.join(diverged)}.** Those balls flew off the mountain: the "
                   "learning rate is too big for them here. Try a smaller one.", icon="💥")
    st.markdown("  \n".join(lines), unsafe_allow_html=True)


def explorer_page() -> None:
    settings = controls_ui()
    surface = get_surface(settings.surface)
    st.markdown(f"### ⛰️ Loss Mountain · {surface.title}")
    st.caption("The height is the loss; each ball is a real `torch.optim` optimizer taking "
               "steps downhill. Press ▶ to roll them again, drag the mountain to look around.")
    try:
        runs = scene_runs(settings)
        payload = view_payload(settings)
        st.session_state.last_good_payload = payload
    except LossMountainError as error:
        st.error(f"That setting does not work: {error}. Showing the last good scene.")
        runs, payload = (), st.session_state.get("last_good_payload")
    if not settings.optimizers:
        st.info("Pick at least one optimizer in the sidebar to roll a ball down this mountain.")
    if not settings.zero_grad:
        _zero_grad_note()
    if payload:
        mountain_view(payload, on_start_click=_on_start_click)
    _outcomes_ui(runs, surface)
    with st.expander("What am I looking at?"):
        st.markdown(
            "- **The mountain** is the loss surface: its height at (x, y) is the loss when the "
            "two weights are x and y. Golden diamonds mark the lowest points.\n"
            "- **Each ball** runs the training loop `zero_grad() → loss = f(p) → "
            "loss.backward() → step()` with a real `torch.optim` optimizer, from the white start.\n"
            "- **The gradient** is the compass: it points uphill, so each step moves against it. "
            "The **learning rate** is the stride: too small and the ball crawls; too big and it "
            "leaps over the valley, or off the mountain altogether.\n"
            "- **The loss chart** shows the loss at every step on a log scale, so a steady "
            "straight descent there means the loss shrinks by the same factor each step."
        )
