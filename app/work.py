"""Heavy work on the server: a progress bar, and a deadline on the CPU it may take.

A class shares one server, so no view may hold it for long: the callback core calls with the
fraction done raises a LossMountainError once the work has taken DEADLINE_S of this session's
thread's CPU (other sessions' threads do not count), and the page says so instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from core import LossMountainError
from core.budget import seconds

DEADLINE_S = 10.0
T = TypeVar("T")


def progress_bar(text: str, what: str = "balls, rates or steps") -> tuple[object, Callable[[float], None]]:
    """A progress bar and the callback core calls with the fraction done; past the deadline the bar
    goes and the callback raises, naming `what` to lower."""
    bar = st.progress(0.0, text=text)
    began = time.thread_time()

    def progress(done: float) -> None:
        if time.thread_time() - began > DEADLINE_S:
            bar.empty()
            raise LossMountainError(f"this view stopped after {seconds(DEADLINE_S)} of CPU time, the most one view "
                                    f"may take while others share the server: choose fewer {what}")
        bar.progress(min(done, 1.0), text=f"{text} {done:.0%}")

    return bar, progress


def finished_or_last_good(view: str, compute: Callable[..., T], args: tuple) -> tuple[T, tuple]:
    """compute(*args) and args, kept as this session's last good `view`. Where it stops (past the
    deadline, or a setting that does not work) the page says why and keeps the last view that
    finished, returning its result and its args (a cached call again); the error goes on up where
    there is none."""
    key = f"last_good_{view}"
    try:
        result = compute(*args)
    except LossMountainError as error:
        last = st.session_state.get(key)
        if last is None or last == args:
            raise
        said = str(error)
        st.error(f"{said[:1].upper()}{said[1:]}. Showing the last view that finished.", icon="⏱️")
        return compute(*last), last
    st.session_state[key] = args
    return result, args
