"""Chapter "you are the optimizer": the learner's own steps on a real tensor whose .grad came from
loss.backward(), mountains from a number, the score and the race."""

import math

import numpy as np
import pytest

from core import LossMountainError, descend_many, get_surface
from core.hand_walk import CABIN_REACH, first_at_cabin, hand_walk, heading_to, race
from core.seeded import seeded_formula, seeded_mountain, seeded_start
from core.status import diagonal

from app.link import read_link

BOWL = get_surface("bowl")


def test_each_click_is_the_learners_own_step_and_the_compass_is_the_real_gradient():
    moves = [(0.0, 0.5), (90.0, 0.2), (225.0, 0.3)]
    taken = hand_walk(BOWL, (-1.6, 1.2), moves)
    expected = [np.array([-1.6, 1.2])]
    for heading, length in moves:  # by hand: length along (cos, sin) of the heading
        angle = math.radians(heading)
        expected.append(expected[-1] + length * np.array([math.cos(angle), math.sin(angle)]))
    np.testing.assert_allclose(taken.positions, expected, atol=1e-15)
    np.testing.assert_allclose(taken.grads, 2 * taken.positions)  # ∇(x² + y²) = 2p, felt and not followed
    np.testing.assert_allclose(taken.losses, (taken.positions**2).sum(axis=1))
    assert taken.strides == (0.5, 0.2, 0.3)


def test_directions_scores_and_bad_steps():
    assert heading_to((0, 0), (1, 1)) == 45.0 and heading_to((0, 0), (-1, 0)) == 180.0
    assert heading_to((0, 0), (0, -2)) == 270.0 and heading_to((1, 1), (1, 1)) is None
    reach = CABIN_REACH * diagonal(BOWL)
    taken = hand_walk(BOWL, (1.0, 0.0), [(180.0, 0.5), (180.0, 0.5 - reach / 2)])
    assert first_at_cabin(BOWL, taken) == 2
    assert first_at_cabin(BOWL, hand_walk(BOWL, (1.0, 0.0), [(0.0, 0.5)])) is None
    with pytest.raises(LossMountainError, match="positive length"):
        hand_walk(BOWL, (1.0, 0.0), [(0.0, -1.0)])


def test_the_race_is_plain_sgd_and_adam_for_as_many_steps_from_the_same_start():
    taken = hand_walk(BOWL, (-1.6, 1.2), [(0.0, 0.5)] * 4)
    raced = race(BOWL, taken)
    for run, name in zip(raced.runs, ("sgd", "adam")):
        (alone,) = descend_many(BOWL, [name], BOWL.lr, (-1.6, 1.2), 4)
        np.testing.assert_array_equal(run.positions, alone.positions)
        near = np.flatnonzero(np.hypot(*run.positions.T) <= CABIN_REACH * diagonal(BOWL))
        assert raced.arrived[raced.runs.index(run)] == (int(near[0]) if len(near) else None)


def test_a_mountain_number_gives_everyone_the_same_mountain():
    assert seeded_formula(7) == seeded_formula(7) != seeded_formula(8)
    assert "- -" not in seeded_formula(7) and "+ -" not in seeded_formula(7)
    one, again = seeded_mountain(7), seeded_mountain(7)
    assert one.minima == again.minima and one.start == again.start == seeded_start(7, one)
    assert one.title == "Mountain #7"
    # the start is at least half the window away from the cabin
    assert np.hypot(*(np.array(one.start) - one.minima[0])) >= 5
    with pytest.raises(LossMountainError, match="whole number from 0 to 9999"):
        seeded_formula(10_000)


def test_a_walk_by_hand_travels_in_the_link_and_a_step_no_click_could_take_is_refused():
    values, notices = read_link({"fog_chapter": "optimizer", "fog_seed": "12", "fog_hand": "180:0.5,95:0.3"})
    assert not notices
    assert values["fog_seed"] == 12 and values["fog_hand"] == [[180.0, 0.5], [95.0, 0.3]]
    _, notices = read_link({"fog_hand": "400:0.5"})
    assert len(notices) == 1 and "no click could take" in notices[0]
    _, notices = read_link({"fog_hand": "9" * 400 + ":0.5"})
    assert len(notices) == 1 and "heading:length" in notices[0]
    _, notices = read_link({"fog_hand": "north"})
    assert len(notices) == 1 and "heading:length" in notices[0]
