"""A swarm: each ball rolls exactly as it would alone, and its ending is named."""

import numpy as np
import pytest

from core import LossMountainError, descend, get_surface
from core.basins import DIVERGED
from core.swarm import swarm


def test_each_swarm_ball_follows_its_solo_run():
    surface = get_surface("camel")
    result = swarm(surface, "rmsprop", 0.01, 80, 30, seed=5, zero_grad=False, schedule="cosine")
    for k in range(0, 30, 7):
        run = descend(surface, "rmsprop", 0.01, result.positions[0, k], 80, zero_grad=False, schedule="cosine")
        np.testing.assert_array_equal(result.positions[:len(run.positions), k], run.positions)
    assert len(result.ends.labels) == 30 and result.seed == 5


def test_a_swarm_with_a_huge_step_flies_off():
    # plain GD on x² + y² with lr 5 multiplies each coordinate by −9 a step
    leaping = swarm(get_surface("bowl"), "sgd", 5.0, 50, 20)
    assert (leaping.diverged_at == -1).all() and (leaping.ends.labels == DIVERGED).all()
    overflowed = swarm(get_surface("bowl"), "sgd", 5.0, 400, 20)
    assert (overflowed.diverged_at > 150).all() and (overflowed.ends.labels == DIVERGED).all()


@pytest.mark.parametrize("count, seed, message", [(0, 0, "1 to 160,000 balls"), (10, -1, "seed"),
                                                  (True, 0, "balls")])
def test_bad_swarms_are_refused(count, seed, message):
    with pytest.raises(LossMountainError, match=message):
        swarm(get_surface("bowl"), "sgd", 0.1, 10, count, seed)
