"""Schedules: the learning rate of every step equals PyTorch's schedulers driven directly."""

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler

from core import LossMountainError, descend, get_surface
from core.schedules import SCHEDULES, make_scheduler


def reference_scheduler(name, optimizer, lr, steps):
    """Each schedule as the issue describes it, built here from torch directly."""
    if name == "step":
        return lr_scheduler.StepLR(optimizer, step_size=steps // 4, gamma=0.5)
    if name == "exponential":
        return lr_scheduler.ExponentialLR(optimizer, gamma=0.01 ** (1 / steps))
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    if name == "warmup_cosine":
        warm = steps // 10
        return lr_scheduler.SequentialLR(optimizer, [
            lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=warm),
            lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps - warm)], milestones=[warm])
    if name == "onecycle":
        return lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps, cycle_momentum=False)
    return None


def driven_lrs(name, lr, steps):
    p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([p], lr=lr)
    scheduler = reference_scheduler(name, optimizer, lr, steps)
    lrs = []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        p.grad = torch.zeros(2, dtype=torch.float64)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return np.array(lrs)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_run_learning_rates_equal_pytorch_schedulers(name):
    run = descend(get_surface("bowl"), "adam", 0.05, (1.0, 1.0), 200, schedule=name)
    expected = driven_lrs(name, 0.05, 200)
    np.testing.assert_allclose(run.lrs, expected, rtol=1e-12)
    assert run.schedule == name


def test_shapes_of_the_schedules():
    lrs = {name: driven_lrs(name, 0.1, 100) for name in SCHEDULES}
    assert np.all(lrs["constant"] == 0.1)
    assert lrs["step"][24] == 0.1 and lrs["step"][25] == 0.05 and lrs["step"][99] == 0.1 / 8
    assert lrs["exponential"][-1] == pytest.approx(0.1 * 0.01 ** (99 / 100))
    assert lrs["cosine"][50] == pytest.approx(0.05)
    assert lrs["warmup_cosine"][0] == pytest.approx(0.001) and lrs["warmup_cosine"][10] == pytest.approx(0.1)
    assert lrs["onecycle"].max() == pytest.approx(0.1, rel=1e-3) and lrs["onecycle"][0] < 0.01


def test_one_step_runs_work_with_every_schedule():
    for name in SCHEDULES:
        run = descend(get_surface("bowl"), "sgd", 0.1, (1.0, 1.0), 1, schedule=name)
        assert len(run.lrs) == 1


def test_unknown_schedule_names_the_choices():
    with pytest.raises(LossMountainError, match="unknown schedule 'sometimes'; choose one of: constant"):
        make_scheduler("sometimes", None, 0.1, 10)
