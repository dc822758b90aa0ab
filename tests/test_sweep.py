"""Learning-rate sweeps: every ball equals its solo run; statuses and steps against hand-derived formulas."""

import numpy as np
import pytest

from core import LossMountainError, descend, get_surface
from core.status import STATUSES, TOLERANCE
from core.sweep import lr_grid, lr_sweep, lr_table
from core.verdict import verdict

from core.optimizers import OPTIMIZERS

# every optimizer but L-BFGS (a solo run per rate, up to a second each: tested on its own below)
ALL = [name for name in OPTIMIZERS if name != "lbfgs"]

# a plain scene, zero_grad forgotten, a schedule with clipping, and changed hyperparameters
SCENE_SETTINGS = [
    {},
    {"zero_grad": False},
    {"schedule": "onecycle", "clip_norm": 3.0},
    {"schedule": "step", "hyperparameters": {"momentum": {"momentum": 0.5}, "adam": {"amsgrad": True}}},
]


@pytest.mark.parametrize("settings", SCENE_SETTINGS)
def test_every_rate_equals_its_solo_run(settings):
    surface = get_surface("himmelblau")
    lrs = lr_grid(1e-4, 3.0, 24)
    sweep = lr_sweep(surface, ALL, (0.5, -1.0), 120, lrs, **settings)
    overrides = settings.pop("hyperparameters", {})
    for k, name in enumerate(ALL):
        for i in range(0, 24, 3):
            run = descend(surface, name, float(lrs[i]), (0.5, -1.0), 120,
                          hyperparameters=overrides.get(name), **settings)
            kept = len(run.losses)
            np.testing.assert_array_equal(sweep.losses[:kept, k, i], run.losses)
            assert np.isnan(sweep.losses[kept:, k, i]).all()
            assert sweep.diverged_at[k, i] == (-1 if run.diverged_at is None else run.diverged_at)


def test_lbfgs_and_newton_rates_are_their_solo_runs_in_place():
    surface = get_surface("rosenbrock")
    lrs = np.array([0.01, 0.1, 1.0, 2.5])
    sweep = lr_sweep(surface, ["adam", "lbfgs", "newton"], (-1.2, 1.0), 15, lrs, paths=True)
    for name in ("adam", "lbfgs", "newton"):
        for lr in lrs:
            run, alone = sweep.run(name, float(lr)), descend(surface, name, float(lr), (-1.2, 1.0), 15)
            np.testing.assert_array_equal(run.positions, alone.positions)
            np.testing.assert_array_equal(run.grads, alone.grads)
            assert run.lr == alone.lr and np.array_equal(run.lrs, alone.lrs)
    # Newton takes no learning rate: every rate is the same run, at lr 1
    assert np.array_equal(sweep.losses[:, 2, 0], sweep.losses[:, 2, 3]) and sweep.run("newton", 0.01).lr == 1.0


@pytest.mark.parametrize("settings", SCENE_SETTINGS)
def test_each_rung_read_as_a_run_is_the_run_descend_gives(settings):
    # the explorer reads every learning-rate move's runs from this ladder
    surface = get_surface("himmelblau")
    lrs = lr_grid(1e-4, 3.0, 16)
    sweep = lr_sweep(surface, ALL, (0.5, -1.0), 80, lrs, paths=True, **settings)
    overrides = settings.pop("hyperparameters", {})
    for name in ALL:
        for lr in lrs[::3]:
            solo = descend(surface, name, float(lr), (0.5, -1.0), 80, hyperparameters=overrides.get(name), **settings)
            rung = sweep.run(name, lr)
            for field in ("positions", "losses", "grads", "lrs"):
                np.testing.assert_array_equal(getattr(rung, field), getattr(solo, field), err_msg=f"{name} {lr} {field}")
            for field in ("diverged_at", "off_position", "hyperparameters", "schedule", "clip_norm", "zero_grad"):
                assert getattr(rung, field) == getattr(solo, field), (name, lr, field)
            if solo.off_loss is None or np.isfinite(solo.off_loss):
                assert rung.off_loss == solo.off_loss
    with pytest.raises(LossMountainError, match="not one of"):
        sweep.run("sgd", 0.123456)


def test_scheduled_rates_are_what_each_lone_scheduler_sets():
    lrs = np.array([0.01, 0.3, 2.0])
    table = lr_table("warmup_cosine", lrs, 50)
    for i, lr in enumerate(lrs):
        run = descend(get_surface("bowl"), "sgd", float(lr), (1e-3, 1e-3), 50, schedule="warmup_cosine")
        np.testing.assert_array_equal(table[:, i], run.lrs)


def test_plain_gd_on_a_ravine_follows_the_hand_derived_law():
    # f = x² + 25y²: along each axis the gap shrinks by (1 - 2·lr·a)² per step, a = 1 and 25,
    # so plain GD settles for lr < 2/λmax = 2/50 and flies off above it
    x0, y0, steps = 1.5, 0.5, 300
    lrs = lr_grid(1e-3, 0.1, 64)
    sweep = lr_sweep(get_surface("ravine"), ["sgd"], (x0, y0), steps, lrs)
    t = np.arange(steps + 1)[:, None]
    with np.errstate(over="ignore"):
        gap = x0**2 * (1 - 2 * lrs) ** (2 * t) + 25 * y0**2 * (1 - 50 * lrs) ** (2 * t)
    np.testing.assert_allclose(sweep.losses[:, 0, lrs < 0.04], gap[:, lrs < 0.04], rtol=1e-9, atol=1e-300)
    tolerance = 1e-3 * gap[0, 0]
    assert sweep.tolerance == pytest.approx(tolerance)
    within = gap <= tolerance
    expected = np.where(within.any(axis=0), within.argmax(axis=0), -1)
    # skip the rates whose hand-derived gap sits within rounding of the tolerance
    clear = np.abs(np.take_along_axis(gap, np.maximum(expected, 0)[None], 0)[0] / tolerance - 1) > 1e-6
    np.testing.assert_array_equal(sweep.reached_at[0, clear], expected[clear])
    # statuses from the same law: converged where the ball ends, and last stepped, within the
    # tolerance of (0, 0); flying off above 2/50; still creeping in below
    with np.errstate(over="ignore", invalid="ignore"):
        xs, ys = x0 * (1 - 2 * lrs) ** t, y0 * (1 - 50 * lrs) ** t
    distance = np.hypot(xs, ys)
    last_step = np.hypot(xs[-1] - xs[-2], ys[-1] - ys[-2])
    tol = TOLERANCE * np.hypot(4, 2)
    arrived = (distance[-1] <= tol) & (last_step <= tol)
    statuses = np.array(STATUSES)[sweep.statuses[0]]
    clear = np.abs(distance[-1] / tol - 1) > 1e-3
    assert (statuses[arrived & clear] == "converged").all() and (statuses[~arrived & clear] != "converged").all()
    assert (statuses[lrs > 0.04 * 1.05] == "diverged").all()
    assert (statuses[(lrs < 0.04) & ~arrived] == "creeping").all()
    assert sweep.best_lr("sgd") == pytest.approx(lrs[np.argmin(np.where(expected >= 0, expected, 10**9))])


def test_every_sweep_status_is_the_verdict_of_the_same_single_run():
    # one classifier: a ball of the sweep and the same run on its own get the same name
    surface = get_surface("himmelblau")
    lrs = lr_grid(1e-3, 1.0, 16)
    sweep = lr_sweep(surface, ["sgd", "momentum", "adam"], (0.0, 0.0), 150, lrs, zero_grad=False)
    for k, name in enumerate(sweep.optimizers):
        for i, lr in enumerate(lrs):
            run = descend(surface, name, float(lr), (0.0, 0.0), 150, zero_grad=False)
            assert STATUSES[sweep.statuses[k, i]] == verdict(run, surface).status, (name, lr)


def test_bad_sweeps_are_refused():
    bowl = get_surface("bowl")
    with pytest.raises(LossMountainError, match="2 to 1024"):
        lr_grid(1e-3, 1.0, 5000)
    with pytest.raises(LossMountainError, match="positive low"):
        lr_grid(1.0, 1e-3)
    with pytest.raises(LossMountainError, match="positive learning rates"):
        lr_sweep(bowl, ["sgd"], (1, 1), 10, [0.1, -1.0])
    with pytest.raises(LossMountainError, match="at least one optimizer"):
        lr_sweep(bowl, [], (1, 1), 10)
    with pytest.raises(LossMountainError, match="unknown optimizer|no optimizer"):
        lr_sweep(bowl, ["sgdd"], (1, 1), 10)


def test_a_sweep_classified_later_names_each_ball_as_one_classified_at_once():
    surface = get_surface("rosenbrock")
    rates = np.geomspace(1e-4, 3e-3, 20)
    now = lr_sweep(surface, ["sgd", "adam"], (-1.5, 2.0), 120, rates, paths=True)
    later = lr_sweep(surface, ["sgd", "adam"], (-1.5, 2.0), 120, rates, paths=True, classified=False)
    assert later.statuses is None and later.converged_at is None
    np.testing.assert_array_equal(later.positions, now.positions)
    for k, name in enumerate(now.optimizers):
        statuses, converged_at = later.statuses_of(surface, name)
        np.testing.assert_array_equal(statuses, now.statuses[k])
        np.testing.assert_array_equal(converged_at, now.converged_at[k])
        # a few rungs at a time, in any order: each ball's status is its own
        rungs = [19, 3, 11]
        statuses, converged_at = later.statuses_of(surface, name, rungs)
        np.testing.assert_array_equal(statuses, now.statuses[k, rungs])
        np.testing.assert_array_equal(converged_at, now.converged_at[k, rungs])
    with pytest.raises(LossMountainError, match="keep its paths"):
        lr_sweep(surface, ["sgd"], (-1.5, 2.0), 10, rates, classified=False)


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_balls_classified_a_few_at_a_time_are_named_as_all_at_once(monkeypatch, schedule):
    # a sweep's balls are classified a chunk at a time (its working arrays were held ten times over):
    # every fact of every ball must be the same, whichever balls share its chunk
    import core.status as status

    surface = get_surface("rastrigin")
    rates = np.geomspace(1e-3, 0.3, 24)
    args = (surface, ["sgd", "momentum", "adam"], (2.2, -1.3), 150, rates, False)
    together = lr_sweep(*args, schedule=schedule, paths=True)
    assert len(set(together.statuses.ravel().tolist())) >= 2  # a mix of statuses, not one
    rolled = dict(positions=together.positions.reshape(151, -1, 2), losses=together.losses.reshape(151, -1),
                  diverged_at=together.diverged_at.ravel())
    lrs = np.tile(together.lr_steps, (1, 3))
    whole = status.classify(surface, **rolled, lrs=lrs, off_positions=together.off_positions.reshape(-1, 2),
                            off_losses=together.off_losses.ravel())
    monkeypatch.setattr(status, "CLASSIFY_CELLS", 151 * 5)  # five balls a chunk, the last one short
    chunked = status.classify(surface, **rolled, lrs=lrs, off_positions=together.off_positions.reshape(-1, 2),
                              off_losses=together.off_losses.ravel())
    for field in ("codes", "end", "end_step", "minimum", "known", "converged_at", "shrink", "loss_rises",
                  "lr_left", "hessian"):
        np.testing.assert_array_equal(getattr(chunked, field), getattr(whole, field), err_msg=field)
    alone = lr_sweep(*args, schedule=schedule)
    np.testing.assert_array_equal(alone.statuses, together.statuses)
    np.testing.assert_array_equal(alone.converged_at, together.converged_at)
    # the first step within the tolerance, by hand, over the whole batch at once
    within = (together.losses - together.floor) <= together.tolerance
    np.testing.assert_array_equal(alone.reached_at, np.where(within.any(axis=0), within.argmax(axis=0), -1))


def test_newtons_sweep_sentence_says_it_takes_no_learning_rate():
    from core.sweep_verdicts import sweep_sentence

    sweep = lr_sweep(get_surface("bowl"), ["sgd", "newton"], (1.0, -2.0), 20, lr_grid(1e-3, 1.5, 8))
    assert (sweep.losses[:, 1] == sweep.losses[:, 1, :1]).all()  # the same run at every rate
    said = sweep_sentence(sweep, 1)
    assert said.startswith("It takes no learning rate, so every rate is the same run") and "converges" in said
    assert "Fastest" not in said  # no rate is faster than another


def test_progress_runs_once_from_0_to_1_over_the_batch_and_the_solo_optimizers():
    # SGD rolls every rate in one batch; L-BFGS and Lamb each run a solo run per rate: three equal shares
    seen = []
    lr_sweep(get_surface("bowl"), ["sgd", "lbfgs", "lamb"], (1.0, 1.0), 5, lr_grid(1e-3, 1e-1, 4),
             progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and seen[0] == 0
    assert max(s for s in seen if s <= 2 / 3 + 1e-12) == pytest.approx(2 / 3)


def test_a_trimmed_sweep_draws_and_words_what_the_whole_one_does():
    from core.sweep_figures import sweep_figure
    from core.sweep_verdicts import sweep_sentence

    whole = lr_sweep(get_surface("himmelblau"), ["sgd", "momentum", "adam"], (0.5, -1.0), 150, lr_grid(1e-4, 3.0, 24),
                     paths=True)
    trimmed = whole.trimmed()
    assert trimmed.losses.shape == (2, 3, 24) and trimmed.positions is None and trimmed.grads is None
    np.testing.assert_array_equal(trimmed.losses, whole.losses[[0, -1]])
    assert sweep_figure(trimmed, 0.01, 0.02).to_json() == sweep_figure(whole, 0.01, 0.02).to_json()
    assert [sweep_sentence(trimmed, k, 0.02) for k in range(3)] == [sweep_sentence(whole, k, 0.02) for k in range(3)]
    with pytest.raises(LossMountainError, match="kept no paths"):
        trimmed.run("sgd", float(whole.lrs[0]))
