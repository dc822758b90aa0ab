"""The Streamlit app through AppTest: set widgets, read the figures the page sends."""

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core import OPTIMIZERS, descend_many, get_surface
from core.descent import gradients_at
from core.verdict import verdicts
from core.wording import point
from pages import view_payload
from plotly_json import decode, traces_with_role

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app():
    return AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=120).run()


def payload(app):
    return view_payload(app)


def open_folded(app, key):
    """Unfold a sidebar expander (its widgets are only built while it is open)."""
    app.session_state[key] = True
    app.run()


def open_tab(app, label):
    """Open one of the explorer's tabs (only the open tab's content is built)."""
    app.session_state["explorer_tab"] = label
    app.run()
    assert not app.exception


def mountain_paths(app):
    """Each drawn path's true positions (hover data: step, loss, x, y)."""
    return [np.column_stack((decode(t["x"]), decode(t["y"]))) if decode(t["customdata"]).ndim == 1
            else decode(t["customdata"]).reshape(-1, 4)[:, 2:]
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
    # each ball's verdict, from core.verdict: SGD arrives, Adam's stride is too short for 150 steps
    assert "**SGD** :green-badge[converged] converged: it reached the global minimum at (3, 2) in 19 steps" in text
    assert "**Adam** :blue-badge[creeping] :gray-badge[cause: too few steps] is still on its way" in text


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
    (info,) = [info.value for info in app.info if "zero_grad()` is switched off" in info.value]
    # what happened to each ball, and what zero_grad() would change, from the counterfactual runs
    assert ("**SGD** bounces — with zero_grad() it converges in 19 steps; **Momentum** flies off — with "
            "zero_grad() it converges in 99 steps; **Adam** is still on its way — zero_grad() alone would not "
            "change that (too few steps)") in info
    expected = descend_many(get_surface("himmelblau"), ["sgd", "momentum", "adam"], 0.01, (0.0, 0.0),
                            150, zero_grad=False)
    for path, run in zip(mountain_paths(app), expected):
        np.testing.assert_array_equal(path, run.positions)


def test_a_too_big_learning_rate_says_which_ball_diverged_and_why(app):
    app.select_slider(key="lr").set_value(1.0).run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    for label in ("SGD", "Momentum"):
        assert f"**{label}** :red-badge[diverged] :gray-badge[cause: learning rate too big] diverged at step" in text
    # each line is the ball's verdict, with the counterfactual rate that works
    surface = get_surface("himmelblau")
    runs = descend_many(surface, ["sgd", "momentum", "adam"], 1.0, (0.0, 0.0), 150)
    for run, result in zip(runs, verdicts(surface, runs)):
        assert result.sentence in text
    assert "The learning rate is too big here: at lr 0.022 (0.022× yours) the same run converges" in text
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
    next(b for b in app.button if b.label.startswith("Reset to")).click().run()
    assert app.select_slider(key="lr").value == 0.01 and app.slider(key="steps").value == 150


def labelled(widgets, label):
    return next(w for w in widgets if w.label == label)


def test_a_hyperparameter_reaches_torch_optim(app):
    app.multiselect(key="optimizers").set_value(["sgd"]).run()
    open_folded(app, "open_tuning")
    app.number_input(key="hp:sgd:momentum").set_value(0.5).run()
    open_tab(app, "🐍 Show me the code")
    surface = get_surface("himmelblau")
    (expected,) = descend_many(surface, ["sgd"], 0.01, (0.0, 0.0), 150, hyperparameters={"sgd": {"momentum": 0.5}})
    np.testing.assert_array_equal(mountain_paths(app)[0], expected.positions)
    code = app.code[0].value
    assert "torch.optim.SGD([p], lr=0.01, momentum=0.5, dampening=0.0" in code


def test_an_impossible_setting_is_refused_and_the_last_scene_kept(app):
    app.multiselect(key="optimizers").set_value(["sgd"]).run()
    before = mountain_paths(app)
    open_folded(app, "open_tuning")
    app.checkbox(key="hp:sgd:nesterov").check().run()
    assert not app.exception
    assert "nesterov needs momentum above 0 and dampening 0" in app.error[0].value
    np.testing.assert_array_equal(mountain_paths(app)[0], before[0])


def test_a_schedule_and_clipping_change_the_run_and_show_the_learning_rate(app):
    open_folded(app, "open_schedule")
    app.selectbox(key="schedule").set_value("cosine").run()
    app.toggle(key="clip").set_value(True).run()
    app.number_input(key="clip_norm").set_value(2.0).run()
    assert not app.exception
    expected = descend_many(get_surface("himmelblau"), ["sgd", "momentum", "adam"], 0.01, (0.0, 0.0), 150,
                            schedule="cosine", clip_norm=2.0)
    for path, run in zip(mountain_paths(app), expected):
        np.testing.assert_array_equal(path, run.positions)
    lrs = traces_with_role(payload(app)["figures"]["loss"], "lr")
    np.testing.assert_array_equal(decode(lrs[0]["y"]), expected[0].lrs)
    open_tab(app, "🐍 Show me the code")
    assert "CosineAnnealingLR(optimizer, T_max=150)" in app.code[0].value
    assert "clip_grad_norm_([p], max_norm=2.0)" in app.code[0].value


def test_step_by_step_advances_and_shows_the_numbers(app):
    app.toggle(key="step_mode").set_value(True).run()
    assert not app.exception and payload(app)["step"] == 0 and payload(app)["autoplay"] is False
    labelled(app.button, "Step ▶").click().run()
    labelled(app.button, "Step ▶").click().run()
    assert payload(app)["step"] == 2
    shapes = payload(app)["figures"]["map"]["layout"]["shapes"]
    expected = descend_many(get_surface("himmelblau"), ["sgd", "momentum", "adam"], 0.01, (0.0, 0.0), 150)
    assert (shapes[0]["xanchor"], shapes[0]["yanchor"]) == tuple(expected[0].positions[2])
    assert len(payload(app)["figures"]["map"]["layout"]["annotations"]) == 6
    tables = " ".join(m.value for m in app.markdown if "lm-step-numbers" in m.value)
    assert point(expected[0].grads[2], digits=4) in tables and "momentum_buffer" in tables and "exp_avg_sq" in tables
    # the present, not the future: paths so far, and the verdict for the steps taken
    for path, run in zip(mountain_paths(app), expected):
        np.testing.assert_array_equal(path, run.positions[:3])
    assert any("So far, after 2 of 150 steps" in c.value for c in app.caption)
    assert "**SGD** :blue-badge[creeping]" in " ".join(m.value for m in app.markdown)
    app.toggle(key="step_future").set_value(True).run()
    future = [t for t in payload(app)["figures"]["map"]["data"] if t.get("meta", {}).get("role") == "future"]
    np.testing.assert_array_equal(decode(future[0]["x"]), expected[0].positions[:, 0])
    labelled(app.button, "10 steps ⏭").click().run()
    assert payload(app)["step"] == 12
    labelled(app.button, "⏮ Reset").click().run()
    assert payload(app)["step"] == 0


def test_forgetting_zero_grad_brings_ghosts_and_the_deep_dive(app):
    app.toggle(key="forget_zero_grad").set_value(True).run()
    assert not app.exception
    names = [t["name"] for t in traces_with_role(payload(app)["figures"]["mountain"], "path")]
    assert names[3:] == ["SGD with zero_grad()", "Momentum with zero_grad()", "Adam with zero_grad()"]
    # the view gets each run's fresh gradients: p.grad is their running sum, drawn tip to tail
    surface = get_surface("himmelblau")
    runs = descend_many(surface, ["sgd", "momentum", "adam"], 0.01, (0.0, 0.0), 150, zero_grad=False)
    for chain, run in zip(payload(app)["sums"], runs):
        fresh = decode(chain["fresh"]).reshape(-1, 2)
        np.testing.assert_array_equal(fresh, gradients_at(surface, run.positions))
        np.testing.assert_allclose(np.cumsum(fresh, axis=0)[:-1], run.grads, rtol=1e-12, atol=1e-9)
    open_tab(app, "🧭 Forgot zero_grad()?")
    text = " ".join(m.value for m in app.markdown)
    assert "Does the ball get stuck, pulled north and south at once?" in text
    assert "**Momentum** No: the old arrows add up instead of cancelling, and throw it off the mountain at step 12." in text
    assert "**SGD** No: the summed compass keeps swinging it through the valley" in text
    assert "# coeffs.grad.zero_()" in " ".join(c.value for c in app.code)


def test_the_classic_mistake_preset(app):
    open_tab(app, "🧭 Forgot zero_grad()?")
    labelled(app.button, "Show the classic mistake").click().run()
    # the scene changes, the tab stays
    assert app.session_state["explorer_tab"] == "🧭 Forgot zero_grad()?"
    assert "Does the ball get stuck" in " ".join(m.value for m in app.markdown)
    assert not app.exception
    assert app.selectbox(key="surface").value == "bowl" and app.multiselect(key="optimizers").value == ["sgd"]
    assert app.toggle(key="forget_zero_grad").value is True
    (path, ghost) = mountain_paths(app)
    # without zero_grad the ball swings through the minimum and back, again and again
    assert np.abs(path[-50:]).max() > 0.5 and np.abs(ghost[-1]).max() < 1e-6


def test_curvature_tab_gives_the_stability_limit(app):
    app.selectbox(key="surface").set_value("ravine").run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "2/λmax = **0.04**" in text
    assert any("0.875× the stability limit 2/λmax = 0.04" in info.value for info in app.info)


def test_a_typed_formula_becomes_the_mountain_and_a_mistake_keeps_it(app):
    from core.custom import formula_surface

    app.selectbox(key="surface").set_value("custom").run()
    assert not app.exception
    app.text_input(key="formula").input("(x - 1)^2 + 2*(y + 1)^2").run()
    app.number_input(key="bound_x0").set_value(-3.0).run()
    assert not app.exception
    surface = formula_surface("(x - 1)^2 + 2*(y + 1)^2", ((-3.0, 5.0), (-5.0, 5.0)))
    start = (app.slider(key="start_x").value, app.slider(key="start_y").value)
    expected = descend_many(surface, ["sgd", "momentum", "adam"], app.select_slider(key="lr").value, start, 150)
    for path, run in zip(mountain_paths(app), expected):
        np.testing.assert_array_equal(path, run.positions)
    minimum = next(t for t in payload(app)["figures"]["map"]["data"] if t.get("name") == "lowest point found")
    assert (decode(minimum["x"])[0], decode(minimum["y"])[0]) == (1.0, -1.0)
    assert payload(app)["figures"]["map"]["layout"]["xaxis"]["range"] == [-3, 5]
    open_tab(app, "🐍 Show me the code")
    assert "return (((x - 1.0) ** 2.0) + (2.0 * ((y + 1.0) ** 2.0)))" in app.code[0].value

    app.text_input(key="formula").input("x^2 + __import__('os')").run()
    assert not app.exception
    assert "cannot be used" in app.error[0].value and "Still showing `(x - 1)^2 + 2*(y + 1)^2`" in app.error[0].value
    for path, run in zip(mountain_paths(app), expected):
        np.testing.assert_array_equal(path, run.positions)


def test_the_type_a_mountain_page_opens_on_a_typed_formula():
    from pages import open_page

    page = open_page("app.explorer", "formula_page")
    assert not page.exception
    assert page.selectbox(key="surface").value == "custom"
    assert page.text_input(key="formula").value == "sin(x)*cos(y) + 0.05*(x^2 + y^2)"
    assert len(mountain_paths(page)) == 3


def test_the_high_contrast_switch_redraws_the_views_in_the_projector_look(app):
    from core.looks import CONTRAST

    app.toggle(key="contrast").set_value(True).run()
    assert not app.exception
    figures = payload(app)["figures"]
    surface = figures["mountain"]["data"][0]
    assert [list(pair) for pair in surface["colorscale"]] == CONTRAST.colorscale
    assert figures["map"]["data"][0]["line"]["color"] == CONTRAST.contour_line
    assert figures["loss"]["layout"]["font"]["size"] == CONTRAST.font_size == 15


def test_a_typed_mountains_minimum_is_written_for_people():
    from pages import open_page

    page = open_page("app.explorer", "formula_page")
    assert not page.exception
    # the grid's lowest point is (−1.45, −0.0): it reads (−1.45, 0), and the learning rate moves the balls
    text = " ".join(m.value for m in page.markdown)
    assert "**At the nearest minimum** (−1.45, 0)" in text
    assert page.select_slider(key="lr").value == 0.71


def test_folded_settings_are_not_built_but_still_shape_the_run(app):
    # the settings' widgets exist only while unfolded; their values keep working folded away
    assert not app.number_input and not app.checkbox
    open_folded(app, "open_tuning")
    app.number_input(key="hp:momentum:momentum").set_value(0.5).run()
    app.session_state["open_tuning"] = False
    app.run()
    assert not app.number_input
    expected = descend_many(get_surface("himmelblau"), ["sgd", "momentum", "adam"], 0.01, (0.0, 0.0), 150,
                            hyperparameters={"momentum": {"momentum": 0.5}})
    for path, run in zip(mountain_paths(app), expected):
        np.testing.assert_array_equal(path, run.positions)


def test_a_scene_whose_ladder_is_too_big_to_keep_says_so_and_rolls_the_torch_optim_paths(app):
    # 8 optimizers × 2,000 steps: 968 balls × (2,001 positions and losses + 2,000 gradients) + the rates, 76 MiB, over what the server keeps for one result
    names = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam"]
    app.multiselect(key="optimizers").set_value(names).run()
    app.slider(key="steps").set_value(2000).run()
    assert not app.exception
    assert payload(app).get("ladder") is None
    captions = " ".join(c.value for c in app.caption)
    assert "No learning-rate preview for this scene: its paths at the slider's 121 rates would hold about 76 MB" in captions
    expected = descend_many(get_surface("himmelblau"), names, 0.01, (0.0, 0.0), 2000)
    for path, run in zip(mountain_paths(app), expected, strict=True):
        np.testing.assert_array_equal(path, run.positions)
    # a scene with a ladder says nothing of the kind
    app.slider(key="steps").set_value(150).run()
    assert payload(app)["ladder"] is not None and "No learning-rate preview" not in " ".join(c.value for c in app.caption)


def test_the_ladder_travels_only_when_the_browser_asks_and_then_once(app):
    first = payload(app)
    info = first["ladder"]
    assert info["index"] == info["rates"].index(0.01) and info["runs"] == 3
    assert info["key"] not in first.get("assets", {})  # offered, not sent
    # the browser reaches for the preview: it asks for the ladder under its key ("missing" trigger)
    app.session_state["view_assets_asked"] = {info["key"]}
    app.run()
    assets = payload(app)["assets"]
    frames = assets[info["key"]]
    assert len(frames["runs"]) == 3 and frames["steps"] == 150
    # rung 0.1 is what the explorer draws at 0.1
    rung = info["rates"].index(0.1)
    app.session_state["lr"] = 0.1
    app.run()
    drawn = traces_with_role(payload(app)["figures"]["map"], "path")
    for k, trace in enumerate(drawn):
        x = decode(frames["runs"][k]["x"]).reshape(len(info["rates"]), -1)[rung]
        kept = len(decode(trace["x"]))
        np.testing.assert_array_equal(x[:kept], decode(trace["x"]).astype(np.float32))
    # the same scene at another rate: the browser holds the ladder already, nothing is resent
    assert info["key"] not in payload(app).get("assets", {})
    assert payload(app)["ladder"]["key"] == info["key"]


def test_lbfgs_and_newton_in_the_explorer_the_code_and_step_by_step(app):
    app.session_state["surface"] = "rosenbrock"
    app.run()
    app.multiselect(key="optimizers").set_value(["adam", "lbfgs", "newton"]).run()
    assert not app.exception
    surface, lr, start = get_surface("rosenbrock"), app.session_state["lr"], (app.session_state["start_x"],
                                                                             app.session_state["start_y"])
    expected = descend_many(surface, ["adam", "lbfgs", "newton"], lr, start, 150)
    for path, run in zip(mountain_paths(app), expected):
        np.testing.assert_array_equal(path, run.positions)
    # L-BFGS is not on the 121-rate ladder (one instance per ball): no preview is offered
    assert payload(app).get("ladder") is None
    dots = [t for t in payload(app)["figures"]["map"]["data"] if t.get("meta", {}).get("role") == "evaluations"]
    assert len(dots) == 1 and len(decode(dots[0]["x"])) == expected[1].loss_evaluations
    open_tab(app, "🐍 Show me the code")
    app.selectbox(key="code_optimizer").set_value("lbfgs").run()
    assert "optimizer.step(closure)" in app.code[0].value
    app.selectbox(key="code_optimizer").set_value("newton").run()
    assert "class Newton(torch.optim.Optimizer)" in app.code[0].value
    app.toggle(key="step_mode").set_value(True).run()
    labelled(app.button, "Step ▶").click().run()
    tables = " ".join(m.value for m in app.markdown if "lm-step-numbers" in m.value)
    assert f"{int(expected[1].evaluations[0])} (closure calls in this step)" in tables and "smallest_curvature" in tables


def test_a_family_narrows_the_picker_and_keeps_the_chosen_balls(app):
    app.session_state["optimizer_family"] = "sign-based"
    app.run()
    options = app.multiselect(key="optimizers").options
    # the chosen three stay; the family's join: torch.optim's Rprop, then pytorch-optimizer's
    assert options[:4] == ["SGD", "Momentum", "Adam", "Rprop"] and "Lion" in options and "Adagrad" not in options
    app.session_state["optimizer_family"] = None
    app.run()
    assert len(app.multiselect(key="optimizers").options) == 15 + 106


def test_a_pytorch_optimizer_ball_rolls_in_the_explorer_and_its_code_loads_it(app):
    app.multiselect(key="optimizers").set_value(["sgd", "lion", "adahessian"]).run()
    assert not app.exception
    # the balls in the picker's order: torch.optim's, then the library's by registry name
    expected = descend_many(get_surface("himmelblau"), ["sgd", "adahessian", "lion"], 0.01, (0.0, 0.0), 150)
    for path, run in zip(mountain_paths(app), expected):
        np.testing.assert_array_equal(path, run.positions)
    said = " ".join(m.value for m in app.markdown)
    assert "**Lion**" in said and "**AdaHessian**" in said
    open_tab(app, "🐍 Show me the code")
    app.selectbox(key="code_optimizer").set_value("adahessian").run()
    assert 'load_optimizer("adahessian")' in app.code[0].value and "create_graph=True" in app.code[0].value


def test_with_many_balls_the_leaders_are_named_from_the_verdicts(app):
    names = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "adadelta", "adamax", "asgd",
             "nadam", "radam", "rprop", "newton"]
    app.multiselect(key="optimizers").set_value(names).run()
    assert not app.exception
    runs = descend_many(get_surface("himmelblau"), names, 0.01, (0.0, 0.0), 150)
    found = verdicts(get_surface("himmelblau"), runs)
    settled = sorted((v.converged_at, k) for k, v in enumerate(found) if v.converged_at is not None)
    line = next(m.value for m in app.markdown if m.value.startswith("🏁 Leading"))
    first = runs[settled[0][1]].optimizer
    assert line.startswith(f"🏁 Leading: 1. **{OPTIMIZERS[first].label}** (converged in")


@pytest.mark.parametrize("optimizer, setting, value", [
    ("lbfgs", "line_search_fn", "strong_wolfe"), ("nadam", "decoupled_weight_decay", True),
    ("rprop", "etas", (0.4, 1.3)), ("lbfgs", "history_size", 7),
])
def test_the_code_tabs_command_line_prints_the_script_shown(app, optimizer, setting, value):
    import shlex
    import subprocess
    import sys

    app.multiselect(key="optimizers").set_value([optimizer]).run()
    if isinstance(value, tuple):
        for part, v in enumerate(value):
            app.session_state[f"hp:{optimizer}:{setting}:{part}"] = v
    else:
        app.session_state[f"hp:{optimizer}:{setting}"] = value
    app.run()
    open_tab(app, "🐍 Show me the code")
    script, command = app.code[0].value, app.code[1].value
    assert command.startswith("python -m core code ") and f"{setting}={value!r}" in script
    printed = subprocess.run([sys.executable, "-m", "core", *shlex.split(command)[3:]], capture_output=True,
                             text=True, cwd=ROOT)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == script + "\n" or printed.stdout == script


def test_paper_versus_pytorch_shows_both_rules_and_where_they_part(app):
    open_tab(app, "📜 Paper vs PyTorch")
    assert app.selectbox(key="paper_optimizer").value == "momentum"  # the scene's first with a paper rule
    said = " ".join(m.value for m in app.markdown)
    assert "at a constant rate, they are the same path" in said
    app.toggle(key="paper_schedule").set_value(True).run()
    said = " ".join(m.value for m in app.markdown)
    assert "with the step decay schedule, they part" in said or "schedule, they part" in said
    chart = json.loads(app.get("plotly_chart")[0].proto.spec)
    names = [t.get("name") for t in chart["data"]]
    assert "Momentum in PyTorch" in names and "Momentum as the paper writes it" in names
    app.selectbox(key="paper_optimizer").set_value("adamw").run()
    assert len(app.get("latex")) == 2 and "they part" in " ".join(m.value for m in app.markdown)


def test_step_by_step_shows_a_library_optimizers_state(app):
    app.multiselect(key="optimizers").set_value(["lion"]).run()
    app.toggle(key="step_mode").set_value(True).run()
    labelled(app.button, "Step ▶").click().run()
    assert not app.exception
    tables = " ".join(m.value for m in app.markdown if "lm-step-numbers" in m.value)
    assert "exp_avg" in tables and any("pytorch_optimizer.Lion" in c.value for c in app.caption)


def test_paper_versus_pytorch_says_when_both_balls_fly_off(app):
    app.session_state["surface"] = "bowl"
    app.session_state["lr"] = 10.0
    app.session_state["start_x"], app.session_state["start_y"] = 1.0, 1.0
    app.run()
    open_tab(app, "📜 Paper vs PyTorch")
    said = " ".join(m.value for m in app.markdown if m.value.startswith("Here,"))
    run = descend_many(get_surface("bowl"), ["momentum"], 10.0, (1.0, 1.0), app.session_state["steps"])[0]
    assert "they are the same path: the balls agree to" in said
    assert f"Both balls leave the finite numbers after step {run.diverged_at - 1}." in said
