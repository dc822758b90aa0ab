"""Show me the code: every generated script, run on its own, prints descend's rows."""

import csv
import io
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import OPTIMIZERS, SURFACES, LossMountainError, descend, get_surface
from core.codegen import training_script
from tests.test_formula import formulas
from scripts_run import run_scripts

# (surface, optimizer, lr, steps, zero_grad, options): every surface once, plus each feature
CASES = [
    ("bowl", "sgd", 0.1, 20, True, {}),
    ("ravine", "momentum", 0.02, 30, True, {}),
    ("saddle", "nesterov", 0.05, 30, True, {}),
    ("rosenbrock", "adam", 0.01, 40, True, {"schedule": "warmup_cosine", "clip_norm": 1.0}),
    ("himmelblau", "rmsprop", 0.01, 30, False, {}),
    ("beale", "adagrad", 0.1, 30, True, {"hyperparameters": {"lr_decay": 0.01, "eps": 1e-6}}),
    ("booth", "adamw", 0.1, 30, True, {"schedule": "onecycle",
                                       "hyperparameters": {"betas": (0.8, 0.95), "amsgrad": True}}),
    ("matyas", "sgd", 0.5, 30, False, {"schedule": "step", "hyperparameters": {"momentum": 0.5}}),
    ("rastrigin", "adam", 0.01, 30, True, {"schedule": "exponential"}),
    ("camel", "rmsprop", 0.01, 30, True, {"schedule": "cosine",
                                          "hyperparameters": {"centered": True, "momentum": 0.3}}),
    ("ackley", "sgd", 0.05, 30, True, {"hyperparameters": {"nesterov": True, "momentum": 0.9}}),
    ("himmelblau", "sgd", 0.1, 50, True, {}),  # diverges: the script stops where descend does
]

@pytest.fixture(scope="module")
def script_outputs(tmp_path_factory):
    scripts = [training_script(get_surface(name), optimizer, lr, get_surface(name).start, steps, zero_grad, **options)
               for name, optimizer, lr, steps, zero_grad, options in CASES]
    return run_scripts(tmp_path_factory.mktemp("scripts"), scripts)


def test_every_surface_has_a_script_case():
    assert {case[0] for case in CASES} == set(SURFACES)


@pytest.mark.parametrize("k", range(len(CASES)))
def test_generated_script_reproduces_descend(script_outputs, k):
    name, optimizer, lr, steps, zero_grad, options = CASES[k]
    surface = get_surface(name)
    run = descend(surface, optimizer, lr, surface.start, steps, zero_grad, **options)
    rows = list(csv.reader(io.StringIO(script_outputs[k])))
    assert rows[0] == ["step", "x", "y", "loss"]
    table = np.array(rows[1:], dtype=float)
    assert len(table) == len(run.positions)
    np.testing.assert_array_equal(table[:, 0], np.arange(len(run.positions)))
    np.testing.assert_allclose(table[:, 1:3], run.positions, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(table[:, 3], run.losses, rtol=1e-12, atol=1e-12)


def test_every_optimizer_outside_the_library_has_a_script_that_prints_its_path(tmp_path):
    # torch.optim's, L-BFGS with its closure and Newton's method, whose class the script carries whole
    # (its Hessian helper once lived outside the class, and the script stopped with a NameError)
    surface = get_surface("himmelblau")
    names = [name for name, spec in OPTIMIZERS.items() if spec.library is None]
    assert {"lbfgs", "newton", "adadelta", "rprop"} <= set(names)
    printed_all = run_scripts(tmp_path, [training_script(surface, name, 0.01, surface.start, 5) for name in names])
    for name, printed in zip(names, printed_all):
        rows = np.array([[float(v) for v in line.split(",")[1:3]] for line in printed.splitlines()[1:]])
        np.testing.assert_array_equal(rows, descend(surface, name, 0.01, surface.start, 5).positions, err_msg=name)


def test_the_diverging_case_really_diverges():
    surface = get_surface("himmelblau")
    assert descend(surface, "sgd", 0.1, surface.start, 50).diverged_at is not None


def test_the_script_says_what_it_does():
    surface = get_surface("rosenbrock")
    text = training_script(surface, "momentum", 0.001, (-1.2, 1.0), 100, zero_grad=False,
                           schedule="cosine", clip_norm=2.0)
    assert "torch.optim.SGD([p], lr=0.001, momentum=0.9, dampening=0.0, nesterov=False, weight_decay=0.0)" in text
    assert "    # optimizer.zero_grad()  # forgotten" in text
    assert "CosineAnnealingLR(optimizer, T_max=100)" in text
    assert "clip_grad_norm_([p], max_norm=2.0)" in text
    assert "return (1 - x) ** 2 + 100 * (y - x**2) ** 2" in text


def test_code_command_prints_the_script():
    result = subprocess.run([sys.executable, "-m", "core", "code", "--surface", "bowl", "--optimizer",
                             "adam", "--lr", "0.1", "--steps", "7", "--weight-decay", "0.1"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert result.stdout == training_script(get_surface("bowl"), "adam", 0.1, (-1.6, 1.2), 7,
                                            hyperparameters={"weight_decay": 0.1})


def test_a_typed_formula_script_reproduces_descend(tmp_path):
    from core.custom import formula_surface

    surface = formula_surface("sin(x)*cos(y) + 0.05*(x^2 + y^2) + softplus(x - y)")
    path = tmp_path / "typed.py"
    path.write_text(training_script(surface, "adam", 0.05, surface.start, 40))
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=True)
    table = np.array(list(csv.reader(io.StringIO(result.stdout)))[1:], dtype=float)
    run = descend(surface, "adam", 0.05, surface.start, 40)
    np.testing.assert_allclose(table[:, 1:3], run.positions, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(table[:, 3], run.losses, rtol=1e-12, atol=1e-12)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# with the parts that once broke the script: calls of constants (sin(1), sqrt(2), min(x, 0)), a constant
# formula, numbers past float64 (1e309) and towers of powers
@given(texts=st.lists(formulas(("x", "y", "pi", "e", "0", "1", "2", "0.5", "3.25", "1e309", "1e-320"), 8),
                      min_size=30, max_size=30))
def test_the_script_reproduces_descend_for_every_formula_the_parser_accepts(tmp_path, texts):
    from core.custom import formula_surface

    named = ["x^2+y^2+sin(1)", "sqrt(2)*x^2+y^2", "exp(2)", "softplus(0)", "min(x,0)+y^2", "max(x^2,1)+y^2", "1",
             "x^2+y^2+x/1e309", "9^9^9 + x", "(x * 1e-320) ^ -0.5"]  # the last: x goes to inf, the loss to 0
    cases = []
    for text in named + texts:
        try:
            surface = formula_surface(text)
        except LossMountainError:
            continue  # no mountain (nothing finite inside the bounds): nothing for descend to run either
        cases.append((surface, descend(surface, "sgd", 0.01, surface.start, 3)))
    outputs = run_scripts(tmp_path, [training_script(surface, "sgd", 0.01, surface.start, 3) for surface, _ in cases])
    for (surface, run), output in zip(cases, outputs):
        table = np.array(list(csv.reader(io.StringIO(output)))[1:], dtype=float)
        assert table.shape == (len(run.positions), 4), surface.formula
        np.testing.assert_allclose(table[:, 1:3], run.positions, rtol=1e-12, atol=1e-12, err_msg=surface.formula)
        np.testing.assert_allclose(table[:, 3], run.losses, rtol=1e-12, atol=1e-12, err_msg=surface.formula)
