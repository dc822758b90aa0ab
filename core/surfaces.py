"""The mountains: 2-D loss surfaces written in torch, so autograd gives their slopes.

Every surface takes a tensor of shape (..., 2) holding (x, y) points and returns
the loss at each point, shape (...). Gradients are never typed by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch

from .errors import lookup

Point = tuple[float, float]
Heights = torch.Tensor | np.ndarray | float


@dataclass(frozen=True)
class Surface:
    """A loss surface with everything needed to explore it.

    name: CLI/app identifier. formula: human-readable definition.
    fn: torch function (..., 2) -> (...). bounds: ((x_min, x_max), (y_min, y_max)).
    minima: every known global minimum. start, lr: a start and learning rate that
    show something interesting at once. display: "linear" or "log1p", how the
    height is drawn: steep surfaces read better as log1p((loss - min) / display_scale),
    which is linear near the valley floor and logarithmic up the walls. Paths and
    the loss chart always use the true loss. no_minimum: for a typed formula whose lowest point
    found is not a minimum (it lies on the edge, or the loss falls without bound), why.
    """

    name: str
    title: str
    formula: str
    fn: Callable[[torch.Tensor], torch.Tensor]
    bounds: tuple[Point, Point]
    minima: tuple[Point, ...]
    start: Point
    lr: float
    display: str
    blurb: str
    display_scale: float = 1.0
    code: str = ""  # the formula as a PyTorch expression in x, y (or p), for generated scripts
    minima_label: str = "global minimum"  # typed-in surfaces only know their lowest point found
    no_minimum: str = ""  # why the window holds no minimum (a typed 1/x falls without bound); "" if it does

    def __call__(self, points: torch.Tensor) -> torch.Tensor:
        return self.fn(points)

    @cached_property
    def min_value(self) -> float:
        """The loss at the global minima."""
        return float(self.fn(torch.tensor(self.minima[0], dtype=torch.float64)))

    def display_height(self, loss: Heights) -> Heights:
        """The drawn height of true losses (tensor, array or float): log1p of the gap to the minimum, or as is."""
        if self.display != "log1p":
            return loss
        gap = loss - self.min_value
        # clamp: rounding can put a point a hair below the minimum
        if isinstance(gap, torch.Tensor):
            return torch.log1p(gap.clamp_min(0.0) / self.display_scale)
        return np.log1p(np.maximum(gap, 0.0) / self.display_scale)


def _xy(p: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # one unbind, not two selects: its backward is one stack instead of two zero-filled copies added
    return p.unbind(-1)


def bowl(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return x**2 + y**2


def ravine(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return x**2 + 25 * y**2


def saddle(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return x**2 - y**2 + y**4 / 4


def rosenbrock(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def himmelblau(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def beale(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def booth(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


def matyas(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return 0.26 * (x**2 + y**2) - 0.48 * x * y


def rastrigin(p: torch.Tensor) -> torch.Tensor:
    return 20 + (p**2 - 10 * torch.cos(2 * math.pi * p)).sum(dim=-1)


def camel(p: torch.Tensor) -> torch.Tensor:
    x, y = _xy(p)
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2


def ackley(p: torch.Tensor) -> torch.Tensor:
    # vector_norm's backward is 0 at the origin, a valid subgradient of this kink
    radius = torch.linalg.vector_norm(p, dim=-1) / math.sqrt(2)
    waves = torch.cos(2 * math.pi * p).mean(dim=-1)
    return -20 * torch.exp(-0.2 * radius) - torch.exp(waves) + 20 + math.e


_SURFACES = (
    Surface(
        "bowl", "Bowl", "x² + y²", bowl, ((-2.0, 2.0), (-2.0, 2.0)),
        ((0.0, 0.0),), (-1.6, 1.2), 0.1, "linear",
        "A perfectly round bowl: every optimizer finds the bottom.",
        code='x**2 + y**2',
    ),
    Surface(
        "ravine", "Ravine", "x² + 25y²", ravine, ((-2.0, 2.0), (-1.0, 1.0)),
        ((0.0, 0.0),), (-1.8, 0.6), 0.035, "linear",
        "Steep walls, a gentle floor: plain SGD zig-zags, momentum glides.",
        code='x**2 + 25 * y**2',
    ),
    Surface(
        "saddle", "Saddle", "x² − y² + y⁴/4", saddle, ((-2.0, 2.0), (-2.5, 2.5)),
        ((0.0, -math.sqrt(2.0)), (0.0, math.sqrt(2.0))), (-1.8, 0.02), 0.05, "linear",
        "A saddle at the origin: balls slow down on it before rolling off to a valley.",
        code='x**2 - y**2 + y**4 / 4',
    ),
    Surface(
        "rosenbrock", "Rosenbrock", "(1 − x)² + 100(y − x²)²", rosenbrock,
        ((-2.0, 2.0), (-1.0, 3.0)), ((1.0, 1.0),), (-1.2, 1.0), 0.001, "log1p",
        "A curved banana valley: easy to reach, slow to follow to the minimum at (1, 1).",
        code='(1 - x) ** 2 + 100 * (y - x**2) ** 2',
    ),
    Surface(
        "himmelblau", "Himmelblau", "(x² + y − 11)² + (x + y² − 7)²", himmelblau,
        ((-5.0, 5.0), (-5.0, 5.0)),
        (
            (3.0, 2.0),
            (-2.805118086952745, 3.131312518250573),
            (-3.779310253377747, -3.283185991286170),
            (3.584428340330492, -1.848126526964404),
        ),
        (0.0, 0.0), 0.01, "log1p",
        "Four valleys of equal depth: where a ball ends depends on where and how it starts.",
        display_scale=30.0,
        code='(x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2',
    ),
    Surface(
        "beale", "Beale", "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²", beale,
        ((-4.5, 4.5), (-4.5, 4.5)), ((3.0, 0.5),), (0.5, -1.5), 0.005, "log1p",
        "Flat plains and cliff walls: a test of patience for plain SGD.",
        code='(1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2',
    ),
    Surface(
        "booth", "Booth", "(x + 2y − 7)² + (2x + y − 5)²", booth, ((-10.0, 10.0), (-10.0, 10.0)),
        ((1.0, 3.0),), (-8.0, -6.0), 0.05, "log1p",
        "A tilted, stretched bowl with its minimum at (1, 3).",
        display_scale=30.0,
        code='(x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2',
    ),
    Surface(
        "matyas", "Matyas", "0.26(x² + y²) − 0.48xy", matyas, ((-10.0, 10.0), (-10.0, 10.0)),
        ((0.0, 0.0),), (8.0, -6.0), 0.5, "linear",
        "A long, almost flat diagonal valley: the slope nearly vanishes near the bottom.",
        code='0.26 * (x**2 + y**2) - 0.48 * x * y',
    ),
    Surface(
        "rastrigin", "Rastrigin", "20 + Σ (t² − 10 cos 2πt), t ∈ {x, y}", rastrigin,
        ((-5.12, 5.12), (-5.12, 5.12)), ((0.0, 0.0),), (2.45, -2.55), 0.002, "linear",
        "An egg crate of local minima: most balls get stuck in the nearest dimple.",
        code='20 + (p**2 - 10 * torch.cos(2 * math.pi * p)).sum()',
    ),
    Surface(
        "camel", "Six-hump camel", "(4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²", camel,
        ((-3.0, 3.0), (-2.0, 2.0)),
        ((0.08984201310031806, -0.7126564030207396), (-0.08984201310031806, 0.7126564030207396)),
        (-1.5, 1.0), 0.01, "log1p",
        "Six humps and two equally deep valleys.",
        display_scale=2.0,
        code='(4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2',
    ),
    Surface(
        "ackley", "Ackley", "−20e^(−0.2√(½(x²+y²))) − e^(½(cos 2πx + cos 2πy)) + 20 + e", ackley,
        ((-5.0, 5.0), (-5.0, 5.0)), ((0.0, 0.0),), (3.3, -2.4), 0.05, "linear",
        "A deep funnel under a rippled plain: many traps on the way to the centre.",
        code='-20 * torch.exp(-0.2 * (torch.linalg.vector_norm(p) / math.sqrt(2))) - torch.exp(torch.cos(2 * math.pi * p).mean()) + 20 + math.e',
    ),
)

SURFACES: dict[str, Surface] = {surface.name: surface for surface in _SURFACES}


def get_surface(name: str) -> Surface:
    """Look a surface up by name; raises LossMountainError listing the valid names."""
    return lookup(SURFACES, name, "surface")
