"""The CLI as a script would use it: `python -m core ...` in a subprocess."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core import OPTIMIZERS, SURFACES, descend, get_surface
from core.cli import main
from core.verdict import verdict

ROOT = Path(__file__).resolve().parent.parent


def cli(*args):
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_surfaces_lists_every_surface_with_bounds_and_minima():
    result = cli("surfaces")
    assert result.returncode == 0
    for name, surface in SURFACES.items():
        assert name in result.stdout and surface.formula in result.stdout
    assert "x in [-5.12, 5.12], y in [-5.12, 5.12]" in result.stdout
    assert "(3, 2), (-2.80512, 3.13131), (-3.77931, -3.28319), (3.58443, -1.84813)" in result.stdout


def test_descend_csv_is_the_run_exactly():
    result = cli("descend", "--surface", "rosenbrock", "--optimizer", "adam", "--lr", "0.02",
                 "--start", "-1.5", "2", "--steps", "25")
    assert result.returncode == 0 and result.stderr == ""
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["step", "x", "y", "loss", "grad_x", "grad_y", "evaluations"]
    assert len(rows) == 1 + 26
    run = descend(get_surface("rosenbrock"), "adam", 0.02, (-1.5, 2.0), 25)
    table = np.array([[float(v) for v in row[:4]] for row in rows[1:]])
    np.testing.assert_array_equal(table[:, 0], np.arange(26))
    np.testing.assert_array_equal(table[:, 1:3], run.positions)
    np.testing.assert_array_equal(table[:, 3], run.losses)
    grads = np.array([[float(v) for v in row[4:6]] for row in rows[1:-1]])
    np.testing.assert_array_equal(grads, run.grads)
    assert [row[6] for row in rows[1:-1]] == ["1"] * 25  # one loss evaluation a step
    assert rows[-1][4:] == ["", "", ""]


def test_descend_uses_the_surface_defaults():
    result = cli("descend", "--surface", "booth", "--optimizer", "sgd", "--steps", "3")
    first = result.stdout.splitlines()[1].split(",")
    assert first[:3] == ["0", "-8.0", "-6.0"]


def test_no_zero_grad_accumulates_and_json_carries_the_settings():
    result = cli("descend", "--surface", "bowl", "--optimizer", "sgd", "--lr", "0.1",
                 "--start", "1", "1", "--steps", "3", "--no-zero-grad", "--format", "json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["zero_grad"] is False and data["diverged_at"] is None and data["steps"] == 3
    rows = data["rows"]
    # p.grad = 2·(sum of the positions so far) on x² + y²
    assert [row["grad_x"] for row in rows[:3]] == pytest.approx([2.0, 2.0 + 1.6, 2.0 + 1.6 + 0.88])
    assert rows[-1]["grad_x"] is None and len(rows) == 4


def test_a_diverged_run_prints_its_finite_rows_and_says_so():
    result = cli("descend", "--surface", "bowl", "--optimizer", "sgd", "--lr", "1.5",
                 "--start", "1", "1", "--steps", "2000")
    assert result.returncode == 0
    rows = result.stdout.strip().splitlines()
    assert len(rows) == 1 + 512
    assert "diverged at step 512" in result.stderr
    # the largest slider rate below 1.5 that settles: 0.89, factor 0.78, within 1e-3 · 4√2 at t = 23
    assert "at lr 0.89 (0.59× yours) the same run converges in 23 steps" in result.stderr
    assert all("inf" not in row and "nan" not in row for row in rows)


def test_json_carries_the_outcome_from_the_classifier_and_csv_does_not_change():
    args = ("descend", "--surface", "himmelblau", "--optimizer", "momentum", "--lr", "0.01",
            "--start", "0", "0", "--steps", "150", "--no-zero-grad")
    data = json.loads(cli(*args, "--format", "json").stdout)
    surface = get_surface("himmelblau")
    expected = verdict(descend(surface, "momentum", 0.01, (0.0, 0.0), 150, zero_grad=False), surface)
    assert data["outcome"]["status"] == "diverged" and data["outcome"]["cause"] == "zero_grad"
    assert data["outcome"]["sentence"] == expected.sentence
    assert list(data)[-1] == "rows"
    plain = cli(*args)
    assert plain.stdout.splitlines()[0] == "step,x,y,loss,grad_x,grad_y,evaluations"
    assert "missing zero_grad() is the cause" in plain.stderr and "outcome" not in plain.stdout


@pytest.mark.parametrize("args, message", [
    (["descend", "--surface", "volcano", "--optimizer", "sgd"], "invalid choice: 'volcano' (choose from 'bowl'"),
    (["descend", "--surface", "bowl", "--optimizer", "lionx"], "unknown optimizer 'lionx'; choose one of: sgd, "),
    (["descend", "--surface", "bowl", "--optimizer", "lion", "--hp", "foo=1"], "Lion has no hyperparameter 'foo'"),
    (["descend", "--surface", "bowl", "--optimizer", "lion", "--hp", "betas=a,b"], "--hp wants NAME=VALUE"),
    (["descend", "--surface", "bowl", "--optimizer", "sgd", "--lr", "fast"], "invalid float value: 'fast'"),
    (["descend", "--surface", "bowl", "--optimizer", "sgd", "--lr", "-0.1"], "learning rate must be a positive number"),
    (["descend", "--surface", "bowl", "--optimizer", "sgd", "--lr", "nan"], "learning rate must be a positive number"),
    (["descend", "--surface", "bowl", "--optimizer", "sgd", "--steps", "0"], "steps must be a whole number from 1"),
    (["descend", "--surface", "bowl", "--optimizer", "sgd", "--steps", "1.5"], "invalid int value: '1.5'"),
    (["descend", "--surface", "bowl", "--optimizer", "sgd", "--start", "1", "inf"], "start must be two finite numbers"),
    (["descend", "--surface", "bowl", "--optimizer", "sgd", "--start", "1"], "expected 2 arguments"),
    (["descend", "--surface", "bowl", "--optimizer", "sgd", "--format", "xml"], "invalid choice: 'xml'"),
    (["descend", "--optimizer", "sgd"], "one of the arguments --surface --expr is required"),
    (["climb"], "invalid choice: 'climb' (choose from 'surfaces', 'optimizers', 'descend', 'code', 'sweep', 'basins', 'swarm', 'race')"),
    ([], "the following arguments are required: command"),
])
def test_mistakes_are_one_line_and_exit_2(args, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and message in err


@pytest.mark.parametrize("args", [
    ["descend", "--surface", "volcano", "--optimizer", "sgd"],
    ["descend", "--surface", "bowl", "--optimizer", "sgd", "--lr", "-0.1"],
])
def test_mistakes_in_a_real_process_print_no_traceback(args):
    result = cli(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_help_describes_descend():
    result = cli("descend", "--help")
    assert result.returncode == 0 and "--no-zero-grad" in result.stdout


def test_expr_describes_its_own_mountain(capsys):
    assert main(["descend", "--expr", "(x - 1)^2 + y^2", "--bounds", "-2", "2", "-2", "2", "--optimizer",
                 "sgd", "--lr", "0.25", "--start", "0", "1", "--steps", "2"]) == 0
    rows = capsys.readouterr().out.splitlines()
    # on (x − 1)² + y², SGD with lr 0.25 halves the distance to (1, 0) every step
    assert rows[1:] == ["0,0.0,1.0,2.0,-2.0,2.0,1", "1,0.5,0.5,0.5,-1.0,1.0,1", "2,0.75,0.25,0.125,,,"]


@pytest.mark.parametrize("args, message", [
    (["--expr", "x + z"], "unknown name `z` at column 5"),
    (["--expr", "x^2", "--bounds", "1", "0", "0", "1"], "the x range must go from a smaller"),
    (["--surface", "bowl", "--bounds", "0", "1", "0", "1"], "--bounds goes with --expr"),
    (["--surface", "bowl", "--expr", "x"], "not allowed with argument"),
])
def test_expr_mistakes_are_one_line(args, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["descend", *args, "--optimizer", "sgd"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1 and message in err


def test_optimizers_lists_every_one_name_first_then_family_and_source():
    result = cli("optimizers")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    # torch.optim's and Newton first, then every one pytorch-optimizer's registry offers, by its name there
    listed = [line.split()[0] for line in lines]
    assert listed[:len(OPTIMIZERS)] == list(OPTIMIZERS) and len(listed) == len(OPTIMIZERS) + 106
    lion = lines[listed.index("lion")].split()
    assert lion[1:3] == ["sign-based", "pytorch_optimizer.Lion"] and "po-adadelta" in listed
    assert lines[list(OPTIMIZERS).index("lbfgs")].split()[1:3] == ["second-order", "torch.optim.LBFGS"]
    assert lines[list(OPTIMIZERS).index("rprop")].split()[1:3] == ["sign-based", "torch.optim.Rprop"]
    assert lines[list(OPTIMIZERS).index("newton")].split()[1:3] == ["reference", "Newton"]


def test_lbfgs_rows_count_each_steps_loss_evaluations():
    result = cli("descend", "--surface", "rosenbrock", "--optimizer", "lbfgs", "--lr", "1", "--start", "-1.2", "1",
                 "--line-search-fn", "strong_wolfe", "--history-size", "10", "--steps", "4", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    run = descend(get_surface("rosenbrock"), "lbfgs", 1.0, (-1.2, 1.0), 4,
                  hyperparameters={"line_search_fn": "strong_wolfe", "history_size": 10})
    assert [row["evaluations"] for row in rows] == [*map(int, run.evaluations), None]
    assert sum(run.evaluations) > 4
    np.testing.assert_array_equal([[row["x"], row["y"]] for row in rows], run.positions)
