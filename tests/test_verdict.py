"""Verdicts: each status and cause on hand-built cases whose numbers are derived by hand.

The bowl x² + y² has H = 2I, so plain SGD multiplies the position by (1 − 2·lr) each step and its
stability limit is 2/λmax = 1: exact cases for every regime.
"""

import math

import numpy as np
import pytest

from core import descend, get_surface
from core.custom import formula_surface
from core.status import STATUSES, TOLERANCE
from core.verdict import CAUSES, verdict

BOWL = get_surface("bowl")
START = (-1.6, 1.2)  # |start| = 2


def _bowl(lr, steps=150, **options):
    return verdict(descend(BOWL, "sgd", lr, START, steps, **options), BOWL)


def test_the_bowl_below_its_limit_converges_when_hand_derivation_says_it_arrives():
    # |p_t| = 2 · 0.8^t comes within 1e-3 of the diagonal (4√2) at t = 27, and stays
    tolerance = TOLERANCE * math.hypot(4, 4)
    expected = math.ceil(math.log(tolerance / 2) / math.log(0.8))
    assert expected == 27
    result = _bowl(0.1)
    assert (result.status, result.cause, result.converged_at) == ("converged", None, expected)
    assert result.sentence == "converged: it reached the global minimum at (0, 0) in 27 steps."


@pytest.mark.parametrize("lr", [0.999, 1.0])
def test_at_and_just_below_the_limit_the_ball_bounces_and_a_smaller_rate_is_the_cure(lr):
    # factor 1 − 2·lr = −0.998 or −1: every step flips across the valley, barely shrinking
    result = _bowl(lr)
    assert (result.status, result.cause) == ("bouncing", "lr")
    assert "steps flip from one side of the valley to the other" in result.sentence
    # the largest slider rate below is 0.89: factor |1 − 1.78| = 0.78, and 2 · 0.78^t is within the
    # tolerance (1e-3 · 4√2) from t = 24 on
    assert result.evidence.change == "lr 0.89" and result.evidence.status == "converged"
    assert result.evidence.converged_at == math.ceil(math.log(TOLERANCE * math.hypot(4, 4) / 2) / math.log(0.78))
    assert "bigger" not in result.sentence


def test_above_the_limit_the_ball_flies_off_and_the_sentence_blames_the_stride():
    # factor −2: the loss grows 4× per step, 4 · 4^150 ≈ 8e90 after 150 steps
    result = _bowl(1.5)
    assert (result.status, result.cause) == ("diverged", "lr")
    assert "its loss grew from 4 to 8.15e90" in result.sentence
    assert "2/λmax = 1; yours is 1.5× it" in result.sentence


def test_a_run_that_overflows_is_diverged_at_its_step():
    # 2 · 2^t overflows the loss (≈ 1.8e308) at t = 512
    result = verdict(descend(BOWL, "sgd", 1.5, (1.0, 1.0), 2000), BOWL)
    assert (result.status, result.cause) == ("diverged", "lr")
    assert result.sentence.startswith("diverged at step 512: its loss overflowed")


def test_a_tiny_stride_creeps_and_more_steps_are_the_cause():
    # 2 · (1 − 2e-5)^150 ≈ 1.994: it moved 0.3% of the way, every step in the same direction
    result = _bowl(1e-5)
    assert (result.status, result.cause) == ("creeping", "steps")
    assert "still on its way after 150 steps" in result.sentence and "1.99 from the global minimum" in result.sentence
    assert "More steps would take it further" in result.sentence


def test_a_start_on_the_saddles_ridge_is_stuck_and_a_nudge_frees_it():
    # on y = 0 the slope across (∂f/∂y = −2y + y³) is 0 forever: SGD slides to the saddle (0, 0)
    saddle = get_surface("saddle")
    result = verdict(descend(saddle, "sgd", 0.05, (-1.8, 0.0), 150), saddle)
    assert (result.status, result.cause) == ("stuck", "start")
    assert result.sentence.startswith("is stuck at (0, 0): the slope vanishes there, but it is a saddle")
    assert result.evidence.status == "converged"


def test_flat_ground_that_is_not_a_minimum_is_stuck_on_the_terrain():
    # outside the unit disc −relu(1 − x² − y²) is exactly 0: no slope, nothing lower nearby
    flat = formula_surface("-relu(1 - x^2 - y^2)")
    result = verdict(descend(flat, "adam", 0.1, (3.0, 3.0), 50), flat)
    assert (result.status, result.cause) == ("stuck", "terrain")
    assert "the ground is flat there" in result.sentence


@pytest.mark.parametrize("lr, landing", [(1.0, "−∞"), (2.0, "undefined")])
def test_a_step_off_the_domain_is_off_domain_not_a_learning_rate_problem(lr, landing):
    # log(x) + y²: from x = 1 the first step is x − lr/x = 0 (log 0 = −∞) or −1 (log of a negative)
    surface = formula_surface("log(x) + y^2")
    result = verdict(descend(surface, "sgd", lr, (1.0, 0.0), 20), surface)
    assert (result.status, result.cause) == ("off_domain", "domain")
    assert f"at ({1 - lr:g}, 0) the loss is {landing}".replace("-", "−") in result.sentence
    assert "too big" not in result.sentence and "smaller learning rate" not in result.sentence


def test_himmelblau_momentum_without_zero_grad_diverges_because_of_zero_grad():
    surface = get_surface("himmelblau")
    result = verdict(descend(surface, "momentum", 0.01, (0.0, 0.0), 150, zero_grad=False), surface)
    assert (result.status, result.cause) == ("diverged", "zero_grad")
    assert "missing zero_grad() is the cause" in result.sentence
    assert "learning rate" not in result.sentence
    done_right = descend(surface, "momentum", 0.01, (0.0, 0.0), 150)
    assert result.evidence.status == verdict(done_right, surface).status == "converged"


def test_the_classic_mistake_bounces_because_of_zero_grad():
    # p ← p − 2·lr·s, s ← s + p: det = 1, so the summed compass swings the ball through the valley forever
    result = verdict(descend(BOWL, "sgd", 0.05, (1.5, -1.0), 200, zero_grad=False), BOWL)
    assert (result.status, result.cause) == ("bouncing", "zero_grad")
    assert "its loss keeps going up and down" in result.sentence
    assert "bigger" not in result.sentence and "too big" not in result.sentence


def test_plain_sgd_past_the_limit_on_himmelblau_bounces_and_is_told_the_limit():
    # the case: lr 0.025 from (0, 0), above 2/λmax = 0.0243 at (3, 2)
    surface = get_surface("himmelblau")
    result = verdict(descend(surface, "sgd", 0.025, (0.0, 0.0), 150), surface)
    assert (result.status, result.cause) == ("bouncing", "lr")
    assert "2/λmax = 0.0243; yours is 1.03× it" in result.sentence
    assert "bigger learning rate" not in result.sentence and "More steps" not in result.sentence


def test_a_schedule_that_runs_down_before_the_ball_arrives():
    surface = get_surface("rosenbrock")
    result = verdict(descend(surface, "adam", 0.002, (-1.5, 2.0), 120, schedule="cosine"), surface)
    assert (result.status, result.cause) == ("schedule_ran_out", "schedule")
    assert "cosine annealing schedule shrank the learning rate to 3.43e−7" in result.sentence
    assert result.evidence.change == "a constant learning rate"


def test_a_local_minimum_is_converged_and_said_to_be_local():
    surface = get_surface("rastrigin")
    result = verdict(descend(surface, "sgd", 0.002, surface.start, 300), surface)
    assert (result.status, result.cause) == ("converged", None)
    assert result.sentence.startswith("converged to a local minimum at (1.99, −2.98)")
    assert "global minimum at (0, 0) is lower (0)" in result.sentence


def test_a_creeping_ball_is_told_the_bigger_stride_that_arrives():
    surface = get_surface("himmelblau")
    result = verdict(descend(surface, "adam", 0.01, (0.0, 0.0), 150), surface)
    assert (result.status, result.cause) == ("creeping", "steps")
    assert result.evidence.status == "converged"
    rate = float(result.evidence.change.removeprefix("lr "))
    check = verdict(descend(surface, "adam", rate, (0.0, 0.0), 150), surface)
    assert check.status == "converged" and check.converged_at == result.evidence.converged_at


def test_statuses_and_causes_are_the_named_ones():
    assert STATUSES == ("converged", "creeping", "bouncing", "stuck", "diverged", "off_domain", "schedule_ran_out")
    assert CAUSES == ("zero_grad", "lr", "domain", "schedule", "steps", "start", "terrain")


def test_a_surface_without_a_minimum_says_so():
    # 1/x falls without bound towards x = 0⁻: the lowest grid point is next to a pole, not a minimum
    pole = formula_surface("1/x + y^2")
    assert "falls without bound" in pole.no_minimum
    result = verdict(descend(pole, "sgd", pole.lr, pole.start, 100), pole)
    assert result.status == "creeping" and "no minimum in its window" in result.sentence
    assert formula_surface("x + y").no_minimum == "the loss keeps falling towards the edge of the window"
    assert formula_surface("(x-1)^2 + (y-2)^2").no_minimum == ""


def test_a_verdict_for_the_steps_so_far():
    surface = get_surface("himmelblau")
    run = descend(surface, "sgd", 0.01, (0.0, 0.0), 150)
    early = verdict(run.prefix(3), surface)
    assert early.status == "creeping" and "after 3 steps" in early.sentence
    assert verdict(run.prefix(150), surface).status == "converged"
    np.testing.assert_array_equal(run.prefix(3).positions, run.positions[:4])


@pytest.mark.parametrize("name, start", [("himmelblau", (0.0, 0.0)), ("rosenbrock", (-1.5, 2.0)),
                                         ("rastrigin", (2.2, -1.3))])
def test_verdicts_read_from_a_ladder_named_later_are_the_verdicts_of_their_own_sweep(name, start):
    from core.descent import descend_many
    from core.sweep import LR_LADDER, lr_sweep
    from core.verdict import verdicts

    surface = get_surface(name)
    names = ["sgd", "momentum", "adam"]
    ladder = lr_sweep(surface, names, start, 150, np.array(LR_LADDER), paths=True, classified=False)
    for lr in (LR_LADDER[40], LR_LADDER[80], LR_LADDER[100]):
        runs = descend_many(surface, names, lr, start, 150)
        read = verdicts(surface, runs, ladder=ladder)
        assert [v.sentence for v in read] == [v.sentence for v in verdicts(surface, runs)]
        assert [v.evidence for v in read] == [v.evidence for v in verdicts(surface, runs)]
