"""Newton's method as a torch.optim-style optimizer: the reference the other balls are judged by.

Each step solves H d = ∇f with the exact Hessian (torch.autograd.functional.hessian of the loss at
the parameter) and moves p ← p − lr·d; with lr = 1 it lands on the minimum of the local quadratic
model, so on a quadratic bowl it arrives in one step. Where H is not positive definite (its
smallest eigenvalue μ < damping) the step solves (H + λI) d = ∇f with λ = damping − μ instead, so
it never climbs towards a maximum or a saddle; λ is kept in the state as "damping".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch


class Newton(torch.optim.Optimizer):
    """Damped Newton steps on one parameter tensor, reading the gradient from p.grad."""

    def __init__(self, params: Iterable[torch.Tensor], loss_fn: Callable[[torch.Tensor], torch.Tensor],
                 lr: float = 1.0, damping: float = 1.0) -> None:
        if not damping > 0:
            raise ValueError(f"damping must be positive, got {damping}")
        super().__init__(params, dict(lr=lr, damping=damping))
        self.loss_fn = loss_fn

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                with torch.enable_grad():
                    hessian = torch.autograd.functional.hessian(
                        lambda q: self.loss_fn(q.view_as(p)), p.detach().reshape(-1))
                hessian = (hessian + hessian.T) / 2  # symmetric up to rounding; eigvalsh wants it exactly
                smallest = float(torch.linalg.eigvalsh(hessian)[0])
                # NaN curvature stays NaN: the ball leaves the finite numbers, as any optimizer's would
                shift = group["damping"] - smallest if smallest < group["damping"] else 0.0
                eye = torch.eye(len(hessian), dtype=hessian.dtype)
                try:
                    direction = torch.linalg.solve(hessian + shift * eye, p.grad.reshape(-1))
                except torch.linalg.LinAlgError:  # a curvature that overflowed: the step has no number
                    direction = torch.full_like(p.grad.reshape(-1), float("nan"))
                p.sub_(group["lr"] * direction.view_as(p))
                state = self.state[p]
                state["step"] = state.get("step", 0) + 1
                state["damping"] = torch.tensor(shift, dtype=p.dtype)
                state["smallest_curvature"] = torch.tensor(smallest, dtype=p.dtype)
        return loss
