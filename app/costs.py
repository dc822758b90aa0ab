"""What heavy work costs on this server, timed before it runs (core.budget), cached per scene so a
view keeps its size across reruns."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core import get_optimizer
from core.budget import VIEW_BUDGET_S, Cost, time_batched_balls, time_one_batch, time_one_run
from core.race import race_batches
from core.custom import SURFACE_NAME
from core.sweep import LR_LADDER

from app.memo import ONE_HOUR
from app.mountains import mountain_of
from app.settings import HASHED_BY_REPR, Settings


@st.cache_data(max_entries=64, ttl=ONE_HOUR, show_spinner=False, hash_funcs=HASHED_BY_REPR)
def _seconds_per_run(settings: Settings, optimizer: str) -> float:
    with st.spinner(f"Timing one {get_optimizer(optimizer).label} run to size the view…"):
        options = settings.options()
        return time_one_run(mountain_of(settings), optimizer, settings.lr, settings.start, settings.steps,
                            settings.zero_grad, hyperparameters=options["hyperparameters"].get(optimizer),
                            schedule=options["schedule"], clip_norm=options["clip_norm"])


@st.cache_data(max_entries=64, ttl=ONE_HOUR, show_spinner=False, hash_funcs=HASHED_BY_REPR)
def _batch_seconds(settings: Settings, optimizer: str) -> tuple[float, float]:
    options = settings.options()
    return time_batched_balls(mountain_of(settings), optimizer, settings.lr, settings.steps, settings.zero_grad,
                              hyperparameters=options["hyperparameters"].get(optimizer),
                              schedule=options["schedule"], clip_norm=options["clip_norm"])


def batch_cost(settings: Settings, optimizer: str, wanted: int) -> Cost:
    """What `wanted` balls of `optimizer`, moved in one instance, cost with the scene's settings: the
    batch's own cost and each ball's, from two timed batches (cached, so a view keeps its size)."""
    fixed, per_ball = _batch_seconds(replace(settings, start=(0.0, 0.0), optimizers=()), optimizer)
    return Cost(optimizer, per_ball, wanted, fixed=fixed)


@st.cache_data(max_entries=64, ttl=ONE_HOUR, show_spinner=False, hash_funcs=HASHED_BY_REPR)
def _seconds_per_batch(settings: Settings, optimizer: str, balls: int) -> float:
    return time_one_batch(mountain_of(settings), optimizer, settings.lr, balls, settings.steps, settings.zero_grad)


def race_cost(settings: Settings, optimizer: str, balls: int) -> Cost:
    """What a fair race of `balls` balls costs `optimizer` on the scene's mountain for its steps (the
    race's plain loop: zero_grad(), no schedule): each of its batches (core.race.race_batches) timed at
    its size; cached, so a view keeps its size."""
    plain = replace(settings, start=(0.0, 0.0), optimizers=())
    batches = race_batches(optimizer, balls)
    per_size = {size: _seconds_per_batch(plain, optimizer, size) for size in set(batches)}
    wanted = sum(batches)
    return Cost(optimizer, sum(per_size[size] for size in batches) / wanted, wanted)


def solo_cost(settings: Settings, optimizer: str, wanted: int, lrs: tuple[float, ...],
              start: tuple[float, float]) -> Cost:
    """What `wanted` solo runs of `optimizer` cost with the scene's settings: the mean of a timed run at
    each of `lrs` (a view's runs span them) from `start`; cached, so a view keeps its size."""
    probes = [replace(settings, lr=float(lr), start=(float(start[0]), float(start[1])), optimizers=()) for lr in lrs]
    return Cost(optimizer, sum(_seconds_per_run(probe, optimizer) for probe in probes) / len(probes), wanted)


def ladder_seconds(settings: Settings) -> float:
    """About how long the scene's ladder would take: a typed formula's, timed (0 for a named mountain)."""
    if settings.surface != SURFACE_NAME:
        return 0.0
    # the formula's cost, not the rate's: timed once at one rate for every rate and start
    probe = replace(settings, lr=1e-3, start=(0.0, 0.0), optimizers=())
    balls = len(LR_LADDER) * len(settings.optimizers) * (1 if settings.zero_grad else 2)
    fixed, per_ball = _batch_seconds(probe, "sgd")
    return fixed + per_ball * balls


def ladder_affordable(settings: Settings) -> bool:
    """Whether the scene's ladder (every optimizer at the slider's 121 rates, and the ghosts' too when
    zero_grad() is forgotten) fits a view's budget. Only a typed formula is timed: the named mountains
    cost a few microseconds a ball-step at most, so their ladders always fit."""
    return ladder_seconds(settings) <= VIEW_BUDGET_S
