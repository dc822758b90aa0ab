"""Optimizer hyperparameters: PyTorch's defaults, safe ranges, clear refusals."""

import pytest
import torch

from core import LossMountainError, get_optimizer


def test_defaults_are_pytorchs_unless_the_preset_sets_them():
    assert get_optimizer("sgd").defaults() == {"momentum": 0.0, "dampening": 0.0, "nesterov": False,
                                               "weight_decay": 0.0}
    assert get_optimizer("nesterov").defaults()["momentum"] == 0.9
    assert get_optimizer("adam").defaults() == {"betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0.0,
                                                "amsgrad": False}
    assert get_optimizer("adamw").defaults()["weight_decay"] == 0.01
    assert get_optimizer("rmsprop").defaults()["alpha"] == 0.99
    assert get_optimizer("adagrad").defaults()["lr_decay"] == 0.0


def test_overrides_reach_the_torch_optimizer():
    p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    optimizer = get_optimizer("rmsprop").make([p], 0.01, {"alpha": 0.9, "centered": True})
    group = optimizer.param_groups[0]
    assert group["alpha"] == 0.9 and group["centered"] is True and group["lr"] == 0.01


@pytest.mark.parametrize("name, overrides, message", [
    ("sgd", {"betas": (0.9, 0.99)}, "SGD has no hyperparameter 'betas'; it has: momentum"),
    ("sgd", {"momentum": 1.5}, "momentum must be from 0 to 0.999, got 1.5"),
    ("sgd", {"momentum": float("nan")}, "momentum must be a number"),
    ("sgd", {"nesterov": True}, "nesterov needs momentum above 0 and dampening 0"),
    ("nesterov", {"dampening": 0.1}, "nesterov needs momentum above 0 and dampening 0"),
    ("adam", {"betas": (0.9,)}, "betas must be two numbers"),
    ("adam", {"betas": (0.9, 1.0)}, "betas must be from 0 to 0.9999, got 1"),
    ("adam", {"eps": 0.0}, "eps must be from 1e-12 to 1"),
    ("adam", {"amsgrad": "yes"}, "amsgrad must be true or false"),
    ("adagrad", {"lr_decay": -1.0}, "lr_decay must be from 0 to 1"),
])
def test_out_of_range_settings_are_refused_clearly(name, overrides, message):
    with pytest.raises(LossMountainError, match=message.replace("(", r"\(").replace(")", r"\)")):
        get_optimizer(name).settings(overrides)
