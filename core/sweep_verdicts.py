"""A learning-rate sweep in words: the bands of rates that share a status, and why they differ.

Each ball of a sweep is classified by core.status, like every single run. Along the learning-rate
axis the sweep is its own counterfactual: a band that bounces or flies off above a band that
converges shows that the stride is what breaks it.
"""

from __future__ import annotations

from .optimizers import get_optimizer
from .status import BOUNCING, CONVERGED, CREEPING, DIVERGED, OFF_DOMAIN, SCHEDULE_RAN_OUT, STATUSES, STUCK
from .sweep import Sweep
from .wording import number, steps as count_steps

# more bands than this read as noise: the rest is summed up
MAX_BANDS = 5


def bands(sweep: Sweep, k: int) -> list[tuple[str, int, int]]:
    """Runs of neighbouring rates with one status, for optimizer k: (status, first, last index)."""
    found, codes = [], sweep.statuses[k]
    first = 0
    for i in range(1, len(codes) + 1):
        if i == len(codes) or codes[i] != codes[first]:
            found.append((STATUSES[codes[first]], first, i - 1))
            first = i
    return found


def sweep_sentence(sweep: Sweep, k: int, limit: float | None = None) -> str:
    """One sentence for optimizer k: what it does over each band of rates, and why."""
    name = sweep.optimizers[k]
    found = bands(sweep, k)
    if get_optimizer(name).fixed_lr is not None:
        (status, _, _), *_ = found  # one run serves every rate: one band
        return (f"It takes no learning rate, so every rate is the same run (its steps come from the Hessian): "
                f"it {_does(sweep, k, status, 0, len(sweep.lrs) - 1, [], None)}.")
    converging = [band for band in found if band[0] == CONVERGED]
    parts = []
    for status, first, last in found[:MAX_BANDS]:
        does = _does(sweep, k, status, first, last, converging, limit)
        parts.append(f"{_span(sweep, first, last)} it {does}")
        if "2/λmax" in does:
            limit = None  # said once is enough
    if len(found) > MAX_BANDS:
        rest = sorted({status for status, _, _ in found[MAX_BANDS:]})
        parts.append(f"above {number(float(sweep.lrs[found[MAX_BANDS][1]]))} it switches between "
                     + ", ".join(rest).replace("_", " "))
    best = sweep.best_lr(name)
    text = "; ".join(parts) + "."
    if best is not None and converging:
        i = int(abs(sweep.lrs - best).argmin())
        text += f" Fastest to the tolerance: lr {number(best)} ({count_steps(int(sweep.reached_at[k, i]))})."
    return text[0].upper() + text[1:]


def _span(sweep: Sweep, first: int, last: int) -> str:
    low, high = number(float(sweep.lrs[first])), number(float(sweep.lrs[last]))
    if first == 0 and last == len(sweep.lrs) - 1:
        return "at every rate"
    if first == 0:
        return f"up to {high}"
    if last == len(sweep.lrs) - 1:
        return f"from {low} up"
    return f"at {low}" if first == last else f"from {low} to {high}"


def _does(sweep: Sweep, k: int, status: str, first: int, last: int, converging, limit: float | None) -> str:
    below = any(band[2] < first for band in converging)
    above = any(band[1] > last for band in converging)
    if status == CONVERGED:
        return "converges"
    if status == CREEPING:
        why = " (the stride is too small for so few steps)" if above else ""
        return f"is still on its way after {count_steps(sweep.steps)}{why}"
    if status in (BOUNCING, DIVERGED):
        verb = "bounces across the valley" if status == BOUNCING else "flies off"
        why = " — too big a stride: smaller rates converge" if below else ""
        if why and limit is not None and sweep.lrs[first] >= 0.9 * limit:
            why += f", and plain gradient descent's limit here is 2/λmax = {number(limit)}"
        return verb + why
    if status == STUCK:
        return "gets stuck where the slope vanishes (a saddle or flat ground)"
    if status == OFF_DOMAIN:
        return "steps off the formula's domain"
    if status == SCHEDULE_RAN_OUT:
        return "runs out of learning rate before it arrives (the schedule shrinks it)"
    return status
