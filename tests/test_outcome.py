"""Outcomes: where a run ended, in words."""

from core import descend, get_surface
from core.outcome import DIVERGED, ESCAPING, REACHED, ROLLING, STUCK, outcome


def test_reached_names_the_minimum():
    surface = get_surface("himmelblau")
    result = outcome(descend(surface, "sgd", 0.01, (0.0, 0.0), 150), surface)
    assert result.status == REACHED and result.nearest == (3.0, 2.0)
    assert "reached the minimum at (3, 2)" in result.sentence


def test_a_slow_ball_is_still_rolling():
    surface = get_surface("himmelblau")
    result = outcome(descend(surface, "adam", 0.01, (0.0, 0.0), 20), surface)
    assert result.status == ROLLING and result.distance > 1


def test_a_ball_in_a_local_dimple_is_stuck():
    surface = get_surface("rastrigin")
    result = outcome(descend(surface, "sgd", 0.002, surface.start, 2000), surface)
    assert result.status == STUCK and result.final_loss > 1


def test_divergence_is_said_with_its_step():
    surface = get_surface("bowl")
    result = outcome(descend(surface, "sgd", 1.5, (1.0, 1.0), 2000), surface)
    assert result.status == DIVERGED and "diverged at step 512" in result.sentence


def test_a_ball_past_the_stability_limit_is_leaping_away_before_it_overflows():
    surface = get_surface("ravine")
    result = outcome(descend(surface, "sgd", 0.05, surface.start, 150), surface)
    assert result.status == ESCAPING and "leaping ever higher" in result.sentence


def test_a_ball_halted_by_a_decayed_schedule_is_not_said_to_be_on_a_flat_spot():
    # Adam on Rosenbrock with cosine annealing: the learning rate reaches 0 on the valley's slope
    surface = get_surface("rosenbrock")
    result = outcome(descend(surface, "adam", 0.002, (-1.5, 2.0), 120, schedule="cosine"), surface)
    assert result.status == STUCK and "learning rate ran down to 3.4e-07" in result.sentence
    assert "flat spot" not in result.sentence.replace("not because the ground is flat", "")
