"""Many balls in one tensor: each ball's path equals its solo core.descend run."""

import numpy as np
import pytest
import torch

from core import OPTIMIZERS, LossMountainError, descend, get_surface
from core.batch import descend_batch


# the elementwise ones in one instance (Newton: one row a ball); L-BFGS one instance per ball (core.solo)
@pytest.mark.parametrize("zero_grad", [True, False])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_every_ball_follows_its_solo_path(optimizer, zero_grad):
    surface = get_surface("himmelblau")
    # L-BFGS's solo runs (up to 20 loss evaluations a step, a 100-step history) are a second each: fewer
    balls, steps = (3, 20) if optimizer == "lbfgs" else (12, 60)
    starts = np.random.default_rng(4).uniform(-5, 5, (balls, 2))
    lr = 0.02 if zero_grad else 0.002
    batch = descend_batch(surface, optimizer, lr, starts, steps, zero_grad)
    for k, start in enumerate(starts):
        run = descend(surface, optimizer, lr, start, steps, zero_grad)
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


@pytest.mark.parametrize("optimizer, overrides", [("momentum", {"dampening": 0.2}), ("adam", {"amsgrad": True}),
                                                  ("rmsprop", {"centered": True})])
@pytest.mark.parametrize("schedule", ["constant", "onecycle", "warmup_cosine"])
def test_tuned_scheduled_clipped_balls_follow_their_solo_paths(optimizer, overrides, schedule):
    surface = get_surface("rosenbrock")
    starts = np.random.default_rng(5).uniform(-1.5, 1.5, (8, 2))
    settings = dict(hyperparameters=overrides, schedule=schedule, clip_norm=2.0)
    batch = descend_batch(surface, optimizer, 0.003, starts, 80, **settings)
    for k, start in enumerate(starts):
        run = descend(surface, optimizer, 0.003, start, 80, **settings)
        np.testing.assert_array_equal(batch.positions[:, k], run.positions)


def test_progress_is_reported_from_start_to_end():
    seen = []
    descend_batch(get_surface("bowl"), "sgd", 0.1, [(1.0, 2.0)] * 3, 200, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen) and len(seen) <= 22


def test_too_much_work_and_missing_devices_are_refused():
    with pytest.raises(LossMountainError, match="use fewer balls or steps"):
        descend_batch(get_surface("bowl"), "sgd", 0.1, np.zeros((100_000, 2)), 1000)
    with pytest.raises(LossMountainError, match="unknown device"):
        descend_batch(get_surface("bowl"), "sgd", 0.1, [(1.0, 2.0)], 10, device="toaster")
    if not torch.cuda.is_available():
        with pytest.raises(LossMountainError, match="no cuda device"):
            descend_batch(get_surface("bowl"), "sgd", 0.1, [(1.0, 2.0)], 10, device="cuda")
    with pytest.raises(LossMountainError, match="finite"):
        descend_batch(get_surface("bowl"), "sgd", 0.1, [(float("nan"), 2.0)], 10)


def test_without_the_path_only_the_start_and_the_last_finite_place_are_kept():
    surface = get_surface("bowl")
    starts = [(1.0, 1.0), (1e150, 0.0), (1e300, 0.0), (0.5, -0.2)]
    whole = descend_batch(surface, "sgd", 1.5, starts, 40)
    ends = descend_batch(surface, "sgd", 1.5, starts, 40, path=False)
    assert ends.positions.shape == (2, 4, 2)
    np.testing.assert_array_equal(ends.positions[0], whole.positions[0])
    np.testing.assert_array_equal(ends.diverged_at, whole.diverged_at)
    for k, diverged in enumerate(whole.diverged_at):
        last = 40 if diverged < 0 else diverged - 1
        np.testing.assert_array_equal(ends.positions[1 if last else 0, k], whole.positions[last, k])
