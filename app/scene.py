"""Cached calls into core for one scene: the runs, their ghosts, and the figures as one payload."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from core import Run, Surface, descend_many, get_optimizer
from core.descent import gradients_at
from core.looks import LOOKS
from core.curvature import Curvature, curvature_at, nearest_minimum
from core.figures import loss_figure, map_figure, mountain_figure
from core.figure_json import Encoder
from core.ladder_frames import ladder_frames
from core.lesson_figures import accumulation_figure, lr_scale_svg
from core.paper import Comparison, compare
from core.sweep import LR_LADDER, Sweep, lr_sweep
from core.verdict import Verdict, verdicts
from core.grid import Grid, surface_grid

from app.controls import LR_LABEL
from app.costs import ladder_affordable
from app.memo import MAX_ENTRY_BYTES, ONE_HOUR, memo
from app.mountain_view import view_json
from app.mountains import mountain, mountain_of
from app.settings import HASHED_BY_REPR, Settings

# set once, on import (a rerun does not import again): each session's torch work is many tiny
# tensors, where a second intra-op thread only spins, costing the server about a fifth more CPU
# per move (python -m bench.interaction); sessions still run in parallel
torch.set_num_threads(1)


# shared, not copied: st.cache_data pickles a result on the way in and unpickles it on every read,
# which for a ladder's ~2 MB of paths cost the server about 5 ms per move (py-spy --gil); a Sweep is
# frozen and nobody writes to its arrays
@memo(spinner="Rolling the balls down the mountain…", keys=HASHED_BY_REPR)
def _ladder(settings: Settings) -> Sweep:
    return lr_sweep(mountain_of(settings), settings.optimizers, settings.start, settings.steps,
                    np.array(LR_LADDER), settings.zero_grad, paths=True, classified=False, **settings.options())


def on_the_ladder(settings: Settings) -> bool:
    """Whether the scene's runs are read from its ladder: it has runs, its rate is a rung, every
    optimizer's 121 rates cost about one run (not L-BFGS: one instance per ball, up to a second a run),
    and the ladder fits a view's budget (a heavy typed formula's may not: its runs are then rolled
    alone, without the learning-rate preview)."""
    return settings.lr in LR_LADDER and _has_a_ladder(settings)


def _rolls_together(settings: Settings) -> bool:
    """Whether the scene has runs and every optimizer's balls roll in one batch at a rate each (not
    L-BFGS or Newton: one instance per ball)."""
    return bool(settings.optimizers) and all(get_optimizer(name).sweeps_cheaply for name in settings.optimizers)


def _has_a_ladder(settings: Settings) -> bool:
    """Whether the scene's 121 rates can be rolled at all: its balls roll together, the ladder is small
    enough to keep (app.memo), and the whole fits a view's budget."""
    return _rolls_together(settings) and not ladder_too_big(settings) and ladder_affordable(settings)


def ladder_too_big(settings: Settings) -> bool:
    """Whether the scene would have a ladder but for its size (the explorer says so)."""
    return _rolls_together(settings) and ladder_bytes(settings) > MAX_ENTRY_BYTES


def ladder_bytes(settings: Settings) -> int:
    """The bytes the scene's ladder holds (float64): each ball's position and loss at every step, its
    gradient at every step but the last, and each step's rate. A ladder too big to keep would be rolled
    again at every read (several a move): such a scene rolls its runs alone, as a heavy formula's does."""
    balls, steps = len(LR_LADDER) * len(settings.optimizers), settings.steps
    return 8 * ((steps + 1) * balls * 3 + steps * balls * 2 + steps * len(LR_LADDER))


def scene_ladder(settings: Settings) -> Sweep:
    """The scene at every rate of the learning-rate ladder (the slider's 121 rates) in one batch,
    whole paths kept: every learning-rate move reads its runs from here, and the verdicts their
    counterfactual rates. Cached per scene, whatever its learning rate."""
    return _ladder(replace(settings, lr=LR_LADDER[0]))


@memo(copied=True, spinner="Rolling the balls down the mountain…", keys=HASHED_BY_REPR)
def _runs(settings: Settings) -> tuple[Run, ...]:
    return descend_many(
        mountain_of(settings), settings.optimizers, settings.lr, settings.start,
        settings.steps, settings.zero_grad, **settings.options(),
    )


@memo(spinner="Rolling the balls down the mountain…", keys=HASHED_BY_REPR)
def _rung(settings: Settings) -> Sweep:
    """The scene at its own rate only, as the ladder rolls it (a sweep takes two rates: the same one
    twice): a scene whose ladder is not kept rolls its balls in one batch, not one optimizer at a time
    (8 optimizers × 2,000 steps: 0.34 s against 2.2 s)."""
    rates = np.array([settings.lr, settings.lr])
    return lr_sweep(mountain_of(settings), settings.optimizers, settings.start, settings.steps, rates,
                    settings.zero_grad, paths=True, classified=False, **settings.options())


def scene_runs(settings: Settings, state: bool = False) -> tuple[Run, ...]:
    """One Run per chosen optimizer (none when none is chosen): the scene's rung of its ladder (or of
    a sweep at its own rate where the ladder is not kept), bit for bit what torch.optim gives; with
    `state`, or an optimizer without a rule for a rate per ball, from one shared torch.optim pass that
    also records optimizer.state (step-by-step mode shows it)."""
    if not settings.optimizers:
        return ()
    if state or not _rolls_together(settings):
        return _runs(settings)
    rolled = scene_ladder(settings) if on_the_ladder(settings) else _rung(settings)
    return tuple(rolled.run(name, settings.lr) for name in settings.optimizers)


def scene_ghosts(settings: Settings) -> tuple[Run, ...]:
    """With zero_grad() forgotten, the same runs done right, to follow beside them."""
    return () if settings.zero_grad else scene_runs(settings.with_zero_grad())


@st.cache_data(max_entries=128, ttl=ONE_HOUR, show_spinner=False, hash_funcs=HASHED_BY_REPR)
def scene_verdicts(settings: Settings, step: int | None = None) -> tuple[Verdict, ...]:
    """What each run did and why (core.verdict), over the whole run or, in step-by-step mode,
    over its first `step` steps; the ghosts serve as the zero_grad() counterfactual."""
    runs, ghosts = scene_runs(settings), scene_ghosts(settings)
    if step is not None:
        runs, ghosts = tuple(run.prefix(step) for run in runs), tuple(run.prefix(step) for run in ghosts)
        return verdicts(mountain_of(settings), runs, ghosts or None)
    ladder = scene_ladder(settings) if on_the_ladder(settings) else None
    return verdicts(mountain_of(settings), runs, ghosts or None, ladder=ladder)


@memo(keys={Surface: lambda s: (s.name, s.formula, s.bounds)})
def scene_grid(surface: Surface) -> Grid:
    """The surface sampled for drawing (shared by every figure of that surface)."""
    return surface_grid(surface)


def scene_figures(settings: Settings, focus: int | None = None, future: bool = False,
                  look: str = "standard") -> dict[str, go.Figure]:
    """The three figures of a scene (mountain, map, charts); focus, future and look as in view_payload."""
    runs, ghosts = scene_runs(settings), scene_ghosts(settings)
    surface = mountain_of(settings)
    grid = scene_grid(surface)
    drawn = dict(ghosts=ghosts, focus=focus, look=LOOKS[look])
    return {
        "mountain": mountain_figure(surface, runs, grid, future=future, **drawn),
        "map": map_figure(surface, runs, grid, future=future, **drawn),
        "loss": loss_figure(surface, runs, **drawn),
    }


@memo(keys=HASHED_BY_REPR)  # shared: a Payload is frozen text
def view_payload(settings: Settings, focus: int | None = None, future: bool = False, look: str = "standard") -> str:
    """The three figures (mountain, map, charts) as one JSON text for the browser view.

    focus: in step-by-step mode, the step on show (the paths are drawn up to it, the balls wait
    there and arrows show the step leaving it); future: also draw the rest of each path, faintly.
    look: "standard" or "contrast" (core.looks). With zero_grad() forgotten the payload carries
    every run's fresh gradients, which the view lays tip to tail at each ball.
    """
    sums = None if settings.zero_grad else fresh_gradients(settings)
    # step by step shows one step, not a whole path: no preview of other rates there
    ladder = ladder_offer(settings) if focus is None else None
    return view_json(scene_figures(settings, focus, future, look),
                     revision(settings, focus=focus, future=future, look=look), step=focus, sums=sums, ladder=ladder)


def ladder_offer(settings: Settings) -> dict | None:
    """What the view needs to offer its learning-rate preview (the ladder itself travels only when
    the browser asks for it, under `key`), and the label of the page's slider whose positions are the
    ladder's rungs (the view previews that slider's moves too); None where the scene has no runs or
    its rate is off the ladder."""
    if not on_the_ladder(settings):
        return None
    return {"key": ladder_key(settings), "rates": list(LR_LADDER), "index": LR_LADDER.index(settings.lr),
            "runs": len(settings.optimizers), "control": LR_LABEL}


def ladder_on_demand(settings: Settings) -> dict | None:
    """The scene's ladder as mountain_view's on_demand part: made only once the browser asks."""
    return {ladder_key(settings): lambda: ladder_json(settings)} if _has_a_ladder(settings) else None


def ladder_key(settings: Settings) -> str:
    """The name under which the browser keeps a scene's ladder: the same for every learning rate."""
    named = revision(replace(settings, lr=LR_LADDER[0]))
    return "ladder:" + hashlib.sha256(named.encode()).hexdigest()[:16]


@memo(keys=HASHED_BY_REPR)  # a text, shared; a heavy scene's (over MAX_ENTRY_BYTES) is made per ask
def _ladder_json(settings: Settings) -> str:
    ladders = [scene_ladder(settings)]
    if not settings.zero_grad:
        ladders.append(scene_ladder(settings.with_zero_grad()))  # the ghosts, numbered after the runs
    return json.dumps(Encoder(share=False).value(ladder_frames(mountain_of(settings), ladders)))


def ladder_json(settings: Settings) -> str:
    """The scene at every rate of the slider as the view morphs it (core.ladder_frames), as JSON."""
    return _ladder_json(replace(settings, lr=LR_LADDER[0]))


def fresh_gradients(settings: Settings) -> list[dict]:
    """For each run: ∇f at every position of its path (p.grad is their running sum when zero_grad()
    is skipped, unless clipping rescales it), its label and colour."""
    surface = mountain_of(settings)
    return [{"fresh": gradients_at(surface, run.positions), "exact": settings.clip_norm is None,
             "label": get_optimizer(run.optimizer).label, "color": get_optimizer(run.optimizer).color}
            for run in scene_runs(settings)]


def revision(settings: Settings, **extra) -> str:
    """A text naming a view's content: the browser view redraws when it changes."""
    return json.dumps({**asdict(settings), **extra})


@functools.lru_cache(maxsize=256)  # a small frozen result asked for several times a rerun (see app.mountains)
def _curvature(surface: str, formula: str, bounds: tuple | None, point: tuple[float, float]) -> Curvature:
    return curvature_at(mountain(surface, formula, bounds), point)


def curvature(settings: Settings, point: tuple[float, float]) -> Curvature:
    """The Hessian of the scene's surface at `point` (cached per surface, whatever the other settings)."""
    return _curvature(settings.surface, settings.formula, settings.bounds, point)


def stability_limit(settings: Settings) -> float | None:
    """2/λmax at the minimum nearest the start: the largest stable plain-GD learning rate there
    (None where the window holds no minimum, or the minimum has no single curvature)."""
    surface = mountain_of(settings)
    if surface.no_minimum:
        return None
    return curvature(settings, nearest_minimum(surface, settings.start)).stability_limit


@st.cache_data(max_entries=256, ttl=ONE_HOUR, show_spinner=False)
def lr_scale(lr: float, limit: float | None) -> str:
    """The learning-rate scale with the stability limit marked, as SVG (see lr_scale_svg)."""
    return lr_scale_svg(lr, limit)


@st.cache_data(max_entries=32, ttl=ONE_HOUR, show_spinner=False, hash_funcs=HASHED_BY_REPR)
def accumulation(settings: Settings):
    """|p.grad| against the fresh |∇f| per step for the scene's runs (see accumulation_figure)."""
    return accumulation_figure(mountain_of(settings), scene_runs(settings))


@st.cache_resource(max_entries=32, ttl=ONE_HOUR, show_spinner=False, hash_funcs=HASHED_BY_REPR)
def paper_comparison(settings: Settings, optimizer: str, schedule: str) -> Comparison:
    """The paper's rule beside torch.optim's for `optimizer` from the scene's start, lr and steps
    (core.paper); `schedule` may differ from the scene's (the tab shows where a schedule parts them)."""
    return compare(mountain_of(settings), optimizer, settings.lr, settings.start, settings.steps, schedule)
