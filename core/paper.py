"""Paper versus PyTorch: four update rules as their papers write them, beside torch.optim's.

Each paper rule is written here as a plain loop on float64 tensors (no torch.optim), so a learner
can see where PyTorch's implementation agrees with the paper and where it does not:

- Momentum (Sutskever et al., 2013, eq. 1–2): v ← μ v − ε_t ∇f(θ), θ ← θ + v. PyTorch keeps
  b ← μ b + g and steps θ ← θ − lr_t b: the learning rate sits outside the buffer. Equal for a
  constant rate; under a schedule the paper's velocity still carries the old rates' steps.
- Nesterov (Sutskever et al., 2013, eq. 3–4): the gradient at the look-ahead point θ + μ v.
  PyTorch's parameter *is* that look-ahead point (Bengio et al.'s rewriting), so its ball is drawn
  μ v ahead of the paper's on every step, though both settle in the same place.
- Adam (Kingma & Ba, 2015, §2, the efficient form): α_t = α √(1 − β2ᵗ) / (1 − β1ᵗ),
  θ ← θ − α_t m / (√v + ε). PyTorch follows Algorithm 1, ε added after the bias correction of √v:
  the two differ only where √v is as small as ε.
- AdamW (Loshchilov & Hutter, 2019, Algorithm 2): θ ← θ − η_t (α m̂ / (√v̂ + ε) + λ θ), the decay
  scaled by the schedule multiplier η_t alone. PyTorch multiplies it by the learning rate:
  θ ← θ (1 − lr_t λ). With the same λ the paper decays 1/α times harder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .descent import descend
from .errors import LossMountainError, lookup
from .optimizers import get_optimizer
from .surfaces import Surface
from .sweep import lr_table


@dataclass(frozen=True)
class Rule:
    """One optimizer's update as its paper writes it and as torch.optim does (LaTeX), and where from."""

    optimizer: str
    paper: str
    pytorch: str
    source: str
    differs: str  # when the two part, in words


RULES: dict[str, Rule] = {rule.optimizer: rule for rule in (
    Rule("momentum",
         r"v \leftarrow \mu v - \varepsilon_t \nabla f(\theta),\quad \theta \leftarrow \theta + v",
         r"b \leftarrow \mu b + g,\quad \theta \leftarrow \theta - \mathrm{lr}_t\, b",
         "Sutskever, Martens, Dahl & Hinton (2013), eq. 1–2",
         "under a learning-rate schedule: the paper's velocity keeps the steps of earlier rates, PyTorch "
         "multiplies its whole buffer by today's rate"),
    Rule("nesterov",
         r"v \leftarrow \mu v - \varepsilon_t \nabla f(\theta + \mu v),\quad \theta \leftarrow \theta + v",
         r"b \leftarrow \mu b + g,\quad \theta \leftarrow \theta - \mathrm{lr}_t\,(g + \mu b)",
         "Sutskever, Martens, Dahl & Hinton (2013), eq. 3–4",
         "on every step: PyTorch's parameter is the paper's look-ahead point θ + μv, so its ball runs ahead"),
    Rule("adam",
         r"\alpha_t = \alpha\,\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t},\quad "
         r"\theta \leftarrow \theta - \alpha_t\,\frac{m}{\sqrt{v} + \epsilon}",
         r"\theta \leftarrow \theta - \frac{\mathrm{lr}}{1-\beta_1^t}\,"
         r"\frac{m}{\sqrt{v}/\sqrt{1-\beta_2^t} + \epsilon}",
         "Kingma & Ba (2015), §2 (the efficient form; Algorithm 1 is PyTorch's)",
         "where the gradient is as small as ε: the efficient form's ε is, in effect, ε·√(1−β2ᵗ)"),
    Rule("adamw",
         r"\theta \leftarrow \theta - \eta_t\left(\alpha\,\frac{\hat m}{\sqrt{\hat v} + \epsilon} + \lambda\,\theta\right)",
         r"\theta \leftarrow \theta\,(1 - \mathrm{lr}_t\,\lambda) - \mathrm{lr}_t\,\frac{\hat m}{\sqrt{\hat v} + \epsilon}",
         "Loshchilov & Hutter (2019), Algorithm 2",
         "whenever the learning rate is not 1: the paper decays by η_t λ θ, PyTorch by lr_t λ θ (the same λ "
         "decays 1/lr times harder in the paper)"),
)}


@dataclass(frozen=True, eq=False)
class Comparison:
    """PyTorch's path and the paper's from the same start (each (steps + 1, 2), cut where it left the
    finite numbers), the largest distance between the two balls over the steps both took and the step
    it came at, and their distance at the last step both took. relative: the largest distance as a
    share of the balls' own distance from the origin (at least 1) that step: rounding shows as ~1e-16."""

    rule: Rule
    pytorch: np.ndarray
    paper: np.ndarray
    largest: float
    largest_at: int
    final: float
    relative: float


def _loss_and_grad(surface: Surface, theta: torch.Tensor) -> tuple[float, torch.Tensor]:
    p = theta.detach().clone().requires_grad_(True)
    loss = surface(p)
    loss.backward()
    return float(loss.detach()), p.grad


def paper_path(surface: Surface, optimizer: str, lr: float, start: Sequence[float], steps: int,
               schedule: str = "constant") -> np.ndarray:
    """The paper's rule for `optimizer` (one of RULES) from `start`, with torch.optim's default or
    preset hyperparameters and the schedule's learning rate each step; returns (k + 1, 2) positions."""
    lookup(RULES, optimizer, "paper rule")
    settings = get_optimizer(optimizer).settings()
    rates = lr_table(schedule, np.array([float(lr)]), steps)[:, 0]
    theta = torch.tensor(start, dtype=torch.float64)
    velocity = torch.zeros_like(theta)
    m, v = torch.zeros_like(theta), torch.zeros_like(theta)
    path = [theta.clone()]
    for t, rate in enumerate(rates, start=1):
        if optimizer in ("momentum", "nesterov"):
            mu = settings["momentum"]
            ahead = theta + mu * velocity if optimizer == "nesterov" else theta
            _, g = _loss_and_grad(surface, ahead)
            velocity = mu * velocity - rate * g
            theta = theta + velocity
        else:
            beta1, beta2 = settings["betas"]
            _, g = _loss_and_grad(surface, theta)
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            if optimizer == "adam":
                alpha_t = rate * (1 - beta2**t) ** 0.5 / (1 - beta1**t)
                theta = theta - alpha_t * m / (v.sqrt() + settings["eps"])
            else:  # AdamW: η_t is the schedule's multiplier of the base rate α = lr
                eta = rate / lr
                m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
                theta = theta - eta * (lr * m_hat / (v_hat.sqrt() + settings["eps"])
                                       + settings["weight_decay"] * theta)
        if not bool(torch.isfinite(theta).all()):
            break
        path.append(theta.clone())
    path = torch.stack(path)
    # cut where the loss stops being a number, as core.descend cuts a run
    with torch.no_grad():
        finite = torch.isfinite(surface(path))
    return path[:int(finite.logical_not().nonzero()[0]) if not bool(finite.all()) else len(path)].numpy()


def compare(surface: Surface, optimizer: str, lr: float, start: Sequence[float], steps: int,
            schedule: str = "constant") -> Comparison:
    """PyTorch's run (core.descend, the optimizer's preset settings) beside the paper's rule."""
    rule = lookup(RULES, optimizer, "paper rule")
    pytorch = descend(surface, optimizer, lr, start, steps, schedule=schedule).positions
    paper = paper_path(surface, optimizer, lr, start, steps, schedule)
    both = min(len(pytorch), len(paper))
    if both < 1:
        raise LossMountainError("neither ball has a position to compare")
    gaps = np.hypot(*(pytorch[:both] - paper[:both]).T)
    at = int(np.argmax(gaps))
    scale = np.maximum(np.hypot(*pytorch[:both].T), 1.0)
    return Comparison(rule, pytorch, paper, float(gaps[at]), at, float(gaps[-1]), float(np.max(gaps / scale)))
