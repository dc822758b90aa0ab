"""Per-ball learning rates: the vectorised rules equal torch.optim, one ball at a time, step by step."""

import numpy as np
import pytest
import torch

from core import OPTIMIZERS
from core.ballwise import BallwiseOptimizer, clip_rows_

# every optimizer with its defaults, and every hyperparameter switch that changes the code path
CASES = [(name, {}) for name in OPTIMIZERS] + [
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
