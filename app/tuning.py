"""Sidebar widgets for each optimizer's hyperparameters, the schedule and gradient clipping."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core import OPTIMIZERS
from core.optimizers import RANGES
from core.schedules import SCHEDULES

SCHEDULE_DEFAULTS = {"schedule": "constant", "clip": False, "clip_norm": 1.0}
EPS_OPTIONS = (1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1.0)
# input step and display format of the number hyperparameters
NUMBER_STYLE = {
    "momentum": (0.01, "%.3f"), "dampening": (0.01, "%.3f"), "weight_decay": (0.001, "%.4f"),
    "lr_decay": (0.001, "%.4f"), "alpha": (0.01, "%.4f"), "betas": (0.001, "%.4f"),
}
HELP = {
    "momentum": "How much of the last step carries into the next (0 = none).",
    "dampening": "Shrinks the new gradient's share of the momentum buffer.",
    "nesterov": "Take the gradient where momentum is about to carry you.",
    "weight_decay": "Adds a pull toward 0 to every gradient (L2 penalty; decoupled in AdamW).",
    "lr_decay": "Adagrad divides the learning rate by (1 + step·lr_decay).",
    "eps": "Added to the denominator so a tiny gradient history cannot divide by 0.",
    "alpha": "How slowly RMSprop's running average of squared gradients forgets.",
    "centered": "Divide by the variance of the gradient instead of its raw second moment.",
    "betas": "How slowly Adam's first and second moments forget.",
    "amsgrad": "Never let the second-moment estimate shrink.",
}


def hyperparameter_key(optimizer: str, name: str, part: int | None = None) -> str:
    return f"hp:{optimizer}:{name}" + ("" if part is None else f":{part}")


def _init(key: str, value: Any) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _widget(box, optimizer: str, name: str, default: Any) -> Any:
    key = hyperparameter_key(optimizer, name)
    bounds = RANGES[name]
    if bounds is None:
        _init(key, default)
        return box.checkbox(name, key=key, help=HELP[name])
    if name == "eps":
        _init(key, default)
        return box.select_slider(name, EPS_OPTIONS, key=key, format_func=lambda v: f"{v:g}", help=HELP[name])
    step, fmt = NUMBER_STYLE[name]
    if name == "betas":
        left, right = box.columns(2)
        values = []
        for part, column in enumerate((left, right)):
            _init(hyperparameter_key(optimizer, name, part), default[part])
            values.append(column.number_input(f"β{part + 1}", *bounds, step=step, format=fmt,
                                              key=hyperparameter_key(optimizer, name, part), help=HELP[name]))
        return tuple(values)
    _init(key, default)
    return box.number_input(name, *bounds, step=step, format=fmt, key=key, help=HELP[name])


def hyperparameters_ui(box, optimizers: tuple[str, ...]) -> tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]:
    """One group of widgets per chosen optimizer; returns what differs from its defaults."""
    changed = []
    for optimizer in optimizers:
        spec = OPTIMIZERS[optimizer]
        box.markdown(f"**{spec.label}** · `torch.optim.{spec.cls.__name__}`")
        overrides = tuple(
            (name, value) for name, default in spec.defaults().items()
            if (value := _widget(box, optimizer, name, default)) != default
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
        for name, default in OPTIMIZERS[optimizer].defaults().items():
            if name == "betas":
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
