"""Losses of real data: fit a line or a quadratic to noisy points with torch.optim, in full
batch or mini-batches, with zero_grad() done right, forgotten, or gradient accumulation.

The mountain is the mean squared error over the coefficients; for a quadratic the third
coefficient is held at its best value on the drawn slice, while the run trains all three.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np
import torch

from .errors import LossMountainError
from .wording import quoted
from .optimizers import get_optimizer

MODELS = {"line": ("slope", "intercept"), "quadratic": ("a", "b", "c")}
MODES = ("zero_grad", "forget", "accumulate")
MAX_POINTS = 10_000
MAX_UPLOAD_BYTES = 1_000_000
# predictions a grid of coefficients holds at once in mse (4 million float64: 32 MB)
MSE_SLAB = 4_000_000
MAX_FIT_STEPS = 2000


@dataclass(frozen=True, eq=False)
class Data:
    x: np.ndarray
    y: np.ndarray
    source: str


def noisy_points(model: str = "line", n: int = 60, seed: int = 0) -> Data:
    """Seeded noisy points: y = 2x + 1 (x around 4, far from 0) or y = 0.5x² − x + 2."""
    generator = torch.Generator().manual_seed(seed)
    if model == "line":
        x = 2 + 4 * torch.rand(n, generator=generator, dtype=torch.float64)
        y = 2 * x + 1 + 0.6 * torch.randn(n, generator=generator, dtype=torch.float64)
    else:
        x = -3 + 6 * torch.rand(n, generator=generator, dtype=torch.float64)
        y = 0.5 * x**2 - x + 2 + 0.4 * torch.randn(n, generator=generator, dtype=torch.float64)
    return Data(x.numpy(), y.numpy(), f"{n} noisy points (seed {seed})")


def read_csv(content: bytes) -> Data:
    """Points from a CSV of two numeric columns x, y (a header row is fine); clear errors otherwise."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise LossMountainError(f"the file is {len(content) / 1e6:.1f} MB; keep it under 1 MB")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LossMountainError("the file is not text: save it as CSV (comma-separated) in UTF-8") from None
    reader = csv.reader(io.StringIO(text))
    try:
        rows = [(number, row) for number, row in enumerate(reader, start=1) if any(cell.strip() for cell in row)]
    except csv.Error as error:  # a field over the csv module's limit, a NUL byte, a stray quote…
        raise LossMountainError(f"line {reader.line_num} of the file cannot be read as CSV ({error})") from None
    if rows and not _numbers(rows[0][1]):
        rows = rows[1:]  # a header
    points = []
    for number, row in rows:
        values = _numbers(row)
        if values is None or len(values) != 2:
            shown = ", ".join(quoted(cell) for cell in row[:4]) + (", …" if len(row) > 4 else "")
            raise LossMountainError(f"row {number} should hold two numbers x, y; it holds {shown or 'nothing'}")
        points.append(values)
    if not 3 <= len(points) <= MAX_POINTS:
        raise LossMountainError(f"the file has {len(points)} points; use 3 to {MAX_POINTS}")
    array = np.array(points)
    if not np.isfinite(array).all() or np.abs(array).max() > 1e6:
        raise LossMountainError("every x and y must be a finite number between -1e6 and 1e6")
    return Data(array[:, 0], array[:, 1], f"{len(points)} points from your file")


def _numbers(row: list[str]) -> list[float] | None:
    try:
        return [float(cell) for cell in row if cell.strip()]
    except ValueError:
        return None


def features(x: torch.Tensor, model: str, centre: float) -> torch.Tensor:
    """The model's inputs per point: (x − centre, 1) for a line, (x², x, 1) for a quadratic."""
    shifted = x - centre
    if model == "line":
        return torch.stack((shifted, torch.ones_like(x)), dim=-1)
    return torch.stack((shifted**2, shifted, torch.ones_like(x)), dim=-1)


def mse(coefficients: torch.Tensor, inputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error for coefficients (..., k) over points inputs (n, k), y (n,). A grid of
    coefficients is taken a slab at a time, so no more than MSE_SLAB predictions are held at once
    (81 × 81 coefficients over 10,000 points would be 525 MB an array); each row's mean is the same."""
    rows = coefficients.reshape(-1, coefficients.shape[-1])
    per_slab = max(1, MSE_SLAB // max(len(y), 1))
    if coefficients.dim() == 1 or len(rows) <= per_slab:
        return ((coefficients @ inputs.T - y) ** 2).mean(dim=-1)
    slabs = [((slab @ inputs.T - y) ** 2).mean(dim=-1) for slab in rows.split(per_slab)]
    return torch.cat(slabs).reshape(coefficients.shape[:-1])


@dataclass(frozen=True, eq=False)
class Fit:
    """A training run: coefficients (steps + 1, k) after every optimizer step, the full-data
    loss there, the best coefficients (least squares) and the settings that made it."""

    model: str
    names: tuple[str, ...]
    centre: float
    coefficients: np.ndarray
    losses: np.ndarray
    best: np.ndarray
    diverged_at: int | None


def fit(
    data: Data, model: str = "line", optimizer: str = "sgd", lr: float = 0.01, steps: int = 200,
    batch_size: int | None = None, mode: str = "zero_grad", accumulate: int = 4,
    centre: bool = False, seed: int = 0,
) -> Fit:
    """Train the coefficients with real torch.optim; returns the Fit.

    batch_size None is full batch; otherwise each backward() sees a seeded random mini-batch.
    mode: "zero_grad" (every step), "forget" (never: p.grad accumulates, the bug), or
    "accumulate" (backward on `accumulate` mini-batches, then step, then zero_grad: done right).
    """
    if model not in MODELS:
        raise LossMountainError(f"unknown model {model!r}; choose one of: {', '.join(MODELS)}")
    if mode not in MODES:
        raise LossMountainError(f"unknown mode {mode!r}; choose one of: {', '.join(MODES)}")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise LossMountainError(f"learning rate must be a positive number, got {lr!r}")
    if not 1 <= steps <= MAX_FIT_STEPS:
        raise LossMountainError(f"steps must be from 1 to {MAX_FIT_STEPS}, got {steps}")
    x, y = torch.tensor(data.x), torch.tensor(data.y)
    if batch_size is not None and not 1 <= batch_size <= len(x):
        raise LossMountainError(f"the batch size must be from 1 to {len(x)}, got {batch_size}")
    offset = float(x.mean()) if centre else 0.0
    inputs = features(x, model, offset)
    best = torch.linalg.lstsq(inputs, y.unsqueeze(-1)).solution.squeeze(-1)
    p = torch.zeros(inputs.shape[1], dtype=torch.float64, requires_grad=True)
    opt = get_optimizer(optimizer).make([p], lr)
    generator = torch.Generator().manual_seed(seed)
    path, losses, diverged_at = [p.detach().clone()], [float(mse(p.detach(), inputs, y))], None
    backwards = accumulate if mode == "accumulate" else 1
    for step in range(steps):
        if mode != "forget":
            opt.zero_grad()
        for _ in range(backwards):
            rows = slice(None) if batch_size is None else torch.randperm(len(x), generator=generator)[:batch_size]
            loss = mse(p, inputs[rows], y[rows])
            (loss / backwards).backward()  # averaged, so k accumulated batches act as one of k·B points
        opt.step()
        with torch.no_grad():
            full = float(mse(p, inputs, y))
        if not (math.isfinite(full) and bool(torch.isfinite(p).all())):
            diverged_at = step + 1
            break
        path.append(p.detach().clone())
        losses.append(full)
    # centred, the line's second coefficient is its height at the mean x, not at x = 0
    names = ("slope", "height at mean x") if centre and model == "line" else MODELS[model]
    return Fit(model, names, offset, torch.stack(path).numpy(), np.array(losses),
               best.numpy(), diverged_at)
