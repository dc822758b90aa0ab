"""The Streamlit app through AppTest: set widgets, read the figures the page sends."""

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core import descend_many, get_surface
from plotly_json import decode, traces_with_role

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app():
    return AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=120).run()


def payload(app):
    """The JSON the explorer's view component received on the last run."""
    (view,) = app.get("bidi_component")
    return json.loads(json.loads(view.proto.json))


def mountain_paths(app):
    """Each drawn path's true positions (hover data: step, loss, x, y)."""
    return [decode(t["customdata"]).reshape(-1, 4)[:, 2:]
            for t in traces_with_role(payload(app)["figures"]["mountain"], "path")]


def test_default_page_renders_three_balls_that_reach_somewhere(app):
    assert not app.exception
    figures = payload(app)["figures"]
    assert set(figures) == {"mountain", "map", "loss"}
    assert [t["name"] for t in traces_with_role(figures["loss"], "path")] == ["SGD", "Momentum", "Adam"]
    surface = get_surface("himmelblau")
    expected = descend_many(surface, ["sgd", "momentum", "adam"], 0.01, (0.0, 0.0), 150)
    for path, run in zip(mountain_paths(app), expected):
        np.testing.assert_array_equal(path, run.positions)
    text = " ".join(m.value for m in app.markdown)
    assert "reached the minimum at (3, 2)" in text and "still rolling" in text


def test_moving_the_learning_rate_changes_the_paths(app):
    before = mountain_paths(app)
    app.select_slider(key="lr").set_value(0.02).run()
    assert not app.exception
    after = mountain_paths(app)
    assert all(len(a) != len(b) or not np.array_equal(a, b) for a, b in zip(before, after))
    expected = descend_many(get_surface("himmelblau"), ["sgd", "momentum", "adam"], 0.02, (0.0, 0.0), 150)
    for path, run in zip(after, expected):
        np.testing.assert_array_equal(path, run.positions)


def test_a_new_mountain_starts_at_its_own_start_and_learning_rate(app):
    app.selectbox(key="surface").set_value("rosenbrock").run()
    assert not app.exception
    assert app.slider(key="start_x").value == -1.2 and app.slider(key="start_y").value == 1.0
    assert app.select_slider(key="lr").value == 0.001
    for path in mountain_paths(app):
        assert tuple(path[0]) == (-1.2, 1.0)
    assert payload(app)["figures"]["mountain"]["layout"]["scene"]["yaxis"]["range"] == [-1, 3]


def test_forgetting_zero_grad_explains_and_accumulates(app):
    app.toggle(key="forget_zero_grad").set_value(True).run()
    assert not app.exception
    assert any("zero_grad()` is switched off" in info.value for info in app.info)
    expected = descend_many(get_surface("himmelblau"), ["sgd", "momentum", "adam"], 0.01, (0.0, 0.0),
                            150, zero_grad=False)
    for path, run in zip(mountain_paths(app), expected):
        np.testing.assert_array_equal(path, run.positions)


def test_a_too_big_learning_rate_says_which_ball_diverged(app):
    app.select_slider(key="lr").set_value(1.0).run()
    assert not app.exception
    (warning,) = app.warning
    assert "Diverged: SGD at step" in warning.value and ", Momentum at step" in warning.value
    names = [t["name"] for t in payload(app)["figures"]["mountain"]["data"]]
    assert any(name.startswith("SGD · diverged at step") for name in names)


def test_no_optimizer_shows_the_mountain_and_a_hint(app):
    app.multiselect(key="optimizers").set_value([]).run()
    assert not app.exception
    assert any("Pick at least one optimizer" in info.value for info in app.info)
    assert payload(app)["figures"]["mountain"]["data"][0]["type"] == "surface"
    assert mountain_paths(app) == []


def test_steps_and_start_sliders_drive_the_run(app):
    app.slider(key="steps").set_value(7).run()
    app.slider(key="start_x").set_value(1.5).run()
    app.slider(key="start_y").set_value(-2.0).run()
    assert not app.exception
    for path in mountain_paths(app):
        assert len(path) == 8 and tuple(path[0]) == (1.5, -2.0)


def test_reset_restores_the_mountain_defaults(app):
    app.select_slider(key="lr").set_value(0.5).run()
    app.slider(key="steps").set_value(9).run()
    app.button[0].click().run()
    assert app.select_slider(key="lr").value == 0.01 and app.slider(key="steps").value == 150
