"""The learning-rate ladder as a browser morphs it: for every rung (each of the slider's rates) and
every run, the path as the figures draw it, the loss curve as the chart draws it, |p.grad| per
step and the learning rate per step, in float32. A viewer that holds these can show any rate of
the slider without asking the server (core.figures draws the same numbers, in float64)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .figures import LOSS_FLOOR, framed
from .surfaces import Surface
from .sweep import Sweep

# what one float32 holds at most: a flown-off run's |p.grad| stops there, as the chart draws it
FLOAT32_TOP = float(np.finfo(np.float32).max)


def charts_loss_itself(surface: Surface) -> bool:
    """Whether the loss chart draws the loss itself (no minimum in the window) rather than the gap to it."""
    return bool(surface.no_minimum) or not math.isfinite(surface.min_value)


def ladder_frames(surface: Surface, ladders: Sequence[Sweep]) -> dict:
    """Every rung of `ladders` (one or more sweeps over the same rates: the runs, then their
    ghosts) as the explorer draws it. Runs are numbered as the figures number them: each ladder's
    optimizers in order, ladder after ladder. Per run, arrays of shape (rates, steps + 1) — x, y
    (pinned to the map's frame) and curve (the loss chart's value) — and (rates, steps) — norm
    (|p.grad|) — all float32 and NaN from the step a run diverged at; lrs (rates, steps) is each
    step's learning rate (shared: the same schedule for every run)."""
    first = ladders[0]
    plain = charts_loss_itself(surface)
    runs = []
    for ladder in ladders:
        if not np.array_equal(ladder.lrs, first.lrs) or ladder.positions is None:
            raise ValueError("ladders must share their rates and keep their paths")
        for k, _ in enumerate(ladder.optimizers):
            positions = ladder.positions[:, k]  # (steps + 1, rates, 2)
            xy = framed(positions.reshape(-1, 2), surface).reshape(positions.shape)
            losses = ladder.losses[:, k]  # (steps + 1, rates)
            curve = losses if plain else np.maximum(losses - surface.min_value, LOSS_FLOOR)
            norm = np.clip(np.hypot(ladder.grads[:, k, :, 0], ladder.grads[:, k, :, 1]), LOSS_FLOOR, FLOAT32_TOP)
            kept = np.where(ladder.diverged_at[k] < 0, ladder.steps + 1, ladder.diverged_at[k])  # rows per rung
            gone = np.arange(ladder.steps + 1)[:, None] >= kept[None, :]  # (steps + 1, rates)
            runs.append({
                "x": _rungs(xy[..., 0], gone), "y": _rungs(xy[..., 1], gone), "curve": _rungs(curve, gone),
                # the step leaving the last kept position is the last with a gradient
                "norm": _rungs(norm, gone[1:]),
            })
    return {"rates": np.asarray(first.lrs, dtype=np.float64), "steps": first.steps,
            "lrs": np.ascontiguousarray(first.lr_steps.T, dtype=np.float32), "plain": plain, "runs": runs}


def _rungs(values: np.ndarray, gone: np.ndarray) -> np.ndarray:
    """(steps, rates) values as (rates, steps) float32, NaN where the run no longer exists."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.where(gone, np.nan, np.minimum(values, FLOAT32_TOP)).astype(np.float32)
    return np.ascontiguousarray(out.T)
