"""Step-by-step numbers: what the panel shows equals a plain torch.optim loop, step by step."""

import numpy as np
import pytest
import torch

from core import descend, get_surface
from core.steps import COMPASS_LENGTH, step_arrows, step_numbers


def plain_steps(lr, start, steps, surface):
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([p], lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=steps // 4, gamma=0.5)
    rows = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = surface(p)
        loss.backward()
        before, grad, used_lr = p.detach().clone(), p.grad.clone(), optimizer.param_groups[0]["lr"]
        optimizer.step()
        scheduler.step()
        state = {key: value.clone() for key, value in optimizer.state[p].items()}
        rows.append((before, loss.item(), grad, used_lr, p.detach().clone(), state))
    return rows


@pytest.mark.parametrize("k", [0, 1, 7, 19])
def test_step_numbers_equal_a_plain_loop(k):
    surface = get_surface("rosenbrock")
    run = descend(surface, "adam", 0.05, (-1.2, 1.0), 20, schedule="step")
    before, loss, grad, lr, after, state = plain_steps(0.05, (-1.2, 1.0), 20, surface)[k]
    numbers = step_numbers(run, k)
    assert numbers.step == k and numbers.loss == loss and numbers.lr == lr
    assert numbers.position == tuple(before.tolist()) and numbers.grad == tuple(grad.tolist())
    assert numbers.new_position == tuple(after.tolist())
    assert numbers.update == pytest.approx(tuple((after - before).tolist()), abs=1e-15)
    assert numbers.state["step"] == (k + 1.0,)
    assert numbers.state["exp_avg"] == tuple(state["exp_avg"].tolist())
    assert numbers.state["exp_avg_sq"] == tuple(state["exp_avg_sq"].tolist())


def test_no_numbers_past_the_last_step():
    run = descend(get_surface("bowl"), "sgd", 0.1, (1.0, 1.0), 5)
    assert step_numbers(run, 5) is None and step_numbers(run, -1) is None
    assert step_arrows(run, 5, get_surface("bowl")) is None


def test_compass_is_p_grad_pointing_uphill_at_a_fixed_length():
    surface = get_surface("bowl")
    run = descend(surface, "sgd", 0.1, (1.0, 0.5), 5)
    arrows = step_arrows(run, 2, surface)
    direction = np.subtract(arrows.compass_end, arrows.start)
    assert np.hypot(*direction) == pytest.approx(COMPASS_LENGTH * np.hypot(4, 4))
    # on x² + y², p.grad = 2p points straight away from the origin: uphill; the step goes against it
    assert direction / np.hypot(*direction) == pytest.approx(np.array(arrows.start) / np.hypot(*arrows.start))
    step = np.subtract(arrows.update_end, arrows.start)
    assert step @ direction < 0
    assert arrows.update_end == tuple(run.positions[3])
