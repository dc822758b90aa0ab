"""Surfaces: autograd against hand-derived gradients, and the listed minima really are minima."""

import math

import numpy as np
import pytest
import torch

from core import SURFACES, LossMountainError, descend_many, get_surface
from core.grid import surface_grid

PI = math.pi


def _ackley_grad(x, y):
    r = math.sqrt((x * x + y * y) / 2)
    waves = math.exp((math.cos(2 * PI * x) + math.cos(2 * PI * y)) / 2)
    return (2 * x * math.exp(-0.2 * r) / r + PI * math.sin(2 * PI * x) * waves,
            2 * y * math.exp(-0.2 * r) / r + PI * math.sin(2 * PI * y) * waves)


def _beale_grad(x, y):
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    return (2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1),
            2 * a * x + 4 * b * x * y + 6 * c * x * y**2)


# ∂f/∂x, ∂f/∂y worked out by hand from each formula in the issue
HAND_GRADIENTS = {
    "bowl": lambda x, y: (2 * x, 2 * y),
    "ravine": lambda x, y: (2 * x, 50 * y),
    "saddle": lambda x, y: (2 * x, -2 * y + y**3),
    "rosenbrock": lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)),
    "himmelblau": lambda x, y: (4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7),
                                2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)),
    "beale": _beale_grad,
    "booth": lambda x, y: (2 * (x + 2 * y - 7) + 4 * (2 * x + y - 5),
                           4 * (x + 2 * y - 7) + 2 * (2 * x + y - 5)),
    "matyas": lambda x, y: (0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x),
    "rastrigin": lambda x, y: (2 * x + 20 * PI * math.sin(2 * PI * x),
                               2 * y + 20 * PI * math.sin(2 * PI * y)),
    "camel": lambda x, y: (8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3),
    "ackley": _ackley_grad,
}

# the value at each surface's global minima, from the literature
KNOWN_MINIMUM_VALUES = {
    "bowl": 0.0, "ravine": 0.0, "saddle": -1.0, "rosenbrock": 0.0, "himmelblau": 0.0,
    "beale": 0.0, "booth": 0.0, "matyas": 0.0, "rastrigin": 0.0, "camel": -1.0316284534898774,
    "ackley": 0.0,
}


def test_every_surface_of_the_issue_is_there():
    assert set(SURFACES) == set(HAND_GRADIENTS)


def _autograd(surface, x, y):
    p = torch.tensor((x, y), dtype=torch.float64, requires_grad=True)
    surface(p).backward()
    return p.grad.numpy()


@pytest.mark.parametrize("name", sorted(HAND_GRADIENTS))
def test_autograd_matches_the_hand_derived_gradient(name):
    surface = get_surface(name)
    (x0, x1), (y0, y1) = surface.bounds
    rng = np.random.default_rng(0)
    for x, y in zip(rng.uniform(x0, x1, 25), rng.uniform(y0, y1, 25)):
        expected = HAND_GRADIENTS[name](x, y)
        np.testing.assert_allclose(_autograd(surface, x, y), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_listed_minima_are_flat_lowest_and_of_the_known_value(name):
    surface = get_surface(name)
    assert surface.minima, "every surface lists its global minima"
    for x, y in surface.minima:
        assert np.abs(_autograd(surface, x, y)).max() < 1e-8
        centre = float(surface(torch.tensor((x, y), dtype=torch.float64)))
        assert centre == pytest.approx(KNOWN_MINIMUM_VALUES[name], abs=1e-12)
        for angle in np.linspace(0, 2 * PI, 16, endpoint=False):
            for radius in (1e-3, 1e-2):
                neighbour = torch.tensor((x + radius * math.cos(angle), y + radius * math.sin(angle)),
                                         dtype=torch.float64)
                assert float(surface(neighbour)) > centre
        (x0, x1), (y0, y1) = surface.bounds
        assert x0 < x < x1 and y0 < y < y1


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_no_point_of_the_grid_is_below_the_global_minimum(name):
    surface = get_surface(name)
    grid = surface_grid(surface, 201)
    assert np.nanmin(grid.loss) >= surface.min_value - 1e-9
    assert np.isfinite(grid.loss).all()


def test_the_saddle_is_a_saddle_and_himmelblau_has_four_minima():
    saddle = get_surface("saddle")
    assert np.allclose(_autograd(saddle, 0.0, 0.0), 0.0)
    hessian = torch.autograd.functional.hessian(saddle, torch.zeros(2, dtype=torch.float64))
    assert torch.allclose(torch.linalg.eigvalsh(hessian), torch.tensor([-2.0, 2.0], dtype=torch.float64))
    assert len(get_surface("himmelblau").minima) == 4
    assert len(get_surface("camel").minima) == 2


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_display_height_is_increasing_and_zero_at_the_minimum_when_compressed(name):
    surface = get_surface(name)
    losses = surface.min_value + np.array([0.0, 0.5, 1.0, 10.0, 1e3, 1e6])
    heights = surface.display_height(losses)
    assert np.all(np.diff(heights) > 0)
    if surface.display == "log1p":
        assert heights[0] == 0.0
        np.testing.assert_allclose(heights, np.log1p((losses - surface.min_value) / surface.display_scale))
    else:
        np.testing.assert_array_equal(heights, losses)


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_default_start_lies_inside_the_bounds(name):
    surface = get_surface(name)
    (x0, x1), (y0, y1) = surface.bounds
    assert x0 <= surface.start[0] <= x1 and y0 <= surface.start[1] <= y1
    assert surface.lr > 0


def test_unknown_surface_names_the_choices():
    with pytest.raises(LossMountainError, match="unknown surface 'volcano'; choose one of: bowl"):
        get_surface("volcano")


def test_surface_grid_rows_are_y_and_columns_are_x():
    grid = surface_grid(get_surface("ravine"), 11)
    assert grid.loss.shape == (11, 11)
    # ravine = x² + 25y²: along a row y is fixed
    np.testing.assert_allclose(grid.loss[3], grid.xs**2 + 25 * grid.ys[3] ** 2)


@pytest.mark.parametrize("name", [*SURFACES, "typed"])
def test_every_mountains_defaults_show_motion_within_the_default_steps(name):
    # a fresh scene must move: every default ball travels at least 2.5% of the map's diagonal in
    # the default 150 steps at the mountain's own learning rate, and none flies off
    from app.controls import DEFAULT_FORMULA, DEFAULT_OPTIMIZERS, DEFAULT_STEPS, nearest_lr
    from core.custom import formula_surface
    from core.status import diagonal

    surface = formula_surface(DEFAULT_FORMULA) if name == "typed" else SURFACES[name]
    runs = descend_many(surface, list(DEFAULT_OPTIMIZERS), nearest_lr(surface.lr), surface.start, DEFAULT_STEPS)
    for run in runs:
        assert run.diverged_at is None
        assert np.hypot(*(run.positions[-1] - run.positions[0])) >= 0.025 * diagonal(surface), run.optimizer
