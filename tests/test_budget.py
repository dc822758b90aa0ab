"""core.budget: a view's solo runs priced from two short timed runs, and what a budget affords."""

import pytest

from core import budget, get_surface
from core.budget import Cost, seconds, time_one_run


def test_what_a_budget_affords():
    cost = Cost("lbfgs", per_run=0.1, wanted=300, budget=6.0)
    assert cost.affordable == 60  # 6 / 0.1 is 59.999… in floats: still 60 whole runs
    assert cost.seconds == pytest.approx(30.0)
    assert Cost("lamb", 0.02, 301, 6.0).affordable == 300


def test_a_run_is_priced_from_its_fixed_cost_and_its_cost_a_step(monkeypatch):
    # a clock that a run of n steps advances by 0.3 s + 0.01 s a step: the estimate is exact for any steps
    clock = [0.0]

    def fake_descend(surface, optimizer, lr, start, steps, zero_grad, **options):
        clock[0] += 0.3 + 0.01 * steps

    monkeypatch.setattr(budget, "descend", fake_descend)
    monkeypatch.setattr(budget.time, "thread_time", lambda: clock[0])
    surface = get_surface("bowl")
    assert time_one_run(surface, "lbfgs", 0.1, (1.0, 1.0), 2000) == pytest.approx(0.3 + 0.01 * 2000)
    assert time_one_run(surface, "lbfgs", 0.1, (1.0, 1.0), 3) == pytest.approx(0.33)  # shorter than the probe
    # only a 1-step warm-up and 5 + 25 steps were run for the long one
    assert clock[0] == pytest.approx(0.31 + 0.35 + 0.55 + 0.31 + 0.33)


def test_a_real_probe_runs_the_optimizer_and_costs_something():
    assert time_one_run(get_surface("himmelblau"), "lamb", 0.01, (0.0, 0.0), 100) > 0


@pytest.mark.parametrize("value, said", [(0.0016, "1.6 ms"), (0.0432, "43 ms"), (0.43, "0.43 s"), (2.46, "2.5 s"),
                                         (48.2, "48 s"), (200, "3 min")])
def test_durations_read_as_people_say_them(value, said):
    assert seconds(value) == said


def test_what_a_budget_affords_beside_a_batchs_fixed_cost():
    cost = Cost("sgd", per_run=0.01, wanted=1000, budget=6.0, fixed=3.5)
    assert cost.seconds == pytest.approx(13.5) and cost.affordable == 250
    assert Cost("sgd", 0.01, 10, 6.0, fixed=7.0).affordable == 0  # its steps alone pass the budget


def test_a_batch_is_priced_from_two_sizes_as_its_fixed_cost_and_its_cost_a_ball(monkeypatch):
    from core.budget import time_batched_balls

    # a clock that a batch of n balls advances by 2 ms + 0.1 ms a ball each step: the estimate is exact
    clock = [0.0]

    def fake_batch(surface, optimizer, lr, starts, steps, zero_grad, **options):
        clock[0] += steps * (0.002 + 0.0001 * len(starts))

    monkeypatch.setattr(budget, "descend_batch", fake_batch)
    monkeypatch.setattr(budget.time, "thread_time", lambda: clock[0])
    fixed, per_ball = time_batched_balls(get_surface("bowl"), "sgd", 0.1, 2000)
    assert fixed == pytest.approx(4.0) and per_ball == pytest.approx(0.2)


def test_a_real_batch_is_priced_and_a_heavy_formula_costs_more():
    from core.budget import time_batched_balls
    from core.custom import formula_surface

    light = time_batched_balls(get_surface("himmelblau"), "sgd", 0.01, 100)
    heavy = time_batched_balls(formula_surface("+".join(["sin(x^y^x)^cos(y^x^y)"] * 13)[:300].rstrip("+"),
                                               ((0.1, 3.0), (0.1, 3.0))), "sgd", 0.01, 100)
    # nested powers cost many times Himmelblau's four products, a step and a ball-step
    assert 0 < light[1] < heavy[1] and light[0] < heavy[0]


def test_a_small_batch_is_priced_at_its_own_size_where_a_steps_fixed_cost_is_most_of_it():
    from core.budget import time_one_batch

    himmelblau = get_surface("himmelblau")
    few, many = (time_one_batch(himmelblau, "sgd", 0.01, balls, 100) / balls for balls in (16, 1024))
    # a step's operations cost the same for 16 balls as for 1,024: a ball of 16 costs many times more
    assert few > 5 * many > 0
