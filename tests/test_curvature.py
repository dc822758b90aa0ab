"""Curvature: Hessians and the stability limit 2/λmax against hand-derived values."""

import numpy as np
import pytest

from core import descend, get_surface
from core.curvature import curvature_at, nearest_minimum, stability_sentence

# (surface, point, Hessian worked out by hand)
HAND_HESSIANS = [
    ("bowl", (0.3, -0.7), [[2, 0], [0, 2]]),
    ("ravine", (1.0, 0.5), [[2, 0], [0, 50]]),
    ("booth", (1.0, 3.0), [[10, 8], [8, 10]]),
    ("matyas", (2.0, -1.0), [[0.52, -0.48], [-0.48, 0.52]]),
    ("saddle", (0.0, 0.0), [[2, 0], [0, -2]]),
    # ∂²/∂y² = −2 + 3y² = 4 at y = √2
    ("saddle", (0.0, np.sqrt(2)), [[2, 0], [0, 4]]),
    ("rosenbrock", (1.0, 1.0), [[802, -400], [-400, 200]]),
    # 12x² + 4y − 42, 4x + 4y, 12y² + 4x − 26
    ("himmelblau", (3.0, 2.0), [[74, 20], [20, 34]]),
]


@pytest.mark.parametrize("name, point, expected", HAND_HESSIANS)
def test_hessian_matches_the_hand_derived_one(name, point, expected):
    curvature = curvature_at(get_surface(name), point)
    np.testing.assert_allclose(curvature.hessian, expected, atol=1e-12)
    np.testing.assert_allclose(curvature.eigenvalues, np.linalg.eigvalsh(np.array(expected, float)), atol=1e-9)


@pytest.mark.parametrize("name, limit", [("bowl", 1.0), ("ravine", 0.04), ("booth", 2 / 18), ("matyas", 2.0)])
def test_stability_limit_of_the_quadratics(name, limit):
    surface = get_surface(name)
    assert curvature_at(surface, nearest_minimum(surface, surface.start)).stability_limit == pytest.approx(limit)


@pytest.mark.parametrize("name", ["bowl", "ravine", "booth", "matyas"])
def test_plain_gd_converges_below_the_limit_and_diverges_above_it(name):
    surface = get_surface(name)
    limit = curvature_at(surface, surface.minima[0]).stability_limit
    below = descend(surface, "sgd", 0.95 * limit, surface.start, 3000)
    above = descend(surface, "sgd", 1.05 * limit, surface.start, 3000)
    assert below.diverged_at is None and below.losses[-1] < 1e-8
    assert above.diverged_at is not None or above.losses[-1] > above.losses[0]


def test_a_saddle_curves_up_one_way_and_a_kink_has_no_limit():
    assert curvature_at(get_surface("saddle"), (0.0, 0.0)).stability_limit == pytest.approx(1.0)
    ackley = curvature_at(get_surface("ackley"), (0.0, 0.0))
    assert not ackley.defined and ackley.stability_limit is None
    assert "no clean stability limit" in stability_sentence(0.1, None)


def test_nearest_minimum_and_sentences():
    himmelblau = get_surface("himmelblau")
    assert nearest_minimum(himmelblau, (2.5, 1.5)) == (3.0, 2.0)
    assert nearest_minimum(himmelblau, (-3.0, -3.0)) == pytest.approx((-3.779310253377747, -3.28318599128617))
    assert "3× the stability limit" in stability_sentence(0.12, 0.04)
    # ratios and limits are written for people: no "4.1e+02×"
    assert "410× the stability limit 2/λmax = 0.01" in stability_sentence(4.1, 0.01)
    assert "no minimum" in stability_sentence(0.1, None, "the loss keeps falling towards the edge of the window")
    assert "cannot settle at this minimum" in stability_sentence(0.12, 0.04)
    assert "creeps smoothly" in stability_sentence(0.01, 0.04)
    assert "zig-zags" in stability_sentence(0.03, 0.04)
