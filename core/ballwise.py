"""torch.optim's update rules for many balls at once, each with its own learning rate.

A torch.optim optimizer has one learning rate per parameter group, so a learning-rate
sweep would need one group (and one Python-level update) per rate. Here one (N, 2) tensor
holds every ball and `lr` is an (N, 1) column. Each rule repeats, operation for operation,
the single-tensor code path torch.optim takes on the CPU (torch/optim/{sgd,adagrad,rmsprop,
adam}.py), with only the learning-rate products written as tensors; tests/test_ballwise.py
checks every optimizer and hyperparameter against torch.optim step by step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from .optimizers import OptimizerSpec


class BallwiseOptimizer:
    """One optimizer's state for N balls; `step(param, grad, lr)` updates param (N, 2) in place."""

    def __init__(self, spec: OptimizerSpec, like: torch.Tensor, overrides: Mapping[str, Any] | None = None):
        self.spec = spec
        self.kind = spec.cls.__name__
        self.settings = spec.settings(overrides)
        self.steps_taken = 0
        self._update = getattr(self, "_" + self.kind.lower())  # looked up once, not every step
        zeros = torch.zeros_like(like)
        # the state torch.optim keeps for each parameter, one row per ball
        self.buffer: torch.Tensor | None = None  # SGD / RMSprop momentum_buffer (SGD's starts empty)
        self.square = zeros.clone()  # Adagrad sum, RMSprop square_avg, Adam exp_avg_sq
        self.average = zeros.clone()  # RMSprop grad_avg, Adam exp_avg
        self.max_square = zeros.clone()  # Adam max_exp_avg_sq (amsgrad)
        if self.kind == "RMSprop" and self.settings["momentum"] > 0:
            self.buffer = zeros.clone()

    def step(self, param: torch.Tensor, grad: torch.Tensor, lr: torch.Tensor) -> None:
        """One torch.optim step for every ball: param (N, 2), grad (N, 2), lr (N, 1)."""
        self.steps_taken += 1
        self._update(param, grad, lr)

    def _sgd(self, param, grad, lr):
        s = self.settings
        if s["weight_decay"] != 0:
            grad = grad.add(param, alpha=s["weight_decay"])
        if s["momentum"] != 0:
            if self.buffer is None:
                self.buffer = grad.detach().clone()
            else:
                self.buffer.mul_(s["momentum"]).add_(grad, alpha=1 - s["dampening"])
            grad = grad.add(self.buffer, alpha=s["momentum"]) if s["nesterov"] else self.buffer
        param.addcmul_(grad, -lr)  # = add_(grad, alpha=-lr), same rounding (a fused multiply-add)

    def _adagrad(self, param, grad, lr):
        s = self.settings
        if s["weight_decay"] != 0:
            grad = grad.add(param, alpha=s["weight_decay"])
        clr = lr / (1 + (float(self.steps_taken) - 1) * s["lr_decay"])
        self.square.addcmul_(grad, grad, value=1)
        std = self.square.sqrt().add_(s["eps"])
        param.add_(-clr * grad / std)

    def _rmsprop(self, param, grad, lr):
        s = self.settings
        alpha = s["alpha"]
        if s["weight_decay"] != 0:
            grad = grad.add(param, alpha=s["weight_decay"])
        self.square.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if s["centered"]:
            self.average.lerp_(grad, 1 - alpha)
            avg = self.square.addcmul(self.average, self.average, value=-1).sqrt_()
        else:
            avg = self.square.sqrt()
        avg = avg.add_(s["eps"])
        if s["momentum"] > 0:
            self.buffer.mul_(s["momentum"]).addcdiv_(grad, avg)
            param.addcmul_(self.buffer, -lr)
        else:
            param.add_(-lr * grad / avg)

    def _adam(self, param, grad, lr, decoupled: bool = False):
        s = self.settings
        beta1, beta2 = s["betas"]
        if s["weight_decay"] != 0:
            if decoupled:
                param.mul_(1 - lr * s["weight_decay"])
            else:
                grad = grad.add(param, alpha=s["weight_decay"])
        self.average.lerp_(grad, 1 - beta1)
        self.square.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        step = float(self.steps_taken)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        if s["amsgrad"]:
            torch.maximum(self.max_square, self.square, out=self.max_square)
            denom = (self.max_square.sqrt() / bias_correction2**0.5).add_(s["eps"])
        else:
            denom = (self.square.sqrt() / bias_correction2**0.5).add_(s["eps"])
        param.add_(-step_size * self.average / denom)

    def _adamw(self, param, grad, lr):
        self._adam(param, grad, lr, decoupled=True)


def clip_rows_(grad: torch.Tensor, max_norm: float) -> None:
    """torch.nn.utils.clip_grad_norm_ applied to each ball's (row's) gradient on its own."""
    norms = torch.linalg.vector_norm(grad, dim=1, keepdim=True)
    grad.mul_(torch.clamp(max_norm / (norms + 1e-6), max=1.0))
