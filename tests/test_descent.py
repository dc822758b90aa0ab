"""Descent: every path equals a plain torch.optim loop, optimizers converge, divergence is cut."""

import sys

import numpy as np
import pytest
import torch

from core import OPTIMIZERS, SURFACES, LossMountainError, descend, descend_many, get_surface
from core.descent import gradients_at
from test_surfaces import HAND_GRADIENTS

# the issue's optimizer list, written out again so the registry is checked against it
REFERENCE_OPTIMIZERS = {
    "sgd": (torch.optim.SGD, {}),
    "momentum": (torch.optim.SGD, {"momentum": 0.9}),
    "nesterov": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "adagrad": (torch.optim.Adagrad, {}),
    "rmsprop": (torch.optim.RMSprop, {}),
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "adadelta": (torch.optim.Adadelta, {}),
    "adamax": (torch.optim.Adamax, {}),
    "asgd": (torch.optim.ASGD, {}),
    "nadam": (torch.optim.NAdam, {}),
    "radam": (torch.optim.RAdam, {}),
    "rprop": (torch.optim.Rprop, {}),
    "lbfgs": (torch.optim.LBFGS, {}),
    "newton": (None, {}),  # not a torch.optim class: checked against newton_loop below
}


def plain_loop(surface, optimizer, lr, start, steps, zero_grad=True):
    """The training loop as a PyTorch tutorial writes it; returns positions and p.grad per step."""
    if optimizer == "newton":
        return newton_loop(surface, start, steps, zero_grad)
    cls, kwargs = REFERENCE_OPTIMIZERS[optimizer]
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = cls([p], lr=lr, **kwargs)
    positions, grads = [p.detach().clone()], []
    for _ in range(steps):
        if cls is torch.optim.LBFGS:
            first = []

            def closure():
                if zero_grad:
                    opt.zero_grad()
                loss = surface(p)
                loss.backward()
                if not first:
                    first.append(p.grad.detach().clone())
                return loss

            opt.step(closure)
            grads.append(first[0])
        else:
            if zero_grad:
                opt.zero_grad()
            loss = surface(p)
            loss.backward()
            grads.append(p.grad.detach().clone())
            opt.step()
        positions.append(p.detach().clone())
    return torch.stack(positions).numpy(), torch.stack(grads).numpy()


def newton_loop(surface, start, steps, zero_grad=True, damping=1.0):
    """Newton's method written independently of core.newton: torch.func's Hessian, numpy's solver."""
    p = np.array(start, dtype=np.float64)
    total = np.zeros(2)
    positions, grads = [p.copy()], []
    f = lambda q: surface(q)  # noqa: E731
    for _ in range(steps):
        q = torch.tensor(p)
        grad = torch.func.grad(f)(q).numpy()
        total = grad if zero_grad else total + grad
        hessian = torch.func.hessian(f)(q).numpy()
        hessian = (hessian + hessian.T) / 2
        smallest = np.linalg.eigvalsh(hessian)[0]
        shift = damping - smallest if smallest < damping else 0.0
        p = p - np.linalg.solve(hessian + shift * np.eye(2), total)
        grads.append(total.copy())
        positions.append(p.copy())
    return np.array(positions), np.array(grads)


def test_registry_is_the_issue_list():
    assert list(OPTIMIZERS) == list(REFERENCE_OPTIMIZERS)
    for name, (cls, kwargs) in REFERENCE_OPTIMIZERS.items():
        assert cls is None or OPTIMIZERS[name].cls is cls and dict(OPTIMIZERS[name].kwargs) == kwargs


@pytest.mark.parametrize("zero_grad", [True, False])
@pytest.mark.parametrize("surface_name", ["himmelblau", "rosenbrock", "ackley"])
def test_shared_pass_paths_equal_solo_plain_loops(surface_name, zero_grad):
    surface = get_surface(surface_name)
    runs = descend_many(surface, list(OPTIMIZERS), surface.lr, surface.start, 60, zero_grad)
    for run in runs:
        positions, grads = plain_loop(surface, run.optimizer, surface.lr, surface.start, 60, zero_grad)
        losses = surface(torch.from_numpy(positions)).numpy()
        finite = np.isfinite(positions).all(axis=1) & np.isfinite(losses)
        kept = len(run.positions)
        # the run keeps exactly the plain loop's positions before the first non-finite one
        assert kept == (61 if finite.all() else int(np.argmin(finite)))
        assert run.diverged_at == (None if finite.all() else kept)
        if run.optimizer == "newton":
            # its independent loop has another Hessian and solver: equal to the last digits, which a
            # wild path (zero_grad forgotten) amplifies, so its first steps are compared
            close = lambda a, b: np.testing.assert_allclose(a[:5], b[:5], rtol=1e-9, atol=1e-12)  # noqa: E731
            close(run.positions, positions[:kept]), close(run.losses, losses[:kept])
            close(run.grads, grads[:kept - 1])
            continue
        np.testing.assert_array_equal(run.positions, positions[:kept])
        np.testing.assert_array_equal(run.losses, losses[:kept])
        np.testing.assert_array_equal(run.grads, grads[:kept - 1])


def test_one_run_equals_the_same_optimizer_in_a_shared_pass():
    surface = get_surface("camel")
    alone = descend(surface, "adam", 0.05, (1.0, 1.0), 80)
    together = descend_many(surface, ["sgd", "adam", "rmsprop"], 0.05, (1.0, 1.0), 80)[1]
    np.testing.assert_array_equal(alone.positions, together.positions)


@pytest.mark.parametrize("optimizer", [name for name in OPTIMIZERS if not OPTIMIZERS[name].closure])
def test_without_zero_grad_p_grad_is_the_sum_of_all_gradients_so_far(optimizer):
    surface = get_surface("himmelblau")
    run = descend(surface, optimizer, 0.002, (0.5, -0.5), 40, zero_grad=False)
    fresh = np.array([HAND_GRADIENTS["himmelblau"](x, y) for x, y in run.positions[:-1]])
    np.testing.assert_allclose(run.grads, np.cumsum(fresh, axis=0), rtol=1e-9, atol=1e-9)


def test_without_zero_grad_lbfgs_sums_the_gradient_of_every_evaluation():
    surface = get_surface("himmelblau")
    run = descend(surface, "lbfgs", 0.002, (0.5, -0.5), 6, zero_grad=False)
    assert run.evaluations.min() >= 1 and len(run.evaluated) == run.loss_evaluations
    fresh = np.cumsum([HAND_GRADIENTS["himmelblau"](x, y) for x, y in run.evaluated], axis=0)
    # each step's recorded p.grad is the sum up to and including its own first evaluation
    firsts = np.concatenate([[0], np.cumsum(run.evaluations)[:-1]])
    np.testing.assert_allclose(run.grads, fresh[firsts], rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(run.evaluated[firsts], run.positions[:-1])


def test_lbfgs_counts_every_closure_call_and_where_it_was():
    surface = get_surface("rosenbrock")
    run = descend(surface, "lbfgs", 1.0, (-1.2, 1.0), 5, hyperparameters={"line_search_fn": "strong_wolfe"})
    p = torch.tensor((-1.2, 1.0), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([p], lr=1.0, line_search_fn="strong_wolfe")
    calls, where = [], []

    def closure():
        opt.zero_grad()
        loss = surface(p)
        loss.backward()
        calls[-1] += 1
        where.append(p.detach().clone().numpy())
        return loss

    for _ in range(5):
        calls.append(0)
        opt.step(closure)
    assert list(run.evaluations) == calls and sum(calls) > 5  # a step of L-BFGS evaluates several times
    np.testing.assert_array_equal(run.evaluated, np.array(where))
    assert run.loss_evaluations == sum(calls)
    assert {"d", "t", "n_iter", "func_evals"} <= set(run.state)


@pytest.mark.parametrize("surface_name", ["bowl", "ravine"])
def test_newton_lands_on_a_quadratic_bowls_minimum_in_one_step(surface_name):
    surface = get_surface(surface_name)
    run = descend(surface, "newton", 0.01, surface.start, 3)  # it takes no learning rate: always lr 1
    assert run.lr == 1.0 and list(run.lrs) == [1.0] * 3
    np.testing.assert_allclose(run.positions[1], surface.minima[0], atol=1e-12)
    assert run.state["damping"][0] == 0.0  # the Hessian was positive definite: no damping


def test_newtons_closed_form_smallest_eigenvalue_is_the_symmetric_matrixs():
    from core.newton import Newton

    # (a, b, c) of [[a, b], [b, c]] and its smaller eigenvalue, by hand
    cases = [(2.0, 0.0, 50.0, 2.0), (3.0, 4.0, 3.0, -1.0), (0.0, 0.0, 0.0, 0.0), (5.0, 0.0, -7.0, -7.0),
             (1e200, 1e200, 1e200, 0.0),  # squared terms would overflow unless scaled first
             (-1e300, 0.0, 1e300, -1e300),
             (1e20, 1e11, 200.0, 100.0)]  # a deep ravine's: 200 − 10²²/10²⁰, lost by (a + c)/2 − √…
    a, b, c, expected = (torch.tensor(column, dtype=torch.float64) for column in zip(*cases))
    np.testing.assert_allclose(Newton.smallest_eigenvalue(a, b, c).numpy(), expected.numpy(), rtol=1e-15, atol=1e-300)
    # random matrices: numpy's symmetric eigensolver agrees to rounding of the matrix's size
    rng = np.random.default_rng(7)
    m = rng.normal(size=(500, 3)) * 10.0 ** rng.integers(-3, 4, size=(500, 1))
    found = Newton.smallest_eigenvalue(*torch.from_numpy(m).T).numpy()
    lapack = np.linalg.eigvalsh(np.stack([m[:, [0, 1]], m[:, [1, 2]]], axis=1))[:, 0]
    assert (np.abs(found - lapack) <= 1e-14 * np.abs(m).max(axis=1)).all()


def test_newtons_closed_form_solve_is_exact_on_a_ravine_and_does_not_overflow():
    from core.newton import Newton

    t = lambda *values: torch.tensor(values, dtype=torch.float64)  # noqa: E731
    # diag(2, 50) d = (2x, 50y): d = (x, y); the same system scaled by 10¹⁹⁸ (its products would overflow)
    d0, d1, det = Newton.solve(t(2.0, 2e198), t(0.0, 0.0), t(50.0, 5e199), t(3.0, 6e198), t(-100.0, -1e200))
    np.testing.assert_allclose(d0.numpy(), [1.5, 3.0], rtol=1e-15)
    np.testing.assert_allclose(d1.numpy(), [-2.0, -2.0], rtol=1e-15)
    assert (det > 0).all() and torch.isfinite(det).all()


def test_newton_is_damped_where_the_hessian_is_not_positive_definite():
    surface = get_surface("saddle")
    run = descend(surface, "newton", 1.0, (0.5, 0.01), 1)
    hessian = torch.func.hessian(surface)(torch.tensor((0.5, 0.01), dtype=torch.float64)).numpy()
    smallest = np.linalg.eigvalsh(hessian)[0]
    assert smallest < 0 and run.state["damping"][0] == pytest.approx(1.0 - smallest)
    assert run.losses[1] < run.losses[0]  # undamped, Newton would step towards the saddle point


def test_with_zero_grad_p_grad_is_the_fresh_gradient():
    surface = get_surface("rosenbrock")
    run = descend(surface, "momentum", 0.001, (-1.2, 1.0), 30)
    fresh = np.array([HAND_GRADIENTS["rosenbrock"](x, y) for x, y in run.positions[:-1]])
    np.testing.assert_allclose(run.grads, fresh, rtol=1e-12)


def test_sgd_steps_are_exactly_minus_lr_times_the_gradient():
    run = descend(get_surface("bowl"), "sgd", 0.1, (1.0, -2.0), 5)
    # on x² + y² plain SGD multiplies the position by (1 - 2 lr) each step
    expected = np.array([(1.0, -2.0)]) * (0.8 ** np.arange(6))[:, None]
    np.testing.assert_allclose(run.positions, expected, rtol=1e-15)


# (optimizer, surface, lr, steps, largest distance from the minimum allowed at the end)
CONVERGENCE = [
    ("sgd", "bowl", 0.1, 200, 1e-9), ("momentum", "bowl", 0.1, 300, 1e-5),
    ("nesterov", "bowl", 0.1, 300, 1e-9), ("adagrad", "bowl", 0.5, 500, 1e-9),
    ("rmsprop", "bowl", 0.01, 500, 1e-9), ("adam", "bowl", 0.1, 500, 1e-9),
    ("adamw", "bowl", 0.1, 500, 1e-9),
    ("sgd", "rosenbrock", 0.002, 10000, 1e-3), ("momentum", "rosenbrock", 0.002, 3000, 1e-6),
    ("nesterov", "rosenbrock", 0.001, 3000, 1e-4), ("adagrad", "rosenbrock", 0.5, 10000, 1e-3),
    ("rmsprop", "rosenbrock", 0.0005, 10000, 2e-3), ("adam", "rosenbrock", 0.05, 3000, 1e-6),
    # decoupled weight decay pulls AdamW's resting point a little toward the origin
    ("adamw", "rosenbrock", 0.05, 3000, 0.1),
    ("adadelta", "bowl", 1.0, 500, 0.05), ("adamax", "bowl", 0.1, 500, 1e-9), ("asgd", "bowl", 0.1, 200, 1e-9),
    ("nadam", "bowl", 0.1, 500, 1e-9), ("radam", "bowl", 0.1, 500, 1e-9), ("rprop", "bowl", 0.1, 200, 1e-5),
    ("lbfgs", "bowl", 1.0, 10, 1e-12), ("newton", "bowl", 1.0, 1, 1e-15),
    ("adamax", "rosenbrock", 0.05, 3000, 0.1), ("asgd", "rosenbrock", 0.002, 10000, 1e-3),
    ("rprop", "rosenbrock", 0.01, 3000, 0.01), ("lbfgs", "rosenbrock", 1.0, 50, 1e-3),
    ("newton", "rosenbrock", 1.0, 30, 1e-6),
]


@pytest.mark.parametrize("optimizer, surface_name, lr, steps, tolerance", CONVERGENCE)
def test_convergence_matrix(optimizer, surface_name, lr, steps, tolerance):
    surface = get_surface(surface_name)
    start = (-1.2, 1.0) if surface_name == "rosenbrock" else surface.start
    run = descend(surface, optimizer, lr, start, steps)
    assert run.diverged_at is None
    distance = np.hypot(*(run.positions[-1] - surface.minima[0]))
    assert distance < tolerance
    assert run.losses[-1] < run.losses[0]


@pytest.mark.parametrize("lr", [1e-6, 1e-2, 1.0, 10.0, 1e3])
@pytest.mark.parametrize("surface_name", sorted(SURFACES))
def test_no_learning_rate_raises_and_divergence_is_cut(surface_name, lr):
    surface = get_surface(surface_name)
    runs = descend_many(surface, list(OPTIMIZERS), lr, surface.start, 60)
    for run in runs:
        assert np.isfinite(run.positions).all() and np.isfinite(run.losses).all()
        assert len(run.losses) == len(run.positions) == len(run.grads) + 1
        if run.diverged_at is None:
            assert run.steps_taken == 60
        else:
            assert len(run.positions) == run.diverged_at


def test_divergence_is_recorded_at_the_first_non_finite_step():
    # SGD with lr 1.5 on x² + y² doubles the distance each step: x_k = (-2)^k
    run = descend(get_surface("bowl"), "sgd", 1.5, (1.0, 1.0), 3000)
    # the loss 2·4^k, in exact integers, passes the largest float64 at the first non-finite loss
    first_overflow = next(k for k in range(3000) if 2 * 4**k > sys.float_info.max)
    assert run.diverged_at == first_overflow
    np.testing.assert_array_equal(run.positions[:, 0], (-2.0) ** np.arange(first_overflow))


@pytest.mark.parametrize("bad, message", [
    (dict(lr=0.0), "learning rate must be a positive number"),
    (dict(lr=-1.0), "learning rate must be a positive number"),
    (dict(lr=float("nan")), "learning rate must be a positive number"),
    (dict(lr=float("inf")), "learning rate must be a positive number"),
    (dict(steps=0), "steps must be a whole number from 1 to 100000"),
    (dict(steps=10**9), "steps must be a whole number"),
    (dict(steps=2.5), "steps must be a whole number"),
    (dict(start=(1.0, float("nan"))), "start must be two finite numbers"),
    (dict(start=(1.0,)), "start must be two numbers"),
    (dict(start=(1e200, 0.0)), "is not finite"),
    (dict(optimizer="bfgs"), "unknown optimizer 'bfgs'; choose one of: sgd, momentum"),
])
def test_bad_settings_get_a_clear_error(bad, message):
    settings = dict(optimizer="sgd", lr=0.1, start=(1.0, 1.0), steps=10) | bad
    with pytest.raises(LossMountainError, match=message):
        descend(get_surface("bowl"), **settings)


def test_runs_are_immutable_values():
    run = descend(get_surface("bowl"), "adam", 0.1, (1.0, 1.0), 5)
    with pytest.raises(ValueError):
        run.positions[0, 0] = 5.0
    with pytest.raises(AttributeError):
        run.lr = 1.0


def plain_loop_with_state(cls, kwargs, lr, start, steps, surface, clip_norm=None):
    """A plain loop that reads optimizer.state after each step, as the step-by-step panel shows it."""
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = cls([p], lr=lr, **kwargs)
    states, grads = [], []
    for _ in range(steps):
        opt.zero_grad()
        surface(p).backward()
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_([p], clip_norm)
        grads.append(p.grad.clone())
        opt.step()
        states.append({key: torch.as_tensor(value).clone() for key, value in opt.state[p].items()})
    return states, torch.stack(grads).numpy()


@pytest.mark.parametrize("optimizer, keys", [
    ("sgd", set()), ("momentum", {"momentum_buffer"}), ("adagrad", {"step", "sum"}),
    ("rmsprop", {"step", "square_avg"}), ("adam", {"step", "exp_avg", "exp_avg_sq"}),
])
def test_recorded_optimizer_state_equals_a_plain_loop(optimizer, keys):
    surface = get_surface("rosenbrock")
    run = descend(surface, optimizer, 0.001, (-1.2, 1.0), 25)
    cls, kwargs = REFERENCE_OPTIMIZERS[optimizer]
    states, _ = plain_loop_with_state(cls, kwargs, 0.001, (-1.2, 1.0), 25, surface)
    assert set(run.state) == keys
    for key in keys:
        np.testing.assert_array_equal(run.state[key], torch.stack([s[key] for s in states]).numpy())
    np.testing.assert_array_equal(run.lrs, np.full(25, 0.001))


def test_adam_step_count_and_moments_are_recorded():
    run = descend(get_surface("bowl"), "adam", 0.1, (1.0, -1.0), 3)
    np.testing.assert_array_equal(run.state["step"], [1.0, 2.0, 3.0])
    # first moment after one step: (1 − β1)·g with g = 2·(1, −1)
    np.testing.assert_allclose(run.state["exp_avg"][0], [0.2, -0.2])
    np.testing.assert_allclose(run.state["exp_avg_sq"][0], [0.004, 0.004])


def test_hyperparameter_overrides_and_clipping_equal_a_plain_loop():
    surface = get_surface("himmelblau")
    run = descend(surface, "adam", 0.05, (0.0, 0.0), 40, clip_norm=0.5,
                  hyperparameters={"betas": (0.5, 0.9), "weight_decay": 0.1, "amsgrad": True})
    states, grads = plain_loop_with_state(
        torch.optim.Adam, {"betas": (0.5, 0.9), "weight_decay": 0.1, "amsgrad": True}, 0.05, (0.0, 0.0),
        40, surface, clip_norm=0.5)
    np.testing.assert_array_equal(run.grads, grads)
    assert np.linalg.norm(run.grads, axis=1).max() <= 0.5 + 1e-12
    np.testing.assert_array_equal(run.state["max_exp_avg_sq"][-1], states[-1]["max_exp_avg_sq"].numpy())
    assert run.hyperparameters == {"betas": (0.5, 0.9), "eps": 1e-08, "weight_decay": 0.1, "amsgrad": True}


def test_fresh_gradients_are_the_hand_derived_ones():
    surface = get_surface("himmelblau")
    run = descend(surface, "sgd", 0.01, (0.0, 0.0), 30, zero_grad=False)
    expected = np.array([HAND_GRADIENTS["himmelblau"](x, y) for x, y in run.positions])
    np.testing.assert_allclose(gradients_at(surface, run.positions), expected, rtol=1e-12, atol=1e-12)


def test_the_hand_written_loop_without_grad_zero_is_sgd_without_zero_grad():
    # the classic first training loop, with the classic bug: no coeffs.grad.zero_()
    surface = get_surface("bowl")
    coeffs = torch.tensor((1.5, -1.0), dtype=torch.float64, requires_grad=True)
    path = [coeffs.detach().clone()]
    for _ in range(60):
        loss = surface(coeffs)
        loss.backward()
        with torch.no_grad():
            coeffs -= coeffs.grad * 0.05
        path.append(coeffs.detach().clone())
    run = descend(surface, "sgd", 0.05, (1.5, -1.0), 60, zero_grad=False)
    # torch.optim.SGD computes p − lr·g in one fused step, so the last digit may differ
    np.testing.assert_allclose(run.positions, torch.stack(path).numpy(), rtol=1e-12, atol=1e-12)
