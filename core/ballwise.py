"""torch.optim's update rules for many balls at once, each with its own learning rate.

A torch.optim optimizer has one learning rate per parameter group, so a learning-rate
sweep would need one group (and one Python-level update) per rate. Here one (N, 2) tensor
holds every ball and `lr` is an (N, 1) column. Each rule repeats, operation for operation,
the single-tensor code path torch.optim takes on the CPU (torch/optim/{sgd,adagrad,rmsprop,
adam,adadelta,adamax,asgd,nadam,radam,rprop}.py), with only the learning-rate products written
as tensors; tests/test_ballwise.py checks every optimizer and hyperparameter against torch.optim
step by step. Only elementwise optimizers qualify: L-BFGS and Newton mix a ball's coordinates
(and need a closure or the loss), so every ball needs its own instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from .errors import LossMountainError
from .optimizers import OptimizerSpec


def _scalar_dtype() -> torch.dtype:
    """The dtype torch.optim keeps its scalar state in (step, ASGD's eta and mu, NAdam's mu_product)."""
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


# the torch.optim classes whose rule BallwiseOptimizer repeats, by the class itself: pytorch-optimizer
# has classes of the same names (RAdam, AdaDelta, …) with other rules
RULES: dict[type, str] = {cls: "_" + cls.__name__.lower() for cls in (
    torch.optim.SGD, torch.optim.Adagrad, torch.optim.RMSprop, torch.optim.Adam, torch.optim.AdamW,
    torch.optim.Adadelta, torch.optim.Adamax, torch.optim.ASGD, torch.optim.NAdam, torch.optim.RAdam,
    torch.optim.Rprop)}


def has_ballwise_rule(spec: OptimizerSpec) -> bool:
    """Whether BallwiseOptimizer repeats this optimizer's update with a learning rate per ball."""
    return spec.cls in RULES


class BallwiseOptimizer:
    """One optimizer's state for N balls; `step(param, grad, lr)` updates param (N, 2) in place."""

    def __init__(self, spec: OptimizerSpec, like: torch.Tensor, overrides: Mapping[str, Any] | None = None):
        if not has_ballwise_rule(spec):
            raise LossMountainError(
                f"{spec.label} has no rule here for a learning rate per ball: each rate needs its own optimizer")
        self.spec = spec
        self.kind = spec.cls.__name__
        self.settings = spec.settings(overrides)
        self.steps_taken = 0
        self._update = getattr(self, RULES[spec.cls])  # looked up once, not every step
        zeros = torch.zeros_like(like)
        # the state torch.optim keeps for each parameter, one row per ball
        self.buffer: torch.Tensor | None = None  # SGD / RMSprop momentum_buffer (SGD's starts empty)
        # Adagrad sum, RMSprop / Adadelta square_avg, Adam / NAdam / RAdam exp_avg_sq
        self.square = zeros.clone()
        # RMSprop grad_avg, Adam / Adamax / NAdam / RAdam exp_avg, ASGD ax (the averaged weights)
        self.average = zeros.clone()
        self.max_square = zeros.clone()  # Adam max_exp_avg_sq (amsgrad), Adamax exp_inf
        if self.kind == "RMSprop" and self.settings["momentum"] > 0:
            self.buffer = zeros.clone()
        if self.kind == "Adadelta":
            self.delta_square = zeros.clone()  # acc_delta
        if self.kind == "ASGD":
            self.eta: torch.Tensor | None = None  # per ball, set from lr at the first step (as torch's state)
            self.mu = torch.ones((), dtype=_scalar_dtype())  # the same for every ball: it depends on the step only
        if self.kind == "NAdam":
            self.mu_product = torch.ones((), dtype=_scalar_dtype())  # the same for every ball
        if self.kind == "Rprop":
            self.previous = zeros.clone()  # prev: the last gradient (0 where its sign flipped)
            self.step_size: torch.Tensor | None = None  # lr per ball at the first step, as torch's state

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

    def _adadelta(self, param, grad, lr):
        s = self.settings
        rho, eps = s["rho"], s["eps"]
        if s["weight_decay"] != 0:
            grad = grad.add(param, alpha=s["weight_decay"])
        self.square.mul_(rho).addcmul_(grad, grad, value=1 - rho)
        std = self.square.add(eps).sqrt_()
        delta = self.delta_square.add(eps).sqrt_()
        delta.div_(std).mul_(grad)
        self.delta_square.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        param.addcmul_(delta, -lr)  # = add_(delta, alpha=-lr)

    def _adamax(self, param, grad, lr):
        s = self.settings
        beta1, beta2 = s["betas"]
        if s["weight_decay"] != 0:
            grad = grad.add(param, alpha=s["weight_decay"])
        self.average.lerp_(grad, 1 - beta1)
        torch.maximum(self.max_square.mul_(beta2), grad.abs().add_(s["eps"]), out=self.max_square)
        clr = lr / (1 - beta1 ** float(self.steps_taken))
        param.add_(-clr * self.average / self.max_square)  # = addcdiv_(value=-clr): (value·t1)/t2, then +

    def _asgd(self, param, grad, lr):
        s = self.settings
        lambd, alpha = s["lambd"], s["alpha"]
        if self.eta is None:
            self.eta = lr.to(_scalar_dtype(), copy=True)  # torch keeps eta as a float32 scalar (by default)
        if s["weight_decay"] != 0:
            grad = grad.add(param, alpha=s["weight_decay"])
        eta = self.eta.to(param.dtype)  # torch reads eta.item(): the float32 value as a Python float
        param.mul_(1 - lambd * eta)
        param.addcmul_(grad, -eta)  # = add_(grad, alpha=-eta)
        mu = self.mu.item()
        if mu != 1:
            self.average.add_(param.sub(self.average).mul_(mu))
        else:
            self.average.copy_(param)
        step = float(self.steps_taken)
        # Python floats as torch does: a tensor's ** may round differently from libm's pow
        etas = [rate / ((1 + lambd * rate * step) ** alpha) for rate in lr.reshape(-1).tolist()]
        # torch.as_tensor makes the default dtype, which copy_ casts to eta's
        self.eta.copy_(torch.tensor(etas).view_as(self.eta))
        self.mu.copy_(torch.as_tensor(1 / max(1, step - s["t0"])))

    def _nadam(self, param, grad, lr):
        s = self.settings
        beta1, beta2 = s["betas"]
        step = float(self.steps_taken)
        bias_correction2 = 1 - beta2**step
        if s["weight_decay"] != 0:
            if s["decoupled_weight_decay"]:
                param.mul_(1 - lr * s["weight_decay"])
            else:
                grad = grad.add(param, alpha=s["weight_decay"])
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * s["momentum_decay"])))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * s["momentum_decay"])))
        self.mu_product *= mu  # a float32 tensor times a Python float, as torch's state (rounds to float32)
        self.average.lerp_(grad, 1 - beta1)
        self.square.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = self.square.div(bias_correction2).sqrt()
        mu_product = self.mu_product.item()
        mu_product_next = mu_product * mu_next
        denom.add_(s["eps"])
        # addcdiv_(value=v) computes (v·t1)/t2, then adds
        param.add_(-lr * (1.0 - mu) / (1.0 - mu_product) * grad / denom)
        param.add_((-lr * mu_next) / (1.0 - mu_product_next) * self.average / denom)

    def _radam(self, param, grad, lr):
        s = self.settings
        beta1, beta2 = s["betas"]
        step = float(self.steps_taken)
        if s["weight_decay"] != 0:
            if s["decoupled_weight_decay"]:
                param.mul_(1 - lr * s["weight_decay"])
            else:
                grad = grad.add(param, alpha=s["weight_decay"])
        self.average.lerp_(grad, 1 - beta1)
        self.square.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        bias_corrected = self.average / bias_correction1
        # the rectification depends on the step only: one branch for every ball
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive_lr = (bias_correction2**0.5) / self.square.sqrt().add_(s["eps"])
            param.add_(bias_corrected * lr * adaptive_lr * rect, alpha=-1.0)
        else:
            param.add_(bias_corrected * lr, alpha=-1.0)

    def _rprop(self, param, grad, lr):
        s = self.settings
        etaminus, etaplus = s["etas"]
        if self.step_size is None:
            self.step_size = lr.to(param.dtype).expand_as(param).clone()  # torch: full_like(grad, lr) at the first step
        sign = grad.mul(self.previous).sign()
        sign[sign.gt(0)] = etaplus
        sign[sign.lt(0)] = etaminus
        sign[sign.eq(0)] = 1
        self.step_size.mul_(sign).clamp_(*s["step_sizes"])
        grad = grad.clone()
        grad[sign.eq(etaminus)] = 0  # after a sign flip: no step now, and no flip seen next time
        param.addcmul_(grad.sign(), self.step_size, value=-1)
        self.previous.copy_(grad)


def clip_rows_(grad: torch.Tensor, max_norm: float) -> None:
    """torch.nn.utils.clip_grad_norm_ applied to each ball's (row's) gradient on its own."""
    norms = torch.linalg.vector_norm(grad, dim=1, keepdim=True)
    grad.mul_(torch.clamp(max_norm / (norms + 1e-6), max=1.0))
