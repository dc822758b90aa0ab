"""Your stride: three plain-SGD balls from one start at three learning rates, each with its verdict
(core.verdict) and a word for its stride read from what it did, never from the rate alone; and the
stability limit 2/λmax of the valley nearest the start (core.curvature)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .curvature import curvature_at, nearest_minimum
from .descent import Run, descend_many
from .status import BOUNCING, CONVERGED, CREEPING, DIVERGED, LABELS, OFF_DOMAIN
from .surfaces import Point, Surface
from .verdict import Verdict, verdicts
from .wording import number

STRIDE_STEPS = 150
SAME_PLACE = 1e-2  # an end this close to a minimum is in its valley


@dataclass(frozen=True)
class StrideBall:
    """One ball: its run, its verdict, the minimum it came to rest at (None if it did not), a word
    for its stride ("too small", "about right", "too big", or what it did) and, for a ball that
    leapt to another valley, the sentence that says why."""

    run: Run
    verdict: Verdict
    valley: Point | None
    word: str
    leap: str


@dataclass(frozen=True)
class Strides:
    """Three (or any number of) balls from one start; the minimum nearest the start and its 2/λmax
    (None where it has no single curvature)."""

    balls: tuple[StrideBall, ...]
    nearest: Point
    limit: float | None


def _valley(surface: Surface, run: Run) -> Point | None:
    """The minimum the run came to rest at (core.curvature.nearest_minimum, if it is that close)."""
    end = (float(run.positions[-1, 0]), float(run.positions[-1, 1]))
    minimum = nearest_minimum(surface, end)
    return minimum if np.hypot(end[0] - minimum[0], end[1] - minimum[1]) < SAME_PLACE else None


def _bigger_helps(run: Run, verdict: Verdict) -> bool:
    """Whether the bigger stride the verdict ran (its evidence) converges, or gets further in the
    same steps: only then is this stride too small."""
    evidence = verdict.evidence
    if verdict.cause != "steps" or evidence is None or evidence.final_loss is None:
        return False
    return evidence.status == CONVERGED or (evidence.status not in (BOUNCING, DIVERGED, OFF_DOMAIN)
                                            and evidence.final_loss < float(run.losses[-1]))


def _at(point: Point) -> str:
    return f"({number(point[0])}, {number(point[1])})"


def three_strides(surface: Surface, start: Sequence[float], rates: Sequence[float],
                  steps: int = STRIDE_STEPS) -> Strides:
    """Plain SGD (torch.optim.SGD) from `start` at each of `rates`, with its verdict and its word."""
    runs = [descend_many(surface, ["sgd"], float(rate), start, steps)[0] for rate in rates]
    said = verdicts(surface, runs)
    nearest = nearest_minimum(surface, tuple(float(v) for v in start))
    limit = curvature_at(surface, nearest).stability_limit
    balls = []
    for run, verdict in zip(runs, said):
        valley = _valley(surface, run) if verdict.status == CONVERGED else None
        leap = ""
        if verdict.status in (DIVERGED, BOUNCING) and verdict.cause == "lr":
            # the verdict ran a smaller rate of the ladder and it settled: the stride is the cause
            word = "too big"
        elif valley is not None and limit is not None and run.lr > limit and np.hypot(
                valley[0] - nearest[0], valley[1] - nearest[1]) > SAME_PLACE:
            word = "too big"
            # plain gradient descent cannot rest at a minimum whose 2/λmax its stride exceeds
            there = curvature_at(surface, valley).stability_limit
            leap = (f"Its stride {number(run.lr)} is past 2/λmax = {number(limit)} of the valley nearest the start, "
                    f"at {_at(nearest)}: it cannot settle there, and came to rest in another "
                    f"valley, at {_at(valley)}" + (f", where 2/λmax = {number(there)} lets it." if there else "."))
        elif verdict.status == CREEPING and _bigger_helps(run, verdict):
            word = "too small"
        elif verdict.status == CREEPING:
            word = "still on its way"
        elif verdict.status == CONVERGED:
            word = "about right"
        elif verdict.status == OFF_DOMAIN:
            word = "off the mountain"
        else:
            word = LABELS[verdict.status]
        balls.append(StrideBall(run, verdict, valley, word, leap))
    return Strides(tuple(balls), nearest, limit)
