"""Learning-rate schedules from `torch.optim.lr_scheduler`, sized to the run's length.

Each schedule is described once, as the scheduler classes and arguments to build; the
descent loop builds them and the code generator prints them, so both always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .errors import lookup


@dataclass(frozen=True)
class Part:
    """One torch.optim.lr_scheduler class and its keyword arguments."""

    cls: str
    kwargs: tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    label: str
    blurb: str


SCHEDULES: dict[str, ScheduleSpec] = {spec.name: spec for spec in (
    ScheduleSpec("constant", "Constant", "The same stride every step."),
    ScheduleSpec("step", "Step decay", "Halve the learning rate every quarter of the run."),
    ScheduleSpec("exponential", "Exponential decay",
                 "Multiply the learning rate by the same factor each step, down to 1% at the end."),
    ScheduleSpec("cosine", "Cosine annealing", "Glide from the full learning rate down to 0 along a cosine."),
    ScheduleSpec("warmup_cosine", "Linear warm-up, then cosine",
                 "Start small for the first tenth of the run, then anneal along a cosine."),
    ScheduleSpec("onecycle", "One-cycle",
                 "Rise to the learning rate over the first 30% of the run, then fall far below it."),
)}


def get_schedule(name: str) -> ScheduleSpec:
    """Look a schedule up by name; raises LossMountainError listing the valid names."""
    return lookup(SCHEDULES, name, "schedule")


def warmup_steps(steps: int) -> int:
    return max(1, steps // 10)


def schedule_parts(name: str, lr: float, steps: int) -> tuple[Part, ...]:
    """The scheduler(s) for `name` over `steps` steps: none for constant, two in sequence for warm-up."""
    get_schedule(name)
    if name == "constant":
        return ()
    if name == "step":
        return (Part("StepLR", (("step_size", max(1, steps // 4)), ("gamma", 0.5))),)
    if name == "exponential":
        return (Part("ExponentialLR", (("gamma", 0.01 ** (1 / steps)),)),)
    if name == "cosine":
        return (Part("CosineAnnealingLR", (("T_max", steps),)),)
    if name == "warmup_cosine":
        warm = warmup_steps(steps)
        return (Part("LinearLR", (("start_factor", 0.01), ("total_iters", warm))),
                Part("CosineAnnealingLR", (("T_max", max(1, steps - warm)),)))
    # momentum is left alone (cycle_momentum=False) so only the learning rate changes
    return (Part("OneCycleLR", (("max_lr", lr), ("total_steps", steps), ("cycle_momentum", False))),)


def make_scheduler(
    name: str, optimizer: torch.optim.Optimizer, lr: float, steps: int,
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """The scheduler for `optimizer`, stepped once after each optimizer step; None for constant."""
    parts = schedule_parts(name, lr, steps)
    built = [getattr(torch.optim.lr_scheduler, part.cls)(optimizer, **dict(part.kwargs)) for part in parts]
    if len(built) > 1:
        return torch.optim.lr_scheduler.SequentialLR(optimizer, built, milestones=[warmup_steps(steps)])
    return built[0] if built else None
