"""Every setting kept across pages. Streamlit forgets a widget's value when its page is left, and,
once a fragment has rerun alone (app.controls), forgets every widget's value at the next page
switch: each setting is saved back as plain session state at every full run, and a plain copy of
them all, taken at the end of every run, brings back what a page switch lost."""

from __future__ import annotations

import streamlit as st

from app.mountain_view import VIEW_STATE_PREFIX

KEPT_KEYS = {"surface", "optimizers", "lr", "start_x", "start_y", "steps", "forget_zero_grad", "step_mode", "step",
             "step_future", "contrast", "formula", "schedule", "clip", "clip_norm", "code_optimizer", "presenter"}
KEPT_PREFIXES = ("hp:", "bound_", "net_", "data_", "many_", "sweep_", "basin_", "swarm_", "fog_")
# the copy, and the page it was taken on
COPY, COPIED_ON = "kept_copy", "kept_copy_page"


def _kept(key) -> bool:
    key = str(key)
    return (key.startswith(KEPT_PREFIXES) or key in KEPT_KEYS) and not key.startswith(VIEW_STATE_PREFIX)


def keep_settings(page: str) -> None:
    """At the start of a full run of `page`: bring back what a page switch lost (only then: a reset
    deletes settings on purpose), then save every setting back as plain session state."""
    state = st.session_state
    if state.get(COPIED_ON, page) != page:
        for key, value in state.get(COPY, {}).items():
            if key not in state:
                state[key] = value
    for key in [key for key in state if _kept(key)]:
        state[key] = state[key]


def copy_settings(page: str | None = None) -> None:
    """At the end of a run (a fragment's too, which leaves the page as it is): the plain copy."""
    state = st.session_state
    state[COPY] = {key: state[key] for key in state if _kept(key)}
    if page is not None:
        state[COPIED_ON] = page
