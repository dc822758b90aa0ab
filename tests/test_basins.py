"""Basins of attraction: every start's ending checked against hand-derived answers and solo runs."""

import numpy as np
import pytest

from core import LossMountainError, descend, get_surface
from core.basins import DIVERGED, STILL_ROLLING, UNDEFINED, basins
from core.custom import formula_surface


def test_the_saddle_splits_the_map_by_the_sign_of_y():
    # f = x² − y² + y⁴/4: the minima are (0, ±√2); a ball starting on y = 0 never feels a
    # sideways slope, so it stops on the saddle point at the origin
    result = basins(get_surface("saddle"), "sgd", 0.05, 300, resolution=101)
    labels, ys = result.labels, result.ys
    assert result.ends.names[:2] == ("global minimum (0, -1.41)", "global minimum (0, 1.41)")
    assert (labels[ys < 0] == 0).all() and (labels[ys > 0] == 1).all()
    assert result.ends.names[2] == "saddle point (0, 0)" and (labels[ys == 0] == 2).all()
    assert result.ends.known == (True, True, False)


def test_a_round_bowl_drains_to_its_bottom_and_a_huge_step_throws_everything_off():
    bowl = get_surface("bowl")
    assert basins(bowl, "adam", 0.05, 300, resolution=21).share(0) == 1.0
    # plain GD on x² + y² multiplies each coordinate by (1 − 2·lr) = −2 per step: only the
    # start at the very bottom stays
    flung = basins(bowl, "sgd", 1.5, 300, resolution=21)
    assert flung.share(DIVERGED) == pytest.approx(1 - 1 / 21**2)
    assert flung.labels[10, 10] == 0


def test_big_steps_jump_over_the_nearest_valley_on_himmelblau():
    himmelblau = get_surface("himmelblau")
    careful = basins(himmelblau, "sgd", 0.002, 300, resolution=41)
    bold = basins(himmelblau, "momentum", 0.005, 300, resolution=41)
    assert careful.far_valley_share < 0.05 and bold.far_valley_share > 0.15
    # one such start, followed alone: it ends in a valley that is not the closest one
    jumped = np.argwhere((bold.labels >= 0) & (bold.labels != bold.nearest))[0]
    start = (bold.xs[jumped[1]], bold.ys[jumped[0]])
    end = descend(himmelblau, "momentum", 0.005, start, 300).positions[-1]
    minima = np.array(himmelblau.minima)
    assert np.argmin(np.hypot(*(minima - end).T)) == bold.labels[tuple(jumped)] != bold.nearest[tuple(jumped)]


def test_crawling_balls_are_still_rolling_not_stuck():
    # Rosenbrock's curved valley is nearly flat along its floor: slow balls are far from any
    # stationary point even where the slope is small
    result = basins(get_surface("rosenbrock"), "sgd", 1e-4, 300, resolution=21)
    assert result.ends.names == ("global minimum (1, 1)",)
    assert result.share(STILL_ROLLING) > 0.9


def test_rastrigin_traps_balls_in_the_local_minima_of_their_cells():
    result = basins(get_surface("rastrigin"), "sgd", 0.002, 300, resolution=41)
    local = [k for k, name in enumerate(result.ends.names) if name.startswith("local minimum")]
    assert len(local) > 40
    for k in local:
        # Rastrigin's local minima sit close to the integer lattice points
        assert np.abs(np.array(result.ends.places[k]) - np.round(result.ends.places[k])).max() < 0.05


def test_starts_without_a_loss_are_marked_undefined():
    surface = formula_surface("log(x) + y^2", ((-1.0, 3.0), (-1.0, 1.0)))
    result = basins(surface, "sgd", 0.01, 50, resolution=21)
    assert (result.labels[:, result.xs <= 0] == UNDEFINED).all()
    assert (result.labels[:, result.xs > 0] != UNDEFINED).all()


def test_bad_grids_are_refused():
    with pytest.raises(LossMountainError, match="10 to 400 points"):
        basins(get_surface("bowl"), "sgd", 0.1, 10, resolution=5000)
    with pytest.raises(LossMountainError, match="learning rate"):
        basins(get_surface("bowl"), "sgd", float("nan"), 10)
