"""The fair race: tuned on one budget, raced from the same seeded starts, ranked by the stated rules;
every number recomputed here from independent solo runs, and the same seeds give the same table."""

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest

from core import LossMountainError, descend, get_surface
from core.race import fair_race

SETTINGS = dict(steps=60, balls=6, seed=3, rates=(0.001, 0.01, 0.1, 0.5), tuning_balls=4, tolerance=1e-3)


def _starts(surface, count, seed):
    # every point of Himmelblau's square has a loss: the race's starts are plain uniform draws
    (x0, x1), (y0, y1) = surface.bounds
    return np.random.default_rng(seed).uniform([x0, y0], [x1, y1], (count, 2))


def _by_hand(surface, name, lr, starts, steps, tolerance):
    """(reached?, first step within the tolerance, final loss) of each ball, from its own solo run."""
    found = []
    for start in starts:
        run = descend(surface, name, lr, tuple(start), steps)
        gaps = run.losses - surface.min_value
        within = gaps <= tolerance * gaps[0]
        ends = run.diverged_at is None and bool(within[-1])
        found.append((ends, int(np.argmax(within)) if ends else -1,
                      float(run.losses[-1]) if run.diverged_at is None else np.inf))
    return found


def test_every_number_is_what_solo_runs_give():
    surface = get_surface("himmelblau")
    # a per-ball rule (sgd, adam), one instance per rate (pytorch-optimizer's lion), no rate at all (newton)
    race = fair_race(surface, ["sgd", "adam", "newton", "lion"], **SETTINGS)
    tuning, racing = _starts(surface, 4, 4), _starts(surface, 6, 3)  # tuning draws with the next seed
    for entrant in race.entrants:
        if entrant.optimizer == "newton":
            assert entrant.tuned is None and entrant.lr == 1.0  # it takes no learning rate
        else:
            keys, shares = [], []
            for rate in SETTINGS["rates"]:
                found = _by_hand(surface, entrant.optimizer, rate, tuning, 60, 1e-3)
                reached = [f for f in found if f[0]]
                shares.append(len(reached) / 4)
                keys.append((-len(reached), np.median([f[1] for f in reached]) if reached else np.inf,
                             np.median([f[2] for f in found]), rate))
            assert entrant.tuned == tuple(shares)
            assert entrant.lr == min(keys)[3]
        found = _by_hand(surface, entrant.optimizer, entrant.lr, racing, 60, 1e-3)
        reached = [f for f in found if f[0]]
        assert entrant.reached == len(reached) / 6
        assert entrant.median_steps == (float(np.median([f[1] for f in reached])) if reached else None)
        assert entrant.median_evaluations == entrant.median_steps  # one loss evaluation a step
        assert entrant.final_loss == float(np.median([f[2] for f in found]))
    ranked = [(-e.reached, np.inf if e.median_steps is None else e.median_steps) for e in race.entrants]
    assert ranked == sorted(ranked) and [e.rank for e in race.entrants] == [1, 2, 3, 4]


@pytest.mark.parametrize("surface_name", ["rastrigin", "himmelblau"])
def test_the_same_seeds_give_the_same_table_bit_for_bit(surface_name):
    surface = get_surface(surface_name)
    first = fair_race(surface, ["sgd", "momentum", "adam", "rprop", "newton"], 80, 16, seed=5)
    again = fair_race(surface, ["sgd", "momentum", "adam", "rprop", "newton"], 80, 16, seed=5)
    assert first == again and first.rows() == again.rows()
    other = fair_race(surface, ["sgd", "momentum", "adam", "rprop", "newton"], 80, 16, seed=6)
    assert other.rows() != first.rows()  # the seed picks the starts


def test_lbfgs_counts_its_loss_evaluations_not_its_steps():
    surface = get_surface("himmelblau")
    race = fair_race(surface, ["lbfgs"], 10, 3, seed=0, rates=(1.0,), tuning_balls=1)
    (entrant,) = race.entrants
    assert entrant.reached == 1.0
    runs = [descend(surface, "lbfgs", 1.0, tuple(start), 10) for start in _starts(surface, 3, 0)]
    assert entrant.evaluations == sum(run.loss_evaluations for run in runs)
    assert entrant.median_evaluations > entrant.median_steps  # each of its steps evaluates the loss many times


@pytest.mark.parametrize("kwargs, message", [
    (dict(optimizers=[]), "choose at least one optimizer"),
    (dict(optimizers=["sgd"], balls=0), "race balls must be a whole number"),
    (dict(optimizers=["sgd"], seed=-1), "the seed must be a whole number"),
    (dict(optimizers=["sgd"], rates=()), "tuning budget"),
    (dict(optimizers=["sgd"], tolerance=2.0), "tolerance"),
    (dict(optimizers=["bfgs"]), "unknown optimizer"),
])
def test_bad_races_are_refused_clearly(kwargs, message):
    with pytest.raises(LossMountainError, match=message):
        fair_race(get_surface("bowl"), **kwargs)


def test_the_cli_prints_the_same_table():
    args = ["race", "--surface", "himmelblau", "--optimizers", "sgd", "adam", "newton", "--steps", "60",
            "--balls", "6", "--seed", "3", "--rates", "0.001", "0.01", "0.1", "0.5", "--tuning-balls", "4"]
    race = fair_race(get_surface("himmelblau"), ["sgd", "adam", "newton"], **SETTINGS)
    printed = subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, text=True, check=True)
    rows = list(csv.DictReader(io.StringIO(printed.stdout)))
    assert [row["optimizer"] for row in rows] == [e.optimizer for e in race.entrants]
    assert [float(row["reached"]) for row in rows] == [e.reached for e in race.entrants]
    assert [float(row["lr"]) for row in rows] == [e.lr for e in race.entrants]
    as_json = json.loads(subprocess.run([sys.executable, "-m", "core", *args, "--format", "json"],
                                        capture_output=True, text=True, check=True).stdout)
    assert as_json["seed"] == 3 and as_json["tuning_seed"] == 4 and as_json["rates"] == [0.001, 0.01, 0.1, 0.5]
    assert as_json["rows"] == race.rows()


@pytest.mark.parametrize("name, expected", [
    ("sgd", (4 * 3, 5)),  # a rate per ball: every tuning rate in one batch, then the race's
    ("adabelief", (3, 3, 3, 3, 5)),  # one instance a rate: a batch per tuning rate
    ("newton", (5,)),  # no learning rate to tune
])
def test_the_batches_a_race_is_priced_by_are_the_batches_it_rolls(monkeypatch, name, expected):
    import core.race
    from core.race import race_batches

    rolled = []
    for function in ("descend_batch", "roll_balls"):
        real = getattr(core.race, function)

        def counted(surface, first, *args, real=real, function=function, **kwargs):
            rolled.append(len(args[1]) if function == "descend_batch" else len(first))
            return real(surface, first, *args, **kwargs)

        monkeypatch.setattr(core.race, function, counted)
    fair_race(get_surface("bowl"), [name], 20, 5, seed=0, rates=(0.01, 0.03, 0.1, 0.3), tuning_balls=3)
    assert tuple(rolled) == race_batches(name, 5, rates=4, tuning_balls=3) == expected
