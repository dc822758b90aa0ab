"""The sidebar: every control of the explorer, kept in st.session_state across reruns."""

from __future__ import annotations

import math
import streamlit as st

from core import OPTIMIZERS, SURFACES, get_surface

from app.settings import Settings
from app.tuning import hyperparameters_ui, reset_hyperparameters, schedule_ui

# 20 learning rates per decade, 1e-5 … 10, rounded to two significant digits
LR_OPTIONS = tuple(sorted({float(f"{10 ** (k / 20):.2g}") for k in range(-100, 21)}))
MAX_APP_STEPS = 2000
DEFAULT_SURFACE = "himmelblau"
DEFAULT_OPTIMIZERS = ("sgd", "momentum", "adam")
DEFAULT_STEPS = 150
START_DECIMALS = 2
START_STEP = 10.0**-START_DECIMALS


def nearest_lr(lr: float) -> float:
    """The learning-rate option closest to `lr` on a log scale."""
    return min(LR_OPTIONS, key=lambda option: abs(math.log(option / lr)))


def _surface_defaults(name: str) -> dict[str, object]:
    surface = get_surface(name)
    return {"lr": nearest_lr(surface.lr), "start_x": surface.start[0], "start_y": surface.start[1]}


def _init_state() -> None:
    defaults = {
        "surface": DEFAULT_SURFACE, "optimizers": list(DEFAULT_OPTIMIZERS),
        "steps": DEFAULT_STEPS, "forget_zero_grad": False, "step_mode": False,
        **_surface_defaults(DEFAULT_SURFACE),
    }
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value


def _on_surface_change() -> None:
    # a new mountain has new bounds: start where it is interesting, at a stride that suits it
    st.session_state.update(_surface_defaults(st.session_state.surface))


def _on_reset() -> None:
    reset_hyperparameters()
    st.session_state.update(
        optimizers=list(DEFAULT_OPTIMIZERS), steps=DEFAULT_STEPS, forget_zero_grad=False,
        schedule="constant", clip=False, **_surface_defaults(st.session_state.surface),
    )


def classic_mistake_preset() -> None:
    """The first hand-written training loop, `coeffs -= coeffs.grad * lr`, without
    `coeffs.grad.zero_()`: plain SGD with zero_grad() forgotten, on a round bowl."""
    reset_hyperparameters()
    st.session_state.update(
        surface="bowl", optimizers=["sgd"], lr=0.05, start_x=1.5, start_y=-1.0, steps=200,
        forget_zero_grad=True, schedule="constant", clip=False, step_mode=False,
    )


def move_start(x: float, y: float) -> None:
    """Put the start at (x, y), clamped to the surface and rounded to the sliders' step."""
    (x0, x1), (y0, y1) = get_surface(st.session_state.surface).bounds
    st.session_state.start_x = round(min(max(x, x0), x1), START_DECIMALS)
    st.session_state.start_y = round(min(max(y, y0), y1), START_DECIMALS)


def controls_ui(lr_picture=None) -> Settings:
    """Draw the sidebar controls; returns their current values.

    lr_picture(settings-so-far) draws what sits under the learning-rate slider."""
    _init_state()
    sidebar = st.sidebar
    sidebar.selectbox(
        "Mountain", list(SURFACES), key="surface", on_change=_on_surface_change,
        format_func=lambda name: SURFACES[name].title,
        help="The loss surface the balls roll on. Its height at (x, y) is the loss.",
    )
    surface = get_surface(st.session_state.surface)
    sidebar.caption(f"`{surface.formula}`  \n{surface.blurb}")
    sidebar.multiselect(
        "Optimizers (one ball each)", list(OPTIMIZERS), key="optimizers",
        format_func=lambda name: OPTIMIZERS[name].label,
        help="Each is the real torch.optim class with PyTorch's defaults; "
        "momentum and Nesterov use momentum 0.9.",
    )
    sidebar.select_slider(
        "Learning rate (log scale)", LR_OPTIONS, key="lr", format_func=lambda v: f"{v:g}",
        help="The stride: how far each step moves along the slope.",
    )
    lr_slot = sidebar.container()
    (x0, x1), (y0, y1) = surface.bounds
    left, right = sidebar.columns(2)
    left.slider("Start x", x0, x1, key="start_x", step=START_STEP, format="%.2f")
    right.slider("Start y", y0, y1, key="start_y", step=START_STEP, format="%.2f")
    sidebar.slider("Steps", 1, MAX_APP_STEPS, key="steps", help="How many optimizer steps to take.")
    sidebar.toggle(
        "Forget optimizer.zero_grad()", key="forget_zero_grad",
        help="Skip optimizer.zero_grad() in the loop, so p.grad keeps adding up, "
        "as it does in PyTorch when you forget it.",
    )
    sidebar.toggle("Step by step", key="step_mode",
                   help="Take one optimizer step at a time and see its numbers and arrows.")
    state = st.session_state
    optimizers = tuple(name for name in OPTIMIZERS if name in state.optimizers)
    with sidebar.expander("Optimizer settings"):
        hyperparameters = hyperparameters_ui(st, optimizers)
        if not optimizers:
            st.caption("Choose an optimizer to tune it.")
    with sidebar.expander("Schedule and clipping"):
        schedule, clip_norm = schedule_ui(st)
    sidebar.button("Reset to this mountain's defaults", on_click=_on_reset, width="stretch")
    settings = Settings(
        surface=state.surface,
        optimizers=optimizers,
        lr=float(state.lr),
        start=(float(state.start_x), float(state.start_y)),
        steps=int(state.steps),
        zero_grad=not state.forget_zero_grad,
        hyperparameters=hyperparameters,
        schedule=schedule,
        clip_norm=clip_norm,
    )
    if lr_picture is not None:
        with lr_slot:
            lr_picture(settings)
    return settings
