"""Why a run ended as it did: its status (core.status), a cause proven by running the
counterfactual, and one sentence that says both.

A cause is never guessed. For a run that did not converge:

- zero_grad: zero_grad() was skipped, and the same run with it converges (or, for a ball that
  flew off, stays on the mountain);
- lr: the same run at a smaller learning rate of the ladder (LR_LADDER, the app's slider:
  20 a decade from 1e-5) converges, or stops bouncing or flying off: the largest such rate is named;
- domain: a step landed where the formula is undefined;
- schedule: the schedule shrank the learning rate to almost nothing (the same run at a constant
  rate is reported beside it);
- steps: it is still on its way (a bigger stride of the ladder, up to 100×, is reported if it helps);
- start: it stopped on a ridge or saddle, and from a start a little to the side it rolls on;
- terrain: it stopped on flat ground that no nearby start rolls off either.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .ballwise import has_ballwise_rule
from .batch import descend_batch
from .curvature import curvature_at
from .descent import Run, descend_many
from .optimizers import get_optimizer
from .schedules import get_schedule
from .status import (BOUNCING, CONVERGED, CREEPING, DIVERGED, OFF_DOMAIN, SCHEDULE_RAN_OUT, STATUSES, STUCK,
                     Statuses, classify, diagonal)
from .surfaces import Surface
from .sweep import LR_LADDER, Sweep, lr_sweep
from .wording import number, point, ratio, share_of, steps as count_steps

CAUSES = ("zero_grad", "lr", "domain", "schedule", "steps", "start", "terrain")
# the biggest stride a creeping ball is offered, as a multiple of its own
MOST_BIGGER = 100.0
# a ladder's statuses are named this many rungs at a time, as a cause reads them
RUNGS_AT_ONCE = 24
# a stuck ball's counterfactual starts: this fraction of the diagonal to each side
NUDGE = 0.01
# what a counterfactual run did, as a verb phrase
DOES = {
    CONVERGED: "converges", CREEPING: "is still on its way", BOUNCING: "bounces",
    STUCK: "gets stuck", DIVERGED: "flies off", OFF_DOMAIN: "steps off the formula's domain",
    SCHEDULE_RAN_OUT: "runs out of learning rate",
}


@dataclass(frozen=True)
class Evidence:
    """The counterfactual run behind a cause: what was changed, and what that run did."""

    change: str
    status: str
    converged_at: int | None
    final_loss: float | None


@dataclass(frozen=True)
class Verdict:
    """status: one of core.status.STATUSES; cause: one of CAUSES, None when converged.
    what and advice: the two halves of `sentence` (what it did; why, and what would help)."""

    status: str
    cause: str | None
    sentence: str
    what: str
    advice: str
    end: tuple[float, float]
    final_loss: float | None
    converged_at: int | None
    evidence: Evidence | None = None

    def record(self) -> dict:
        """The verdict as the CLI's JSON "outcome" object."""
        evidence = None if self.evidence is None else {
            "change": self.evidence.change, "status": self.evidence.status,
            "converged_at": self.evidence.converged_at, "final_loss": self.evidence.final_loss}
        return {"status": self.status, "cause": self.cause, "sentence": self.sentence,
                "converged_at": self.converged_at, "evidence": evidence}


def run_statuses(surface: Surface, runs: Sequence[Run]) -> Statuses:
    """core.status.classify for whole Runs (of any lengths)."""
    n, longest = len(runs), max(run.steps for run in runs)
    positions = np.full((longest + 1, n, 2), np.nan)
    losses = np.full((longest + 1, n), np.nan)
    lrs = np.full((longest, n), np.nan)
    for i, run in enumerate(runs):
        positions[:len(run.positions), i] = run.positions
        losses[:len(run.losses), i] = run.losses
        lrs[:len(run.lrs), i] = run.lrs
    diverged = np.array([-1 if run.diverged_at is None else run.diverged_at for run in runs])
    off_positions = np.array([run.off_position or (np.nan, np.nan) for run in runs], dtype=np.float64)
    off_losses = np.array([np.nan if run.off_loss is None else run.off_loss for run in runs])
    return classify(surface, positions, losses, diverged, lrs=lrs, off_positions=off_positions,
                    off_losses=off_losses)


def verdict(run: Run, surface: Surface, done_right: Run | None = None) -> Verdict:
    """What `run` did on `surface` and why (see verdicts)."""
    return verdicts(surface, [run], None if done_right is None else [done_right])[0]


def verdicts(surface: Surface, runs: Sequence[Run], done_right: Sequence[Run] | None = None,
             ladder: Sweep | None = None) -> tuple[Verdict, ...]:
    """A Verdict for each run; counterfactual runs are batched. done_right: for runs that
    skipped zero_grad(), the same runs with it, if already computed (the app's ghosts). ladder:
    the scene over the whole learning-rate ladder (lr_sweep(..., LR_LADDER)), if already computed."""
    if not runs:
        return ()
    found = run_statuses(surface, runs)
    names = found.names()
    facts = [_what(surface, run, found, i) for i, run in enumerate(runs)]
    causes: list[tuple[str | None, str, Evidence | None]] = [(None, "", None)] * len(runs)
    open_ = [i for i, name in enumerate(names) if name != CONVERGED]
    if open_:
        right = _done_right(surface, runs, done_right, open_)
        ladders = _ladders(surface, runs, names, open_, ladder)
        for i in open_:
            causes[i] = _cause(surface, runs[i], names[i], found, i, right.get(i), ladders.get(i))
    result = []
    for i, run in enumerate(runs):
        cause, advice, evidence = causes[i]
        what = facts[i]
        sentence = what if not advice else f"{what} {advice}"
        converged_at = int(found.converged_at[i]) if found.converged_at[i] >= 0 else None
        final = float(run.losses[-1]) if len(run.losses) else None
        end = (float(found.end[i, 0]), float(found.end[i, 1]))
        result.append(Verdict(names[i], cause, sentence, what, advice, end, final, converged_at, evidence))
    return tuple(result)


# ---------------------------------------------------------------- what it did

def _what(surface: Surface, run: Run, found: Statuses, i: int) -> str:
    status = STATUSES[found.codes[i]]
    end = found.end[i]
    nearest, _ = _nearest_minimum(surface, end)
    if status == CONVERGED:
        where = found.minimum[i]
        n = count_steps(int(found.converged_at[i]))
        loss = float(run.losses[-1])
        if found.known[i] or loss <= surface.min_value + 1e-9 * max(1.0, abs(surface.min_value)):
            return f"converged: it reached the {surface.minima_label} at {_at(surface, where)} in {n}."
        return (f"converged to a local minimum at {_at(surface, where)} in {n}: its loss there is "
                f"{number(loss)}, while the {surface.minima_label} at {_at(surface, nearest)} is lower "
                f"({number(surface.min_value)}). It only feels the slope underfoot, so it cannot know "
                "a deeper valley lies elsewhere.")
    if status == CREEPING:
        if found.shrink[i] < 0.5 and (found.loss_rises[i] >= 0.25):
            return (f"is still settling after {count_steps(run.steps)}: it swings across the valley, "
                    f"each swing smaller, {_how_far(surface, end)}.")
        return (f"is still on its way after {count_steps(run.steps)}: its loss is still falling "
                f"(now {number(float(run.losses[-1]))}), {_how_far(surface, end)}.")
    if status == BOUNCING:
        how = ("its steps flip from one side of the valley to the other" if _flipping(run)
               else "its loss keeps going up and down")
        shrink = float(found.shrink[i])
        swings = ("without getting smaller" if shrink >= 0.95
                  else f"and its swings barely shrink (to {round(100 * shrink)}% over its last stretch)")
        return f"is bouncing: {how} {swings}, never settling."
    if status == STUCK:
        low, high = np.linalg.eigvalsh(found.hessian[i]) if np.isfinite(found.hessian[i]).all() else (np.nan, np.nan)
        if low < 0 < high:
            return (f"is stuck at {_at(surface, end)}: the slope vanishes there, but it is a saddle, not a "
                    "minimum — the ground curves up one way and down the other.")
        return f"is stuck at {_at(surface, end)}: the ground is flat there, but it is not a minimum."
    if status == DIVERGED:
        if run.diverged_at is not None:
            what = ("its position overflowed" if run.off_position is None or not np.isfinite(run.off_position).all()
                    else "its loss overflowed")
            return f"diverged at step {run.diverged_at}: {what}, the ball flew off the mountain."
        return (f"is flying off the mountain: its loss grew from {number(float(run.losses[0]))} to "
                f"{number(float(run.losses[-1]))} and is still rising.")
    if status == OFF_DOMAIN:
        value = "undefined" if run.off_loss is None or np.isnan(run.off_loss) else number(run.off_loss)
        return (f"stepped off the formula's domain at step {run.diverged_at}: at {_at(surface, run.off_position)} "
                f"the loss is {value}, so the run stops there.")
    label = get_schedule(run.schedule).label.lower()
    return (f"came to a halt, {_how_far(surface, end)}: the {label} schedule shrank the learning rate to {number(float(run.lrs[-1]))} "
            f"({_percent(found.lr_left[i])} of its peak) before the ball arrived.")


def _how_far(surface: Surface, end: np.ndarray) -> str:
    if surface.no_minimum:
        return f"on a mountain with no minimum in its window ({surface.no_minimum})"
    nearest, distance = _nearest_minimum(surface, end)
    return f"{number(distance)} from the {surface.minima_label} at {_at(surface, nearest)}"


def _flipping(run: Run) -> bool:
    updates = np.diff(run.positions[-max(10, len(run.positions) // 4):], axis=0)
    return len(updates) > 1 and float(np.mean(np.sum(updates[1:] * updates[:-1], axis=1))) < 0


def _at(surface: Surface, xy) -> str:
    return point(xy, scale=diagonal(surface))


def _percent(share: float) -> str:
    return f"{number(100 * float(share), 2)}%"


def _nearest_minimum(surface: Surface, at: np.ndarray) -> tuple[tuple[float, float], float]:
    minima = np.array(surface.minima)
    distances = np.hypot(*(minima - at).T)
    k = int(np.argmin(distances))
    return (float(minima[k, 0]), float(minima[k, 1])), float(distances[k])


# ---------------------------------------------------------------- the counterfactuals

def _groups(runs: Sequence[Run], indices: list[int]) -> dict[tuple, list[int]]:
    """The runs (by index) grouped by the settings a batched counterfactual must share; an
    optimizer appears once per group (a batch holds one ball per optimizer)."""
    groups: dict[tuple, list[int]] = {}
    for i in indices:
        run = runs[i]
        key = (run.lr, run.start, run.steps, run.zero_grad, run.schedule, run.clip_norm)
        members = groups.setdefault(key, [])
        if any(runs[j].optimizer == run.optimizer for j in members):
            key += (len(groups),)  # the same optimizer twice (other settings): a group of its own
            members = groups.setdefault(key, [])
        members.append(i)
    return groups


def _done_right(surface: Surface, runs: Sequence[Run], given: Sequence[Run] | None, open_: list[int]) -> dict:
    """For each open run that skipped zero_grad(): the same run with it, and what it did."""
    wanted = [i for i in open_ if not runs[i].zero_grad]
    if not wanted:
        return {}
    if given is not None:
        right = {i: given[i] for i in wanted}
    else:
        # runs that share their settings share one pass, as the app's runs do
        right = {}
        for members in _groups(runs, wanted).values():
            run = runs[members[0]]
            done = descend_many(surface, [runs[i].optimizer for i in members], run.lr, run.start, run.steps, True,
                                hyperparameters={runs[i].optimizer: runs[i].hyperparameters for i in members},
                                schedule=run.schedule, clip_norm=run.clip_norm)
            right.update(zip(members, done))
    found = run_statuses(surface, list(right.values()))
    return {i: (right[i], found, j) for j, i in enumerate(right)}


def _ladders(surface: Surface, runs: Sequence[Run], names: list[str], open_: list[int],
             given: Sweep | None = None) -> dict:
    """For runs that bounce, fly off or creep: the same run at every other rate of the learning-rate
    ladder (LR_LADDER), all in one batched sweep per group of runs that share their settings, or
    read from `given` (a sweep of the same scene over the ladder)."""
    # only optimizers whose balls run together at every rate: Newton takes no learning rate, and
    # L-BFGS's other rates would be 120 solo runs of up to a second each (its verdict says what it did)
    wanted = [i for i in open_ if names[i] in (BOUNCING, DIVERGED, CREEPING) and runs[i].steps > 0
              and has_ballwise_rule(get_optimizer(runs[i].optimizer))]
    ladders = {}
    for (lr, start, steps, zero_grad, schedule, clip_norm), members in _groups(runs, wanted).items():
        names_here = list(dict.fromkeys(runs[i].optimizer for i in members))
        sweep = given
        if not _covers(given, runs, members):
            sweep = lr_sweep(surface, names_here, start, steps, np.array(LR_LADDER), zero_grad,
                             hyperparameters={runs[i].optimizer: runs[i].hyperparameters for i in members},
                             schedule=schedule, clip_norm=clip_norm)
        for i in members:
            ladders[i] = Rungs(surface, sweep, runs[i].optimizer, lr)
    return ladders


@dataclass(frozen=True, eq=False)
class Rungs:
    """One run's scene at the ladder's other rates, read in the order a cause asks for them: a sweep
    that named no statuses has them named a few rungs at a time (a cause mostly stops at the first
    few; classifying a whole 121-rate ladder took 1.3 ms an optimizer)."""

    surface: Surface
    sweep: Sweep
    optimizer: str
    lr: float

    def read(self, wanted, descending: bool = False):
        """(factor, status, converged_at, final loss) of each other rate whose factor rate/lr
        `wanted` accepts, by rate, ascending or descending."""
        rates = self.sweep.lrs
        order = [int(j) for j in (np.argsort(rates)[::-1] if descending else np.argsort(rates))
                 if rates[j] != self.lr and wanted(float(rates[j] / self.lr))]
        k = self.sweep.optimizers.index(self.optimizer)
        for first in range(0, len(order), RUNGS_AT_ONCE):
            chunk = order[first:first + RUNGS_AT_ONCE]
            statuses, converged_at = self.sweep.statuses_of(self.surface, self.optimizer, chunk)
            for j, code, at in zip(chunk, statuses, converged_at):
                yield (float(rates[j] / self.lr), STATUSES[code], int(at) if at >= 0 else None,
                       float(self.sweep.losses[-1, k, j]))


def _covers(sweep: Sweep | None, runs: Sequence[Run], members: list[int]) -> bool:
    """Whether `sweep` ran exactly these runs' scene over the whole ladder."""
    if sweep is None or len(sweep.lrs) != len(LR_LADDER):
        return False
    run = runs[members[0]]
    same = (sweep.start == tuple(run.start) and sweep.steps == run.steps and sweep.zero_grad == run.zero_grad
            and sweep.schedule == run.schedule and sweep.clip_norm == run.clip_norm)
    return same and all(runs[i].optimizer in sweep.optimizers and
                        dict(sweep.settings[sweep.optimizers.index(runs[i].optimizer)]) == runs[i].hyperparameters
                        for i in members)


def _cause(surface: Surface, run: Run, status: str, found: Statuses, i: int, right, ladder):
    """(cause, advice sentence, evidence) for an open run."""
    if status == OFF_DOMAIN:
        return ("domain", "The formula has no value there; a step that lands outside its domain ends "
                          "the run, whatever the learning rate. Choose bounds or a formula defined "
                          "wherever the ball may go.", None)
    if right is not None:
        done, found_right, j = right
        status_right = STATUSES[found_right.codes[j]]
        at = int(found_right.converged_at[j])
        evidence = Evidence("zero_grad() called", status_right, at if at >= 0 else None, float(done.losses[-1]))
        if status_right == CONVERGED:
            return ("zero_grad", "The missing zero_grad() is the cause: p.grad holds the sum of every "
                                 f"gradient so far. With zero_grad() the same run converges in {count_steps(at)}.",
                    evidence)
        if status in (DIVERGED, BOUNCING) and status_right not in (DIVERGED, OFF_DOMAIN, BOUNCING):
            return ("zero_grad", "The missing zero_grad() is the cause: p.grad holds the sum of every "
                                 f"gradient so far. With zero_grad() the same run {DOES[status_right]} instead.",
                    evidence)
    if status == SCHEDULE_RAN_OUT:
        return _schedule_cause(surface, run)
    if status == STUCK:
        return _start_cause(surface, run, found, i)
    if status in (BOUNCING, DIVERGED) and ladder is not None:
        return _lr_cause(surface, run, status, found, i, ladder)
    if status == CREEPING:
        return _steps_cause(run, ladder)
    return (None, "", None)


def _lr_cause(surface: Surface, run: Run, status: str, found: Statuses, i: int, ladder: Rungs):
    # the largest smaller rate that converges; failing that, the largest that calms the ball
    fixed = calm = None
    for step in ladder.read(lambda factor: factor < 1, descending=True):
        if step[1] == CONVERGED:
            fixed = step
            break
        if calm is None and step[1] not in (BOUNCING, DIVERGED, OFF_DOMAIN):
            calm = step
    fixed = fixed or calm
    if fixed is None:
        return (None, f"Smaller learning rates, down to {number(LR_LADDER[0])}, do not settle it either.", None)
    factor, status_fixed, at, final = fixed
    rate = run.lr * factor
    evidence = Evidence(f"lr {number(rate)}", status_fixed, at, final)
    result = (f"converges in {count_steps(at)}" if status_fixed == CONVERGED
              else f"no longer {'bounces' if status == BOUNCING else 'flies off'}: it {DOES[status_fixed]}")
    advice = f"The learning rate is too big here: at lr {number(rate)} ({share_of(factor)}) the same run {result}."
    limit = _plain_sgd_limit(surface, run, found.end[i])
    if limit is not None:
        advice += (f" For plain SGD the stability limit near the minimum at {_at(surface, limit[1])} is "
                   f"2/λmax = {number(limit[0])}; yours is {ratio(run.lr / limit[0])} it.")
    return ("lr", advice, evidence)


def _plain_sgd_limit(surface: Surface, run: Run, end: np.ndarray):
    """(2/λmax, minimum) at the minimum nearest where the ball ended, for plain SGD past it."""
    settings = run.hyperparameters
    if run.optimizer != "sgd" or settings.get("momentum", 0) or settings.get("weight_decay", 0):
        return None
    minimum, _ = _nearest_minimum(surface, end)
    limit = _stability_limit(surface, minimum)
    # from half the limit on, plain SGD overshoots the floor on every step
    return None if limit is None or run.lr < 0.5 * limit else (limit, minimum)


@functools.lru_cache(maxsize=256)  # a minimum's curvature is asked for again by every move nearby
def _stability_limit(surface: Surface, minimum: tuple[float, float]) -> float | None:
    return curvature_at(surface, minimum).stability_limit


def _steps_cause(run: Run, ladder: Rungs | None):
    advice = "More steps would take it further"
    # the smallest bigger stride (up to MOST_BIGGER times) that converges; else all of them are read
    bigger, arriving = [], None
    for step in ([] if ladder is None else ladder.read(lambda factor: 1 < factor <= MOST_BIGGER)):
        if step[1] == CONVERGED:
            arriving = step
            break
        bigger.append(step)
    if arriving is not None:
        factor, _, at, final = arriving
        return ("steps", f"{advice}; so would a bigger stride: at lr {number(run.lr * factor)} "
                         f"({share_of(factor)}) the same run converges in {count_steps(at)}.",
                Evidence(f"lr {number(run.lr * factor)}", CONVERGED, at, final))
    calm = [step for step in bigger if step[1] in (CREEPING, SCHEDULE_RAN_OUT) and step[3] < float(run.losses[-1])]
    if calm:
        factor, status, _, final = min(calm, key=lambda step: step[3])
        return ("steps", f"{advice}; at lr {number(run.lr * factor)} ({share_of(factor)}) it gets further "
                         f"in the same {count_steps(run.steps)} (loss {number(final)} instead of "
                         f"{number(float(run.losses[-1]))}).",
                Evidence(f"lr {number(run.lr * factor)}", status, None, final))
    if bigger:
        factor, status, _, final = bigger[0]
        rate = f"lr {number(run.lr * factor)} ({share_of(factor)})"
        if status in (BOUNCING, DIVERGED, OFF_DOMAIN):
            said = f"{advice}; a bigger stride would not: already at {rate} it {DOES[status]}."
        else:
            said = (f"{advice}; a bigger stride gets no further in {count_steps(run.steps)}: at {rate} it "
                    f"ends at loss {number(final)} (yours: {number(float(run.losses[-1]))}).")
        return ("steps", said, Evidence(f"lr {number(run.lr * factor)}", status, None, final))
    return ("steps", advice + ".", None)


def _schedule_cause(surface: Surface, run: Run):
    (steady,) = descend_many(surface, [run.optimizer], run.lr, run.start, run.steps, run.zero_grad,
                             hyperparameters={run.optimizer: run.hyperparameters}, clip_norm=run.clip_norm)
    found = run_statuses(surface, [steady])
    status = STATUSES[found.codes[0]]
    at = int(found.converged_at[0])
    evidence = Evidence("a constant learning rate", status, at if at >= 0 else None, float(steady.losses[-1]))
    result = f"converges in {count_steps(at)}" if status == CONVERGED else DOES[status]
    return ("schedule", f"At a constant learning rate of {number(run.lr)} the same run {result}.", evidence)


def _start_cause(surface: Surface, run: Run, found: Statuses, i: int):
    x, y = run.start
    step = NUDGE * diagonal(surface)
    starts = np.array([(x, y + step), (x, y - step), (x + step, y), (x - step, y)])
    (x0, x1), (y0, y1) = surface.bounds
    inside = (starts[:, 0] >= x0) & (starts[:, 0] <= x1) & (starts[:, 1] >= y0) & (starts[:, 1] <= y1)
    starts = starts[inside]
    batch = descend_batch(surface, run.optimizer, run.lr, starts, run.steps, run.zero_grad,
                          hyperparameters=run.hyperparameters, schedule=run.schedule, clip_norm=run.clip_norm)
    lrs = np.tile(run.lrs[:, None], (1, len(starts))) if len(run.lrs) else None
    nudged = classify(surface, batch.positions, batch.losses, batch.diverged_at, lrs=lrs,
                      off_positions=batch.off_positions, off_losses=batch.off_losses)
    for k, code in enumerate(nudged.codes):
        if STATUSES[code] == CONVERGED:
            at = int(nudged.converged_at[k])
            where = _at(surface, starts[k])
            return ("start", f"It sits exactly where the slope across is zero: from a start {number(step)} "
                             f"to the side, at {where}, the same run rolls on and converges in {count_steps(at)}.",
                    Evidence(f"start {where}", CONVERGED, at, float(batch.losses[-1, k])))
    return ("terrain", "No start a little to any side rolls off either: the ground here is flat.", None)

