"""Many balls in one tensor: each ball's path equals its solo core.descend run."""

import numpy as np
import pytest

from core import LossMountainError, descend, get_surface
from core.batch import descend_batch

ELEMENTWISE = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]


@pytest.mark.parametrize("zero_grad", [True, False])
@pytest.mark.parametrize("optimizer", ELEMENTWISE)
def test_every_ball_follows_its_solo_path(optimizer, zero_grad):
    surface = get_surface("himmelblau")
    starts = np.random.default_rng(4).uniform(-5, 5, (12, 2))
    lr = 0.02 if zero_grad else 0.002
    batch = descend_batch(surface, optimizer, lr, starts, 60, zero_grad)
    for k, start in enumerate(starts):
        run = descend(surface, optimizer, lr, start, 60, zero_grad)
        kept = len(run.positions)
        np.testing.assert_array_equal(batch.positions[:kept, k], run.positions)
        np.testing.assert_array_equal(batch.losses[:kept, k], run.losses)
        assert np.isnan(batch.positions[kept:, k]).all()
        assert batch.diverged_at[k] == (-1 if run.diverged_at is None else run.diverged_at)


def test_some_balls_fly_off_while_the_others_roll_on():
    surface = get_surface("bowl")
    # with lr 1.5 every step doubles the distance: the far ball overflows long before the near one
    batch = descend_batch(surface, "sgd", 1.5, [(1.0, 1.0), (1e150, 0.0)], 30)
    far = descend(surface, "sgd", 1.5, (1e150, 0.0), 30)
    assert batch.diverged_at.tolist() == [-1, far.diverged_at] and far.diverged_at < 30
    assert np.isfinite(batch.positions[:, 0]).all()


def test_bad_batches_are_refused():
    with pytest.raises(LossMountainError, match="starts must be 1 to"):
        descend_batch(get_surface("bowl"), "sgd", 0.1, [(1.0, 2.0, 3.0)], 10)
    with pytest.raises(LossMountainError, match="learning rate"):
        descend_batch(get_surface("bowl"), "sgd", -1.0, [(1.0, 2.0)], 10)
