"""Per-ball learning rates: the vectorised rules equal torch.optim, one ball at a time, step by step."""

import numpy as np
import pytest
import torch

from core import OPTIMIZERS
from core.ballwise import BallwiseOptimizer, clip_rows_, has_ballwise_rule
from core.errors import LossMountainError

# every elementwise optimizer with its defaults, and every hyperparameter switch that changes the code path
CASES = [(name, {}) for name in OPTIMIZERS if has_ballwise_rule(OPTIMIZERS[name])] + [
    ("sgd", {"weight_decay": 0.1}),
    ("momentum", {"dampening": 0.3, "weight_decay": 0.05}),
    ("nesterov", {"momentum": 0.5}),
    ("adagrad", {"lr_decay": 0.01, "weight_decay": 0.02, "eps": 1e-6}),
    ("rmsprop", {"momentum": 0.8}),
    ("rmsprop", {"centered": True, "alpha": 0.9}),
    ("rmsprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("adam", {"amsgrad": True, "betas": (0.8, 0.95)}),
    ("adam", {"weight_decay": 0.1}),
    ("adamw", {"amsgrad": True, "weight_decay": 0.3}),
    ("adadelta", {"weight_decay": 0.1, "rho": 0.5, "eps": 1e-3}),
    ("adamax", {"weight_decay": 0.2, "betas": (0.5, 0.99)}),
    ("asgd", {"t0": 5.0}),  # averaging (mu < 1) starts after step 5
    ("asgd", {"t0": 3.0, "lambd": 0.9, "alpha": 0.5, "weight_decay": 0.1}),
    ("nadam", {"weight_decay": 0.1, "decoupled_weight_decay": True, "momentum_decay": 0.9}),
    ("nadam", {"weight_decay": 0.05, "betas": (0.7, 0.9)}),
    ("radam", {"weight_decay": 0.1}),
    ("radam", {"weight_decay": 0.1, "decoupled_weight_decay": True, "betas": (0.5, 0.99)}),
    ("rprop", {"etas": (0.3, 1.7), "step_sizes": (1e-3, 0.5)}),
    ("rprop", {"etas": (0.9, 1.1), "step_sizes": (0.0, 1000.0)}),
]


@pytest.mark.parametrize("name, overrides", CASES)
def test_each_ball_steps_exactly_like_its_own_torch_optim(name, overrides):
    spec = OPTIMIZERS[name]
    rng = np.random.default_rng(7)
    lrs = np.logspace(-4, 0.5, 9)
    starts = rng.normal(size=(len(lrs), 2))
    # the reference: one parameter and one torch.optim optimizer per ball, as in a solo run
    solo = [torch.tensor(start, requires_grad=True) for start in starts]
    optimizers = [spec.make([p], float(lr), overrides) for p, lr in zip(solo, lrs)]
    batch = torch.tensor(starts)
    ballwise = BallwiseOptimizer(spec, batch, overrides)
    lr_column = torch.tensor(lrs)[:, None]
    for _ in range(25):
        grads = torch.tensor(rng.normal(size=starts.shape) * rng.uniform(0.01, 10))
        for p, optimizer, grad in zip(solo, optimizers, grads):
            p.grad = grad.clone()
            optimizer.step()
        ballwise.step(batch, grads.clone(), lr_column)
        np.testing.assert_array_equal(batch.numpy(), torch.stack([p.detach() for p in solo]).numpy())
    if name == "asgd":  # the averaged weights too, which the update itself never reads
        axs = torch.stack([optimizer.state[p]["ax"] for p, optimizer in zip(solo, optimizers)])
        np.testing.assert_array_equal(ballwise.average.numpy(), axs.numpy())


def test_radam_steps_both_before_and_after_its_rectification_starts():
    # the 25 steps of the test above cover both branches of RAdam's rho_t > 5 with its default betas
    beta2 = OPTIMIZERS["radam"].settings()["betas"][1]
    rho_inf = 2 / (1 - beta2) - 1
    rho = [rho_inf - 2 * t * beta2**t / (1 - beta2**t) for t in range(1, 26)]
    assert rho[0] <= 5 < rho[-1]


def test_an_optimizer_without_a_per_ball_rule_is_refused():
    assert [name for name in OPTIMIZERS if not has_ballwise_rule(OPTIMIZERS[name])] == ["lbfgs", "newton"]
    for name in ("lbfgs", "newton"):
        with pytest.raises(LossMountainError, match="no rule here for a learning rate per ball"):
            BallwiseOptimizer(OPTIMIZERS[name], torch.zeros(3, 2, dtype=torch.float64))


def test_rows_are_clipped_like_clip_grad_norm():
    rng = np.random.default_rng(3)
    grads = torch.tensor(rng.normal(size=(50, 2)) * rng.uniform(0.01, 100, (50, 1)))
    expected = []
    for row in grads:
        p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
        p.grad = row.clone()
        torch.nn.utils.clip_grad_norm_([p], 1.5)
        expected.append(p.grad)
    clipped = grads.clone()
    clip_rows_(clipped, 1.5)
    np.testing.assert_array_equal(clipped.numpy(), torch.stack(expected).numpy())
