"""The landscape of a real network: a small MLP trained with torch.optim on two moons, and its
loss on a plane through the trained weights.

The plane is spanned either by two filter-normalised random directions (Li et al.,
"Visualizing the Loss Landscape of Neural Nets", 2018) or by the top two principal
directions of the training trajectory; the trajectory is projected onto it. A model with
hundreds of knobs still descends one mountain, seen through a 2-D window.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.func import functional_call

from .errors import LossMountainError
from .wording import number
from .optimizers import get_optimizer

DIRECTIONS = ("random", "pca")
MAX_RESOLUTION = 81
MAX_TRAIN_STEPS = 2000


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """n points in two interleaving half circles (labels 0 and 1), made with torch alone."""
    generator = torch.Generator().manual_seed(seed)
    half = n // 2
    angles = torch.rand(n, generator=generator) * math.pi
    upper = torch.stack((torch.cos(angles[:half]), torch.sin(angles[:half])), dim=1)
    lower = torch.stack((1 - torch.cos(angles[half:]), 0.5 - torch.sin(angles[half:])), dim=1)
    points = torch.cat((upper, lower)) + noise * torch.randn(n, 2, generator=generator)
    labels = torch.cat((torch.zeros(half), torch.ones(n - half)))
    return points.double(), labels.double()


def make_mlp(seed: int = 0, hidden: int = 16) -> nn.Module:
    """The 2-16-16-1 network with tanh activations, seeded."""
    torch.manual_seed(seed)
    # float64 like the rest of Loss Mountain, so the grid's centre is the trained loss exactly
    return nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                         nn.Linear(hidden, 1)).double()


def _loss(model: nn.Module, params: dict[str, torch.Tensor], points, labels) -> torch.Tensor:
    logits = functional_call(model, params, (points,)).squeeze(-1)
    return nn.functional.binary_cross_entropy_with_logits(logits, labels)


@dataclass(frozen=True, eq=False)
class Landscape:
    """alphas, betas: the grid's coordinates along the two directions; losses: (len(betas), len(alphas)).

    path: the training trajectory projected onto the plane, (steps + 1, 2); path_losses: the
    true training loss at each step; path_plane_losses: the loss at its projection (where the
    ball sits on the drawn mountain); center_loss: the grid's loss at the trained weights.
    shadow: how much of the way from the first weights to the trained ones lies in the plane
    (the length of its projection over its true length, 0 … 1).
    """

    directions: str
    alphas: np.ndarray
    betas: np.ndarray
    losses: np.ndarray
    path: np.ndarray
    path_losses: np.ndarray
    path_plane_losses: np.ndarray
    center_loss: float
    parameter_count: int
    shadow: float = 1.0


def _in_chunks(evaluate, center_flat: torch.Tensor, coefficients: torch.Tensor, basis: torch.Tensor, chunk: int,
               progress: Callable[[float], None] | None = None) -> torch.Tensor:
    """The loss at center + each row of coefficients (n, 2) on the plane of basis, `chunk` rows at a time."""
    values = []
    with torch.no_grad():
        for start in range(0, len(coefficients), chunk):
            values.append(evaluate(center_flat + coefficients[start:start + chunk] @ basis.T))
            if progress is not None:
                progress(min(1.0, (start + chunk) / len(coefficients)))
    return torch.cat(values)


def train(model: nn.Module, optimizer: str, lr: float, steps: int, points, labels) -> tuple[list, list]:
    """Full-batch training with real torch.optim; returns the weights after every step (flat) and the losses."""
    if not 1 <= steps <= MAX_TRAIN_STEPS:
        raise LossMountainError(f"training steps must be from 1 to {MAX_TRAIN_STEPS}, got {steps}")
    if not (math.isfinite(lr) and lr > 0):
        raise LossMountainError(f"learning rate must be a positive number, got {lr!r}")
    opt = get_optimizer(optimizer).make(model.parameters(), lr)
    flat = [torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone()]
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(model(points).squeeze(-1), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        flat.append(torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone())
    with torch.no_grad():
        losses.append(float(nn.functional.binary_cross_entropy_with_logits(model(points).squeeze(-1), labels)))
    return flat, losses


def filter_normalized_direction(params: dict[str, torch.Tensor], generator: torch.Generator) -> dict:
    """A random direction whose every filter (a row of a weight matrix) has the norm of that
    filter in the weights; biases get no direction (Li et al. 2018)."""
    direction = {}
    for name, weight in params.items():
        if weight.dim() < 2:
            direction[name] = torch.zeros_like(weight)
            continue
        random = torch.randn(weight.shape, generator=generator, dtype=weight.dtype)
        scale = weight.norm(dim=1, keepdim=True) / random.norm(dim=1, keepdim=True).clamp_min(1e-12)
        direction[name] = random * scale
    return direction


def _flatten(tensors: dict[str, torch.Tensor]) -> torch.Tensor:
    return torch.cat([t.reshape(-1) for t in tensors.values()])


def _unflatten(flat: torch.Tensor, like: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out, start = {}, 0
    for name, tensor in like.items():
        out[name] = flat[..., start:start + tensor.numel()].reshape(*flat.shape[:-1], *tensor.shape)
        start += tensor.numel()
    return out


def landscape(
    optimizer: str = "adam", lr: float = 0.05, steps: int = 300, directions: str = "random",
    resolution: int = 41, span: float = 1.0, seed: int = 0,
    progress: Callable[[float], None] | None = None, chunk: int = 256,
) -> Landscape:
    """Train the MLP, then evaluate its loss on a resolution × resolution grid over the plane
    (coordinates in [-span, span] for random directions, around the trajectory for PCA)."""
    if directions not in DIRECTIONS:
        raise LossMountainError(f"unknown directions {directions!r}; choose one of: {', '.join(DIRECTIONS)}")
    if not 5 <= resolution <= MAX_RESOLUTION:
        raise LossMountainError(f"the grid must be 5 to {MAX_RESOLUTION} points a side, got {resolution}")
    points, labels = two_moons(seed=seed)
    model = make_mlp(seed)
    trajectory, losses = train(model, optimizer, lr, steps, points, labels)
    center = {name: p.detach().clone() for name, p in model.named_parameters()}
    center_flat = _flatten(center)
    if directions == "random":
        generator = torch.Generator().manual_seed(seed + 1)
        d1 = _flatten(filter_normalized_direction(center, generator))
        d2 = _flatten(filter_normalized_direction(center, generator))
    else:
        offsets = torch.stack(trajectory) - center_flat
        # the two directions along which training moved the most
        _, _, vh = torch.linalg.svd(offsets - offsets.mean(dim=0), full_matrices=False)
        d1, d2 = vh[0], vh[1]
    basis = torch.stack((d1, d2), dim=1)  # (P, 2)
    path = torch.linalg.lstsq(basis, (torch.stack(trajectory) - center_flat).T).solution.T
    reach = (float(path.abs().max()) * 1.25 or 1.0) if directions == "pca" else span
    # symmetric steps, so an odd grid has the trained weights exactly at its centre
    alphas = betas = ((torch.arange(resolution, dtype=torch.float64) - (resolution - 1) / 2)
                      * (2 * reach / (resolution - 1)))
    grid_b, grid_a = torch.meshgrid(betas, alphas, indexing="ij")
    coefficients = torch.stack((grid_a.reshape(-1), grid_b.reshape(-1)), dim=1)  # (n², 2)
    evaluate = torch.vmap(lambda flat: _loss(model, _unflatten(flat, center), points, labels))
    grid = _in_chunks(evaluate, center_flat, coefficients, basis, chunk, progress).reshape(resolution, resolution)
    with torch.no_grad():
        center_loss = float(_loss(model, center, points, labels))
    # the path's steps a chunk at a time too: 2,000 steps at once held about 110 MB for a moment
    on_plane = _in_chunks(evaluate, center_flat, path, basis, chunk)
    return Landscape(
        directions=directions, alphas=alphas.numpy(), betas=betas.numpy(), losses=grid.numpy(),
        path=path.numpy(), path_losses=np.array(losses), path_plane_losses=on_plane.numpy(),
        center_loss=center_loss,
        parameter_count=int(center_flat.numel()),
        shadow=_shadow(trajectory[0] - center_flat, basis, path[0]),
    )


def _shadow(offset: torch.Tensor, basis: torch.Tensor, projected: torch.Tensor) -> float:
    """|the offset's projection onto the plane| / |the offset| (1 when there is no offset)."""
    length = float(offset.norm())
    return 1.0 if length == 0 else min(1.0, float((basis @ projected).norm()) / length)


def network_sentence(view: Landscape) -> str:
    """What the window shows of the training path, from the shadow and the losses it carries."""
    others = view.parameter_count - 2
    share = f"{round(100 * view.shadow)}%"
    if view.directions == "random":
        return (f"Random directions in {view.parameter_count} dimensions are almost perpendicular to the way "
                f"training went: this window holds {share} of the distance from the first weights to the "
                "trained ones, so the path's shadow on it is short and the window shows the shape of the "
                "valley the network ended in. Choose the principal directions to see the path itself.")
    gap = float(np.max(np.abs(view.path_plane_losses - view.path_losses)))
    return (f"The principal directions are the two along which training moved the most: this window holds "
            f"{share} of the distance from the first weights to the trained ones. The dotted line in the chart "
            f"is the loss at the path's shadow; it differs from the true loss by up to {number(gap)}, where "
            f"training also moved in the other {others} directions.")
