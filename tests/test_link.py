"""The link is the state: every control round-trips through the URL, and bad links fall back."""

import urllib.parse

import pytest
from streamlit.testing.v1 import AppTest

from app.link import defaults, fields, read_link, write_link
from tests.test_app import ROOT

# a scene unlike a fresh session in every control the link carries
CHANGED = {
    "surface": "rosenbrock", "optimizers": ["momentum", "adam", "adamw"], "lr": 0.0032, "start_x": -1.5,
    "start_y": 2.25, "steps": 420, "forget_zero_grad": True, "step_mode": True, "step": 7, "step_future": True,
    "contrast": True, "schedule": "onecycle", "clip": True, "clip_norm": 2.5, "hp:momentum:momentum": 0.75, "hp:momentum:dampening": 0.1,
    "hp:adam:betas:0": 0.8, "hp:adam:betas:1": 0.95, "hp:adam:amsgrad": True, "hp:adam:eps": 1e-06,
    "hp:adamw:weight_decay": 0.05, "many_mode": "basins", "sweep_low": 0.001, "sweep_high": 1.0,
    "sweep_count": 128, "sweep_tolerance": 0.0001, "basin_optimizer": "adam", "basin_resolution": 151,
    "basin_jumps": False, "swarm_optimizer": "adamw", "swarm_size": 500, "swarm_seed": 42, "data_model": "quadratic",
    "data_optimizer": "rmsprop", "data_lr": 0.05, "data_steps": 500, "data_batch": 8, "data_mode": "forget",
    "data_centre": True, "data_pair": "a, c", "data_seed": 3, "net_optimizer": "sgd", "net_lr": 0.1,
    "net_steps": 800, "net_directions": "random", "net_resolution": 31, "net_seed": 9,
    "fog_surface": "bowl", "fog_stride": 0.1, "fog_radius": 0.18, "fog_lifted": True, "fog_x": 1.25, "fog_y": -0.5,
    "fog_walk": [0.1, 0.05, 0.1], "fog_chapter": "button", "fog_button_x": 0.5, "fog_button_y": -0.25,
    "fog_zeroing": True, "fog_sum_walk": [0.1, 0.1], "fog_rate_blue": 0.002, "fog_rate_green": 0.005,
    "fog_rate_red": 0.05, "fog_rate_x": 1.5, "fog_rate_y": 1.0, "fog_seed": 12, "fog_hand_length": 0.3,
    "fog_hand": [[180.0, 0.5]], "fog_hand_lifted": True, "presenter": True, "race_balls": 32, "race_seed": 7,
}


def open_link(params: dict) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=120)
    app.query_params = dict(params)
    return app.run()


def test_every_control_round_trips_through_the_link():
    # every control that travels is in the scene above, and each differs from its default
    fresh = defaults()
    travelling = {key for key in fields() if not key.startswith(("hp:", "bound_")) and key != "formula"}
    assert travelling <= set(CHANGED)
    assert all(CHANGED[key] != fresh.get(key) for key in CHANGED)
    link = write_link(CHANGED)
    app = open_link(link)
    assert not app.exception and not app.warning
    for key, value in CHANGED.items():
        assert app.session_state[key] == value, key
    # the app writes the same link back, and opening that gives the same scene again
    assert app.query_params == link
    again = open_link(app.query_params)
    assert {key: again.session_state[key] for key in CHANGED} == CHANGED


def test_a_typed_mountain_travels_with_its_formula_and_bounds():
    scene = {"surface": "custom", "formula": "sin(x)*y^2 + 0.1*x^2", "bound_x0": -3.0, "bound_x1": 4.0,
             "bound_y0": -2.0, "bound_y1": 2.0, "optimizers": ["adam"], "lr": 0.05, "start_x": 1.5,
             "start_y": -1.0, "steps": 200}
    link = write_link(scene)
    assert urllib.parse.parse_qs(urllib.parse.urlencode(link))["formula"] == ["sin(x)*y^2 + 0.1*x^2"]
    app = open_link(link)
    assert not app.exception and not app.warning
    for key, value in scene.items():
        assert app.session_state[key] == value, key
    assert app.session_state["good_custom"] == (scene["formula"], ((-3.0, 4.0), (-2.0, 2.0)))


def test_a_link_holds_only_the_scene_and_what_differs_from_a_fresh_session():
    link = write_link({**defaults(), "schedule": "cosine"})
    assert set(link) == {"surface", "optimizers", "lr", "start_x", "start_y", "steps", "schedule"}
    assert link["optimizers"] == "sgd,momentum,adam" and link["lr"] == "0.01"


def test_the_step_on_show_travels_step_by_step_so_a_reconnected_page_shows_it_again():
    from tests.test_app import labelled, payload

    app = open_link({"surface": "himmelblau", "optimizers": "sgd,adam", "lr": "0.01", "start_x": "0.5",
                     "start_y": "-1", "steps": "150", "step_mode": "1", "step": "5"})
    assert not app.exception and not app.warning
    assert payload(app)["step"] == 5 and app.query_params["step"] == "5"
    labelled(app.button, "Step ▶").click().run()
    assert payload(app)["step"] == 6 and app.query_params["step"] == "6"
    # a new scene starts at step 0 again
    app.slider(key="start_x").set_value(1.0).run()
    assert payload(app)["step"] == 0 and "step" not in app.query_params
    # past the last step: the last; without step by step a step means nothing and is left out
    assert payload(open_link({"steps": "20", "step_mode": "1", "step": "90"}))["step"] == 20
    plain = open_link({"steps": "20", "step": "9"})
    assert not plain.warning and "step" not in plain.query_params and payload(plain)["step"] is None


HOSTILE = [
    {"lr": "abc"}, {"lr": "nan"}, {"lr": "inf"}, {"lr": "-1"}, {"lr": "1e309"}, {"lr": "0"},
    {"steps": "2.5"}, {"steps": "99999999999999999999"}, {"steps": "-3"}, {"steps": ""},
    {"surface": "everest"}, {"surface": "<script>alert(1)</script>"}, {"surface": "x" * 10_000},
    {"optimizers": "sgd,sgd,rocket"}, {"optimizers": "adam; DROP TABLE runs"}, {"optimizers": ",rocket," * 500},
    {"start_x": "1e6", "start_y": "0"}, {"start_x": "NaN"}, {"surface": "bowl", "start_x": "3"},
    {"formula": "__import__('os').system('ls')", "surface": "custom"},
    {"surface": "custom", "formula": "(" * 5000}, {"surface": "custom", "formula": "9**9**9**9"},
    {"surface": "custom", "bound_x0": "5", "bound_x1": "-5"}, {"surface": "custom", "bound_y0": "inf"},
    {"hp:momentum:momentum": "7"}, {"hp:nesterov:momentum": "0"}, {"hp:adam:betas:0": "1.5"},
    {"hp:adam:eps": "0.5"}, {"hp:ghost:lr": "1"}, {"clip_norm": "-1"}, {"schedule": "sometimes"},
    {"forget_zero_grad": "maybe"}, {"many_mode": "chaos"}, {"sweep_low": "1", "sweep_high": "0.001"},
    {"swarm_size": "1000000"}, {"basin_resolution": "100000"}, {"net_resolution": "12"},
    {"data_batch": "3"}, {"data_model": "<img src=x onerror=alert(1)>"}, {"\x00": "\x00"},
    {"lr": "[click](javascript:alert(1))"}, {"‮lr": "0.1"}, {"emoji": "⛰️" * 1000},
]


@pytest.mark.parametrize("params", HOSTILE, ids=lambda p: urllib.parse.urlencode(p)[:40])
def test_hostile_links_fall_back_with_a_notice(params):
    app = open_link(params)
    assert not app.exception
    assert app.warning and "could not be used" in app.warning[0].value
    assert "Loss Mountain" in app.markdown[0].value or app.get("bidi_component")
    # whatever was refused is back at its default: the address bar no longer holds the bad value
    values, notices = read_link(params)
    assert notices
    for key, raw in params.items():
        if key not in values:
            assert app.query_params.get(key) != raw, key


def test_notices_quote_bad_values_as_code_never_as_markup():
    _, notices = read_link({"surface": "<b>bold</b> [link](http://x) `tick`" + "y" * 100})
    (notice,) = notices
    assert "`<b>bold</b> [link](http://x) 'tick'yyyyy" in notice and notice.count("`") == 4 and "…" in notice
