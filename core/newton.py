"""Newton's method as a torch.optim-style optimizer: the reference the other balls are judged by.

Each step solves H d = ∇f with the exact Hessian of the loss at the parameter (by double
backward, equal to torch.autograd.functional.hessian's) and moves p ← p − lr·d; with lr = 1 it
lands on the minimum of the local quadratic model, so on a quadratic bowl it arrives in one step.
Where H is not positive definite (its smallest eigenvalue μ < damping) the step solves
(H + λI) d = ∇f with λ = damping − μ instead, so it never climbs towards a maximum or a saddle;
λ is kept in the state as "damping".

A parameter of shape (N, 2) is N balls, one per row, each with its own loss loss_fn(p)[i], its
own 2 × 2 Hessian and its own damping: one instance moves each ball exactly as it would alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch


def row_hessians(loss_fn: Callable[[torch.Tensor], torch.Tensor], at: torch.Tensor) -> torch.Tensor:
    """(N, 2, 2): the Hessian of each row's loss at each row of `at` (N, 2); a (2,) point gives (1, 2, 2)."""
    q = at.detach().reshape(-1, at.shape[-1]).requires_grad_(True)
    with torch.enable_grad():
        loss = loss_fn(q if at.dim() > 1 else q[0])
        # each row's loss depends on its own row only, so one backward of the sum gives every row's gradient
        (grad,) = torch.autograd.grad(loss.sum(), q, create_graph=True)
        rows = [torch.autograd.grad(grad[:, i].sum(), q, retain_graph=True, allow_unused=True)[0]
                for i in range(q.shape[1])]
    rows = [torch.zeros_like(q) if row is None else row for row in rows]  # a linear loss: no curvature
    return torch.stack(rows, dim=1).detach()


class Newton(torch.optim.Optimizer):
    """Damped Newton steps, reading the gradient from p.grad; p is one ball (2,) or N balls (N, 2)."""

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
                if p.grad is not None:
                    self._step(p, group["lr"], group["damping"])
        return loss

    def _step(self, p: torch.Tensor, lr: float, damping: float) -> None:
        hessians = row_hessians(self.loss_fn, p)
        hessians = (hessians + hessians.transpose(1, 2)) / 2  # symmetric up to rounding; eigvalsh wants it exactly
        grads = p.grad.reshape(hessians.shape[:2])
        finite = torch.isfinite(hessians).all(dim=(1, 2))
        # a ball whose curvature overflowed has no Newton step: it leaves the finite numbers
        safe = torch.where(finite[:, None, None], hessians, torch.eye(2, dtype=p.dtype))
        smallest = torch.linalg.eigvalsh(safe)[:, 0]
        shift = torch.where(smallest < damping, damping - smallest, torch.zeros_like(smallest))
        # solve_ex flags a system that rounding made singular (curvatures near overflow) instead of raising
        directions, info = torch.linalg.solve_ex(safe + shift[:, None, None] * torch.eye(2, dtype=p.dtype), grads)
        finite = finite & (info == 0)
        directions = torch.where(finite[:, None], directions, torch.full_like(directions, float("nan")))
        p.sub_(lr * directions.view_as(p))
        state = self.state[p]
        state["step"] = state.get("step", 0) + 1
        shape = p.shape[:-1]  # one number per ball
        state["damping"] = torch.where(finite, shift, torch.full_like(shift, float("nan"))).reshape(shape)
        state["smallest_curvature"] = torch.where(finite, smallest, torch.full_like(smallest, float("nan"))).reshape(shape)
