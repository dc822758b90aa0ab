"""Cached many-ball computations for the page "Many balls", and the payloads its view draws.

Each result ignores the settings it does not use (a sweep the learning rate in use, a basins map
and a swarm the start), so clicking a rate on the sweep or a start on the map reuses it.
Every result is kept within app.memo's byte budget, so a long class does not grow the server; the
sweeps, basins and swarms are copied per call, as st.cache_data did, the view texts shared. A sweep
or a swarm keeps every ball's whole path, often more than the memo keeps (MAX_ENTRY_BYTES): so its
view is kept with the few facts the page writes beside it (SweepView, SwarmView), and a rerun reads
those rather than rolling every ball again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from core import get_optimizer
from core.basin_figures import basin_figure
from core.looks import LOOKS
from core.basins import Basins, Ends, basins
from core.race import Race, fair_race
from core.sweep import Sweep, lr_grid, lr_sweep
from core.sweep_figures import sweep_figure
from core.sweep_verdicts import sweep_sentence
from core.swarm import Swarm, swarm
from core.swarm_figures import swarm_frames, swarm_loss_figure, swarm_map_figure, swarm_mountain_figure

from app.memo import ONE_HOUR, memo
from app.mountain_view import view_json
from app.mountains import mountain_of
from app.scene import ladder_offer, revision, scene_figures, scene_grid, scene_runs, stability_limit
from app.settings import HASHED_BY_REPR, Settings
from app.work import progress_bar


@memo(copied=True, draws=True, keys=HASHED_BY_REPR)
def _sweep(settings: Settings, low: float, high: float, count: int, tolerance: float) -> Sweep:
    bar, progress = progress_bar(f"Rolling {len(settings.optimizers) * count} balls, one per optimizer and rate…")
    result = lr_sweep(mountain_of(settings), settings.optimizers, settings.start, settings.steps,
                      lr_grid(low, high, count), settings.zero_grad, tolerance=tolerance, progress=progress,
                      **settings.options())
    bar.empty()
    # the view draws and words each ball's start and end: its every step would often be too big to keep
    return result.trimmed()


@memo(copied=True, draws=True, keys=HASHED_BY_REPR)
def _basins(settings: Settings, optimizer: str, resolution: int) -> Basins:
    bar, progress = progress_bar(f"Rolling a ball from each of {resolution * resolution:,} starts…")
    options = settings.options()
    result = basins(mountain_of(settings), optimizer, settings.lr, settings.steps, resolution, settings.zero_grad,
                    hyperparameters=options["hyperparameters"].get(optimizer), schedule=options["schedule"],
                    clip_norm=options["clip_norm"], progress=progress)
    bar.empty()
    return result


@memo(copied=True, draws=True, keys=HASHED_BY_REPR)
def _swarm(settings: Settings, optimizer: str, size: int, seed: int) -> Swarm:
    bar, progress = progress_bar(f"Rolling {size} balls from random starts…")
    options = settings.options()
    result = swarm(mountain_of(settings), optimizer, settings.lr, settings.steps, size, seed, settings.zero_grad,
                   hyperparameters=options["hyperparameters"].get(optimizer), schedule=options["schedule"],
                   clip_norm=options["clip_norm"], progress=progress)
    bar.empty()
    return result


@st.cache_data(max_entries=16, ttl=ONE_HOUR, show_spinner=False, hash_funcs=HASHED_BY_REPR)
def _race(surface_settings: Settings, optimizers: tuple[str, ...], balls: int, seed: int) -> Race:
    bar, progress = progress_bar(f"Tuning and racing {len(optimizers)} optimizer{'s' if len(optimizers) != 1 else ''}, "
                                 f"{balls} balls each…")
    result = fair_race(mountain_of(surface_settings), optimizers, surface_settings.steps, balls, seed,
                       progress=progress)
    bar.empty()
    return result


def race_of(settings: Settings, optimizers: tuple[str, ...], balls: int, seed: int) -> Race:
    """The fair race of `optimizers` on the scene's mountain for its steps (nothing else of the scene
    is used: a race tunes its own rates, from its own seeded starts, with the plain loop)."""
    return _race(replace(settings, lr=1.0, start=(0.0, 0.0), optimizers=(), zero_grad=True),
                 optimizers, balls, seed)


def sweep_of(settings: Settings, low: float, high: float, count: int, tolerance: float) -> Sweep:
    """Every chosen optimizer from the scene's start at `count` rates from `low` to `high`."""
    return _sweep(replace(settings, lr=1.0), low, high, count, tolerance)


def basins_of(settings: Settings, optimizer: str, resolution: int) -> Basins:
    """Where a ball from each start of a resolution² grid ends, with the scene's settings."""
    return _basins(replace(settings, start=(0.0, 0.0)), optimizer, resolution)


def swarm_of(settings: Settings, optimizer: str, size: int, seed: int) -> Swarm:
    """`size` balls from random starts (drawn with `seed`), with the scene's settings."""
    return _swarm(replace(settings, start=(0.0, 0.0)), optimizer, size, seed)


@dataclass(frozen=True)
class SweepView:
    """A sweep's view and its sentences, one per optimizer (HTML: each begins with its colour's dot)."""

    payload: str
    sentences: str


@dataclass(frozen=True)
class SwarmView:
    """A swarm's view and where each of its balls ended."""

    payload: str
    ends: Ends


@memo(draws=True, keys=HASHED_BY_REPR)  # draws: its sweep's progress bar
def sweep_view(settings: Settings, low: float, high: float, count: int, tolerance: float,
               look: str = "standard") -> SweepView:
    sweep = sweep_of(settings, low, high, count, tolerance)
    limit = stability_limit(settings)
    figures = {**scene_figures(settings, look=look), "feature": sweep_figure(sweep, settings.lr, limit)}
    captions = {"feature": f"Each point is a whole run of {settings.steps} steps from your start at one "
                           "learning rate. Click a learning rate to roll the balls at it below."}
    payload = view_json(figures, revision(settings, view="sweep", sweep=[low, high, count, tolerance], look=look),
                        captions=captions, feature_click="lr", ladder=ladder_offer(settings))
    return SweepView(payload, sweep_sentences(sweep, limit))


def sweep_sentences(sweep: Sweep, limit: float | None) -> str:
    lines = []
    for k, name in enumerate(sweep.optimizers):
        spec = get_optimizer(name)
        dot = f"<span style='color:{spec.color}'>●</span> **{spec.label}**"
        lines.append(f"{dot} {sweep_sentence(sweep, k, limit)}")
    return "  \n".join(lines)


@memo(draws=True, keys=HASHED_BY_REPR)
def basins_payload(settings: Settings, optimizer: str, resolution: int, jumps: bool, look: str = "standard") -> str:
    result = basins_of(settings, optimizer, resolution)
    surface = mountain_of(settings)
    runs = scene_runs(replace(settings, optimizers=(optimizer,)))
    figures = {**scene_figures(replace(settings, optimizers=(optimizer,)), look=look),
               "feature": basin_figure(surface, result, scene_grid(surface), runs, show_jumps=jumps)}
    captions = {"feature": "Every pixel is a start; its colour says where a ball from there ends. "
                           "Click the map to start your ball there."}
    return view_json(figures, revision(settings, view="basins", basins=[optimizer, resolution, jumps], look=look),
                     captions=captions, feature_click="start", feature_height=560)


def swarm_view(settings: Settings, optimizer: str, size: int, seed: int, look: str = "standard") -> SwarmView:
    """The swarm's view, which ignores the start (a move of it on this page reuses the view)."""
    return _swarm_view(replace(settings, start=(0.0, 0.0)), optimizer, size, seed, look)


@memo(draws=True, keys=HASHED_BY_REPR)
def _swarm_view(settings: Settings, optimizer: str, size: int, seed: int, look: str) -> SwarmView:
    result = swarm_of(settings, optimizer, size, seed)
    surface = mountain_of(settings)
    grid = scene_grid(surface)
    figures = {"mountain": swarm_mountain_figure(result, surface, grid, LOOKS[look]),
               "map": swarm_map_figure(result, surface, grid, LOOKS[look]), "loss": swarm_loss_figure(result, surface)}
    captions = {"mountain": "Drag to turn the mountain · each ball's colour is where it ends",
                "map": "The map from above: the swarm rolls here too"}
    payload = view_json(figures, revision(settings, view="swarm", swarm=[optimizer, size, seed], look=look),
                        captions=captions, clickable=False, swarm=swarm_frames(result, surface, grid))
    return SwarmView(payload, result.ends)
