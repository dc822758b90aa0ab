"""Sidebar widgets for each optimizer's hyperparameters, the schedule and gradient clipping."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core import get_optimizer
from core.optimizers import Hyperparameter
from core.schedules import SCHEDULES

SCHEDULE_DEFAULTS = {"schedule": "constant", "clip": False, "clip_norm": 1.0}
EPS_OPTIONS = (1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1.0)
# input step and display format of the number hyperparameters (others: 0.01, "%.4f")
NUMBER_STYLE = {
    "momentum": (0.01, "%.3f"), "dampening": (0.01, "%.3f"), "weight_decay": (0.001, "%.4f"),
    "lambd": (0.0001, "%.4f"), "t0": (1.0, "%.0f"), "momentum_decay": (0.001, "%.4f"),
    "step_sizes": (0.001, "%g"), "damping": (0.1, "%g"),
}


def hyperparameter_key(optimizer: str, name: str, part: int | None = None) -> str:
    return f"hp:{optimizer}:{name}" + ("" if part is None else f":{part}")


def _init(key: str, value: Any) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _widget(box, optimizer: str, h: Hyperparameter, default: Any) -> Any:
    key = hyperparameter_key(optimizer, h.name)
    if h.kind == "pair":
        step, fmt = NUMBER_STYLE.get(h.name, (0.01, "%.4f"))
        values = []
        for part, column in enumerate(box.columns(2)):
            label, low, high = h.parts[part]
            _init(hyperparameter_key(optimizer, h.name, part), default[part])
            values.append(column.number_input(label, low, high, step=step, format=fmt,
                                              key=hyperparameter_key(optimizer, h.name, part), help=h.help))
        return tuple(values)
    _init(key, default)
    if h.kind == "switch":
        return box.checkbox(h.name, key=key, help=h.help)
    if h.kind == "choice":
        return box.selectbox(h.name, h.choices, key=key, format_func=lambda v: "none" if v is None else str(v),
                             help=h.help)
    if h.name == "eps":
        return box.select_slider(h.name, EPS_OPTIONS, key=key, format_func=lambda v: f"{v:g}", help=h.help)
    if h.kind == "whole":
        return box.number_input(h.name, int(h.bounds[0]), int(h.bounds[1]), step=1, key=key, help=h.help)
    step, fmt = NUMBER_STYLE.get(h.name, (0.01, "%.4f"))
    return box.number_input(h.name, *h.bounds, step=step, format=fmt, key=key, help=h.help)


def hyperparameters_ui(box, optimizers: tuple[str, ...]) -> tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]:
    """One group of widgets per chosen optimizer; returns what differs from its defaults."""
    changed = []
    for optimizer in optimizers:
        spec = get_optimizer(optimizer)
        box.markdown(f"**{spec.label}** · `{spec.class_path}`")
        defaults = spec.defaults()
        if spec.library is not None:
            # plain text: its settings' names come from the package, shown as code, never as markup
            box.caption("The library's defaults (change them with the CLI's `--hp NAME=VALUE`):")
            box.code(", ".join(f"{name}={value!r}" for name, value in defaults.items()) or "none", language=None,
                     wrap_lines=True)
        overrides = tuple(
            (h.name, value) for h in spec.hyperparameters()
            if (value := _widget(box, optimizer, h, defaults[h.name])) != defaults[h.name]
        )
        if overrides:
            changed.append((optimizer, overrides))
    return tuple(changed)


def hyperparameters_in_state(optimizers: tuple[str, ...]) -> tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]:
    """What hyperparameters_ui returns, read from the session while its widgets are folded away."""
    state = st.session_state
    changed = []
    for optimizer in optimizers:
        overrides = []
        spec = get_optimizer(optimizer)
        defaults = spec.defaults()
        for h in spec.hyperparameters():
            name, default = h.name, defaults[h.name]
            if h.kind == "pair":
                value = tuple(state.get(hyperparameter_key(optimizer, name, part), default[part]) for part in (0, 1))
            else:
                value = state.get(hyperparameter_key(optimizer, name), default)
            if value != default:
                overrides.append((name, value))
        if overrides:
            changed.append((optimizer, tuple(overrides)))
    return tuple(changed)


def schedule_in_state() -> tuple[str, float | None]:
    """What schedule_ui returns, read from the session while its widgets are folded away."""
    state = st.session_state
    values = {key: state.get(key, value) for key, value in SCHEDULE_DEFAULTS.items()}
    return values["schedule"], float(values["clip_norm"]) if values["clip"] else None


def reset_hyperparameters() -> None:
    for key in [key for key in st.session_state if str(key).startswith("hp:")]:
        del st.session_state[key]


def schedule_ui(box) -> tuple[str, float | None]:
    """The learning-rate schedule and the clipping norm (None when clipping is off)."""
    for key, value in SCHEDULE_DEFAULTS.items():
        _init(key, value)
    schedule = box.selectbox("Learning-rate schedule", list(SCHEDULES), key="schedule",
                             format_func=lambda name: SCHEDULES[name].label,
                             help="A torch.optim.lr_scheduler, stepped once after every optimizer step.")
    box.caption(SCHEDULES[schedule].blurb)
    clip = box.toggle("Clip the gradient norm", key="clip",
                      help="torch.nn.utils.clip_grad_norm_: shorten p.grad to at most this length.")
    norm = box.number_input("Largest gradient norm", 0.001, 1000.0, step=0.1, format="%.3f", key="clip_norm",
                            disabled=not clip)
    return schedule, float(norm) if clip else None
