"""Typed formulas: a whitelist parser that turns text into torch operations, and refuses the rest."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core import LossMountainError, descend, get_surface
from core.custom import formula_surface
from core.formula import FUNCTIONS, MAX_LENGTH, parse_formula

# the built-in surfaces spelled as a learner would type them
SPELLED = {
    "bowl": "x^2 + y^2",
    "ravine": "x^2 + 25*y^2",
    "saddle": "x^2 - y^2 + y^4/4",
    "rosenbrock": "(1 - x)^2 + 100*(y - x^2)^2",
    "himmelblau": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "beale": "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
    "booth": "(x + 2*y - 7)^2 + (2*x + y - 5)^2",
    "matyas": "0.26*(x^2 + y^2) - 0.48*x*y",
    "rastrigin": "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
    "camel": "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2",
    "ackley": "-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + 20 + e",
}


def gradient(fn, point):
    p = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    fn(p).backward()
    return p.grad.numpy()


@pytest.mark.parametrize("name", sorted(SPELLED))
def test_typed_formulas_equal_the_built_in_surfaces_and_their_gradients(name):
    surface, typed = get_surface(name), parse_formula(SPELLED[name])
    rng = np.random.default_rng(1)
    (x0, x1), (y0, y1) = surface.bounds
    for point in zip(rng.uniform(x0, x1, 20), rng.uniform(y0, y1, 20)):
        value = torch.tensor(point, dtype=torch.float64)
        assert float(typed(value)) == pytest.approx(float(surface(value)), rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(gradient(typed, point), gradient(surface, point), rtol=1e-9, atol=1e-9)


def test_every_function_and_constant_works():
    point = torch.tensor((0.3, -0.7), dtype=torch.float64)
    x, y = 0.3, -0.7
    expected = {
        "sin(x)": math.sin(x), "cos(y)": math.cos(y), "tan(x)": math.tan(x), "exp(y)": math.exp(y),
        "log(x)": math.log(x), "sqrt(x)": math.sqrt(x), "abs(y)": 0.7, "tanh(y)": math.tanh(y),
        "sigmoid(x)": 1 / (1 + math.exp(-x)), "relu(y)": 0.0, "softplus(x)": math.log1p(math.exp(x)),
        "min(x, y)": y, "max(x, y)": x, "pi * e": math.pi * math.e, "2^3^2": 512.0, "-x^2": -0.09,
        "+x": x, "7": 7.0, "1e3 * x": 300.0, "x/y": x / y,
    }
    assert set(FUNCTIONS) <= {text.split("(")[0] for text in expected}
    for text, value in expected.items():
        assert float(parse_formula(text)(point)) == pytest.approx(value, rel=1e-12), text


def test_a_constant_formula_still_covers_every_point():
    points = torch.zeros(3, 4, 2, dtype=torch.float64)
    assert parse_formula("3").__call__(points).shape == (3, 4)


@pytest.mark.parametrize("text, message", [
    ("x + z", "unknown name `z` at column 5; use x and y"),
    ("2x", "write * between a number and a name"),
    ("sin(x", "not complete or has a typo"),
    ("foo(x)", "unknown function `foo` at column 1; use one of sin, cos"),
    ("max(x)", "max() with 1 argument at column 1; it takes 2"),
    ("x // y", "the operator // at column 3"),
    ("", "type a formula in x and y"),
])
def test_mistakes_say_what_and_where(text, message):
    with pytest.raises(LossMountainError) as error:
        parse_formula(text)
    assert message in str(error.value)


HOSTILE = [
    "__import__('os').system('ls')", "x.__class__", "x.__class__.__bases__[0].__subclasses__()",
    "lambda: 0", "(lambda q: q)(x)", "[x for x in (1, 2)]", "{x: 1}", "{x}", "'a' * 3", 'f"{x}"',
    "(y := 2)", "x if y else 1", "x < y", "x and y", "not x", "~x", "x[0]", "x.real",
    "open('/etc/passwd')", "eval('1')", "exec('1')", "compile('1', '', 'eval')", "globals()",
    "getattr(x, 'real')", "sin(x=1)", "print(x)", "x; import os", "import os", "x\nimport os",
    "# comment", "x #", "b'x'", "1j", "...", "*x", "x, y", "await x", "yield x",
    "(" * 10_000 + "x" + ")" * 10_000, "-" * 200 + "x", "9**9**9**9",
    "x" * 1_000_000, "sin(" * 60 + "x" + ")" * 60,
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda text: repr(text[:24]))
def test_hostile_input_is_refused_or_harmless(text):
    try:
        formula = parse_formula(text)
    except LossMountainError as error:
        assert str(error)  # a message, never another exception
        return
    # the few that parse are plain arithmetic: 9**9**9**9 is a float overflow to inf
    value = formula(torch.zeros(2, dtype=torch.float64))
    assert text == "9**9**9**9" and math.isinf(float(value))


def test_nothing_long_gets_to_the_parser():
    with pytest.raises(LossMountainError, match=f"keep it under {MAX_LENGTH}"):
        parse_formula("x+" * 200 + "x")


TOKENS = st.sampled_from(["x", "y", "pi", "e", "1", "2.5", "1e3", "+", "-", "*", "/", "^", "**", "(", ")",
                          ",", " ", *FUNCTIONS, "sin(", "max(", "z", ".", "[", "]", "'", "#", "=", "<",
                          "lambda", ":", "__", "import", "os", "\n", "@"])


@settings(max_examples=2500, deadline=None)
@given(st.lists(TOKENS, max_size=40).map("".join))
def test_fuzzed_token_soup_never_escapes_the_project_error(text):
    try:
        formula = parse_formula(text)
    except LossMountainError:
        return
    formula(torch.tensor([[0.5, -1.5], [2.0, 3.0]], dtype=torch.float64))


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=80))
def test_fuzzed_unicode_never_escapes_the_project_error(text):
    try:
        parse_formula(text)
    except LossMountainError:
        pass


def formulas(leaves=("x", "y", "pi", "e", "0.5", "2", "3.25"), max_leaves: int = 12):
    """Formulas the parser accepts: leaves joined by + - * / ^, the functions and unary minus."""
    leaves = st.sampled_from(list(leaves))

    def extend(inner):
        binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})")
        call = st.tuples(st.sampled_from(sorted(FUNCTIONS)), inner, inner).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})" if FUNCTIONS[t[0]][0] == 2 else f"{t[0]}({t[1]})")
        return binary | call | inner.map(lambda s: f"-{s}")

    return st.recursive(leaves, extend, max_leaves=max_leaves)


@settings(max_examples=500, deadline=None)
@given(formulas())
def test_generated_valid_formulas_parse_and_differentiate(text):
    formula = parse_formula(text)
    p = torch.tensor((0.7, 1.3), dtype=torch.float64, requires_grad=True)
    loss = formula(p)
    loss.backward()
    assert p.grad is not None and p.grad.shape == (2,)


def test_a_formula_surface_finds_its_lowest_point_and_descends():
    surface = formula_surface("(x - 1)^2 + (y + 2)^2", ((-5, 5), (-5, 5)))
    assert surface.minima == ((1.0, -2.0),) and surface.min_value == 0.0
    run = descend(surface, "sgd", 0.1, surface.start, 200)
    np.testing.assert_allclose(run.positions[-1], (1.0, -2.0), atol=1e-9)


def test_undefined_regions_cut_the_path_where_the_ball_leaves_the_domain():
    surface = formula_surface("log(x) + y^2", ((-1, 3), (-2, 2)))
    run = descend(surface, "sgd", 0.5, (0.5, 1.0), 50)
    # d/dx log(x) = 1/x pushes the ball toward x ≤ 0, where log is undefined
    assert run.diverged_at is not None and np.isfinite(run.losses).all()


@pytest.mark.parametrize("bounds, message", [
    (((1, 0), (0, 1)), "x range must go from a smaller to a larger number"),
    (((0, 1), (0, float("nan"))), "y bounds must be numbers between"),
    (((0, 1e9), (0, 1)), "x bounds must be numbers between"),
    (((0, 1),), "bounds must be four numbers"),
])
def test_bad_bounds_are_refused(bounds, message):
    with pytest.raises(LossMountainError, match=message):
        formula_surface("x + y", bounds)


def test_a_formula_without_a_finite_value_is_refused():
    with pytest.raises(LossMountainError, match="no finite value anywhere"):
        formula_surface("log(-1 - x^2)")
