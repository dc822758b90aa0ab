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


class Newton(torch.optim.Optimizer):
    """Damped Newton steps, reading the gradient from p.grad; p is one ball (2,) or N balls (N, 2).

    Self-contained (its helpers are its own methods): show-the-code copies this class into the script."""

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

    @staticmethod
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

    @staticmethod
    def power_of_two_near(*columns: torch.Tensor) -> torch.Tensor:
        """Per row, the power of two just above the largest magnitude among `columns` (1 where all are 0):
        dividing by it is exact, so a formula scaled by it rounds as it would unscaled, but cannot overflow."""
        largest = torch.stack([column.abs() for column in columns]).amax(dim=0)
        _, exponent = torch.frexp(largest)
        return torch.ldexp(torch.ones_like(largest), exponent)

    @classmethod
    def smallest_eigenvalue(cls, a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """The smaller eigenvalue of each symmetric [[a, b], [b, c]], as LAPACK's dlaev2 finds it: the one
        of larger magnitude, (a + c ± √((a − c)² + 4b²))/2 with the sign of a + c (no cancellation), and the
        other as the determinant over it, accurate where the two are far apart (a ravine's 10²⁰ and 56:
        (a + c)/2 − √… would lose the small one). On the matrix scaled by a power of two (its squares
        cannot overflow), with correctly rounded operations only (no hypot, whose vectorised and scalar
        versions may differ in the last bit): a ball's value is the same alone or among thousands."""
        scale = cls.power_of_two_near(a, b, c)
        a, b, c = a / scale, b / scale, c / scale
        total, gap = a + c, a - c
        root = torch.sqrt(gap * gap + 4 * (b * b))
        # the eigenvalue of larger magnitude; with a + c = 0 the two are ±root/2
        larger = torch.where(total < 0, (total - root) / 2, (total + root) / 2)
        big, small = torch.where(a.abs() > c.abs(), a, c), torch.where(a.abs() > c.abs(), c, a)
        safe = torch.where(larger == 0, torch.ones_like(larger), larger)  # the zero matrix: both are 0
        other = torch.where(total == 0, -larger, (big / safe) * small - (b / safe) * b)
        return torch.minimum(larger, other) * scale

    @classmethod
    def solve(cls, a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, g0: torch.Tensor, g1: torch.Tensor,
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(d0, d1, det) with [[a, b], [b, c]] d = g for each row, by Cramer's rule on the matrix and the
        gradient each scaled by a power of two (exact): curvatures and accumulated gradients far past
        1e154 (zero_grad() forgotten) solve as LAPACK's would instead of overflowing. det is the scaled
        matrix's: 0 or not finite where the system is."""
        scale, size = cls.power_of_two_near(a, b, c), cls.power_of_two_near(g0, g1)
        a, b, c, g0, g1 = a / scale, b / scale, c / scale, g0 / size, g1 / size
        det = a * c - b * b
        back = size / scale
        return (c * g0 - b * g1) / det * back, (a * g1 - b * g0) / det * back, det

    def _step(self, p: torch.Tensor, lr: float, damping: float) -> None:
        hessians = self.row_hessians(self.loss_fn, p)
        # a 2 × 2 system in closed form, elementwise over the balls: LAPACK's batched eigvalsh and solve,
        # one small call per ball, took two thirds of a 100 × 100 Newton basins map; each entry as its own
        # contiguous (N,) tensor (strided views cost about four times as much an operation)
        a, upper, lower, c = hessians.reshape(-1, 4).T.contiguous()
        b = (upper + lower) / 2  # symmetric up to rounding: the mean of the two
        g0, g1 = p.grad.reshape(-1, 2).T.contiguous()
        smallest = self.smallest_eigenvalue(a, b, c)
        shift = torch.where(smallest < damping, damping - smallest, torch.zeros_like(smallest))
        # (H + λI) d = ∇f: its smallest eigenvalue is at least `damping` (but for the rounding of a shift
        # far bigger than damping, which can leave det of either sign: solved all the same, as LAPACK would)
        d0, d1, det = self.solve(a + shift, b, c + shift, g0, g1)
        # a ball whose curvature is not finite (det is then NaN or infinite), or whose system rounding made
        # singular, or whose step overflowed, has no Newton step: it leaves the finite numbers
        finite = (det != 0) & torch.isfinite(det) & torch.isfinite(d0) & torch.isfinite(d1)
        directions = torch.where(finite[:, None], torch.stack((d0, d1), dim=1), float("nan"))
        p.sub_(lr * directions.view_as(p))
        state = self.state[p]
        state["step"] = state.get("step", 0) + 1
        shape = p.shape[:-1]  # one number per ball
        state["damping"] = torch.where(finite, shift, torch.full_like(shift, float("nan"))).reshape(shape)
        state["smallest_curvature"] = torch.where(finite, smallest, torch.full_like(smallest, float("nan"))).reshape(shape)
