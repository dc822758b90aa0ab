"""Paper versus PyTorch: each paper rule checked by hand on the bowl x² + y² (∇f = 2θ), and where it
meets or parts from torch.optim's path."""

import numpy as np
import pytest

from core import LossMountainError, descend, get_surface
from core.paper import RULES, compare, paper_path
from core.sweep import lr_table

BOWL = get_surface("bowl")
START = np.array([1.0, -2.0])


def test_momentum_by_hand_and_equal_to_pytorch_at_a_constant_rate():
    lr, mu = 0.1, 0.9
    path = paper_path(BOWL, "momentum", lr, START, 3)
    v1 = -lr * 2 * START
    t1 = START + v1
    v2 = mu * v1 - lr * 2 * t1
    np.testing.assert_allclose(path[1], t1, rtol=1e-15)
    np.testing.assert_allclose(path[2], t1 + v2, rtol=1e-15)
    found = compare(BOWL, "momentum", lr, START, 60)
    assert found.largest < 1e-14  # v = −lr·b when lr never changes


def test_momentum_parts_under_a_schedule_as_the_rates_say():
    steps = 40
    rates = lr_table("step", np.array([0.1]), steps)[:, 0]
    assert len(set(rates)) > 1  # the schedule does change the rate
    # PyTorch: b ← μ b + g, θ ← θ − lr_t b; the paper: v ← μ v − lr_t g, θ ← θ + v; by hand, in 1-D per axis
    theta_p, theta_t, v, b = START.copy(), START.copy(), np.zeros(2), None
    for rate in rates:
        v = 0.9 * v - rate * 2 * theta_p
        theta_p = theta_p + v
        g = 2 * theta_t
        b = g if b is None else 0.9 * b + g
        theta_t = theta_t - rate * b
    found = compare(BOWL, "momentum", 0.1, START, steps, "step")
    np.testing.assert_allclose(found.paper[-1], theta_p, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(found.pytorch[-1], theta_t, rtol=1e-12, atol=1e-15)
    assert found.largest > 1e-3  # visibly apart


def test_pytorchs_nesterov_ball_is_the_papers_look_ahead_point():
    found = compare(BOWL, "nesterov", 0.05, START, 30)
    paper = found.paper
    velocity = np.diff(paper, axis=0)
    # θ' = θ + μ v at every step (constant rate)
    np.testing.assert_allclose(found.pytorch[1:], paper[1:] + 0.9 * velocity, rtol=1e-10, atol=1e-12)
    assert found.largest > 0.1


def test_adams_efficient_form_by_hand_and_only_eps_apart():
    lr = 0.1
    path = paper_path(BOWL, "adam", lr, START, 1)
    g = 2 * START
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    m, v = (1 - beta1) * g, (1 - beta2) * g * g
    alpha_1 = lr * np.sqrt(1 - beta2) / (1 - beta1)
    np.testing.assert_allclose(path[1], START - alpha_1 * m / (np.sqrt(v) + eps), rtol=1e-15)
    found = compare(BOWL, "adam", lr, START, 50)
    assert 0 < found.largest < 1e-6  # ε-sized, where the gradient gets small


def test_adamw_by_hand_and_equal_to_pytorch_only_at_lr_1():
    lr, decay = 0.1, 0.01
    path = paper_path(BOWL, "adamw", lr, START, 1)
    g = 2 * START
    m_hat, v_hat = g, g * g  # after one step the bias corrections undo the (1 − β) factors
    np.testing.assert_allclose(path[1], START - (lr * m_hat / (np.sqrt(v_hat) + 1e-8) + decay * START),
                               rtol=1e-14)
    assert compare(BOWL, "adamw", 1.0, START, 20).largest < 1e-12  # η_t λ = lr λ when lr = 1
    assert compare(BOWL, "adamw", lr, START, 20).largest > 1e-3


def test_every_rule_is_written_out_and_unknown_ones_refused():
    assert set(RULES) == {"momentum", "nesterov", "adam", "adamw"}
    for rule in RULES.values():
        assert rule.paper and rule.pytorch and rule.source and rule.differs
    with pytest.raises(LossMountainError, match="unknown paper rule"):
        compare(BOWL, "rprop", 0.1, START, 5)
    # the PyTorch side is core.descend's run
    np.testing.assert_array_equal(compare(BOWL, "adam", 0.1, START, 5).pytorch,
                                  descend(BOWL, "adam", 0.1, START, 5).positions)


def test_a_ball_that_flies_off_is_cut_where_descend_cuts_it():
    # momentum at lr 3 on the bowl overflows: the paper's path stops at the same row as PyTorch's run
    found = compare(BOWL, "momentum", 3.0, START, 3000)
    run = descend(BOWL, "momentum", 3.0, START, 3000)
    assert run.diverged_at is not None and len(found.paper) == len(found.pytorch) == run.diverged_at
    # near overflow the two agree to rounding: the distance is huge, its share of the balls' own is not
    assert found.largest > 1e100 and found.relative < 1e-12
