"""`python -m core sweep | basins | swarm`: what they print equals the library's results."""

import csv
import io
import json

import numpy as np
import pytest

from core import descend, get_surface
from core.basins import basins
from core.status import STATUSES
from core.sweep import lr_grid, lr_sweep
from tests.test_cli import cli


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_sweep_prints_every_optimizer_at_every_rate():
    result = cli("sweep", "--surface", "ravine", "--optimizers", "sgd", "adam", "--lr-range", "0.001", "1",
                 "--rates", "12", "--steps", "80", "--start", "1.5", "0.5")
    assert result.returncode == 0 and result.stderr == ""
    rows = _rows(result.stdout)
    expected = lr_sweep(get_surface("ravine"), ["sgd", "adam"], (1.5, 0.5), 80, lr_grid(0.001, 1, 12))
    assert len(rows) == 24
    for row in rows:
        k, i = ["sgd", "adam"].index(row["optimizer"]), list(expected.lrs).index(float(row["lr"]))
        final = expected.losses[-1, k, i]
        assert (row["final_loss"] == "") if np.isnan(final) else float(row["final_loss"]) == final
        assert int(row["reached_at"]) == expected.reached_at[k, i]
        assert row["status"] == STATUSES[expected.statuses[k, i]]
        assert int(row["converged_at"]) == expected.converged_at[k, i]
    # plain GD on x² + 25y² flies off above lr = 2/50
    assert {row["status"] for row in rows if row["optimizer"] == "sgd" and float(row["lr"]) > 0.05} == {"diverged"}


def test_basins_json_names_each_start_and_the_far_valley_share():
    result = cli("basins", "--surface", "himmelblau", "--optimizer", "momentum", "--lr", "0.005",
                 "--resolution", "15", "--steps", "120", "--format", "json")
    assert result.returncode == 0
    printed = json.loads(result.stdout)
    expected = basins(get_surface("himmelblau"), "momentum", 0.005, 120, 15)
    assert printed["far_valley_share"] == expected.far_valley_share
    assert len(printed["rows"]) == 225
    assert [row["label"] for row in printed["rows"]] == expected.ends.labels.tolist()
    assert sum(c["share"] for c in printed["classes"]) == pytest.approx(1.0)


def test_basins_runs_over_its_whole_documented_range_of_resolutions():
    # 317 and up once failed: "starts must be 1 to 100000 pairs" (400 x 400 is 160,000 starts)
    result = cli("basins", "--surface", "bowl", "--optimizer", "sgd", "--lr", "0.1", "--resolution", "400",
                 "--steps", "3")
    assert result.returncode == 0, result.stderr
    assert len(_rows(result.stdout)) == 400 * 400


def test_swarm_prints_each_balls_start_and_end():
    result = cli("swarm", "--surface", "camel", "--optimizer", "adam", "--lr", "0.02", "--balls", "6",
                 "--steps", "50", "--seed", "3")
    assert result.returncode == 0
    rows = _rows(result.stdout)
    assert len(rows) == 6
    for row in rows:
        start = (float(row["start_x"]), float(row["start_y"]))
        run = descend(get_surface("camel"), "adam", 0.02, start, 50)
        assert (float(row["end_x"]), float(row["end_y"])) == tuple(run.positions[-1])
        assert row["ending"]


@pytest.mark.parametrize("args, message", [
    (("basins", "--surface", "bowl", "--optimizer", "sgd", "--device", "toaster"), "unknown device"),
    (("sweep", "--surface", "bowl", "--rates", "1"), "2 to 1024 learning rates"),
    (("sweep", "--surface", "bowl", "--lr-range", "1", "0.1"), "positive low to a higher high"),
    (("swarm", "--surface", "bowl", "--optimizer", "sgd", "--balls", "-3"), "a swarm has 1 to"),
    (("basins", "--surface", "bowl", "--optimizer", "sgd", "--resolution", "100000"), "10 to 400 points"),
])
def test_bad_many_ball_arguments_are_one_line_and_exit_2(args, message):
    result = cli(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert message in result.stderr and result.stderr.count("\n") == 1
