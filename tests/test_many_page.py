"""The page "Many balls" in AppTest: each view's payload holds the right figures and data."""

import html
import json
import re

import numpy as np
import pytest

from core import OPTIMIZERS, descend, get_surface
from core.basin_figures import percent
from core.basins import basins
from core.figures import framed
from core.sweep import lr_grid, lr_sweep
from core.sweep_verdicts import sweep_sentence
from tests.pages import open_page, view_payload
from tests.plotly_json import decode


@pytest.fixture()
def app():
    return open_page("app.many", "many_page")


def _texts(app):
    return " ".join(m.value for m in app.markdown)


def test_the_sweep_is_drawn_above_the_balls_and_a_click_picks_a_rate(app):
    assert not app.exception
    payload = view_payload(app)
    assert payload["feature_click"] == "lr" and set(payload["figures"]) == {"mountain", "map", "loss", "feature"}
    ribbon = next(t for t in payload["figures"]["feature"]["data"] if t["type"] == "heatmap")
    expected = lr_sweep(get_surface("himmelblau"), ["sgd", "momentum", "adam"], (0.0, 0.0), 150,
                        lr_grid(1e-4, 10.0, 64))
    np.testing.assert_array_equal(decode(ribbon["z"]).reshape(3, 64), expected.statuses)
    # each optimizer's line names its bands of rates, with why the high ones fail
    for k, label in enumerate(("SGD", "Momentum", "Adam")):
        assert f"**{label}** {sweep_sentence(expected, k, 2 / 82.28)[:40]}" in _texts(app)
    assert "too big a stride: smaller rates converge" in _texts(app)
    # a new learning rate moves the marks and the balls, not the sweep
    app.session_state["lr"] = 0.1
    app.run()
    moved = view_payload(app)["figures"]["feature"]["data"]
    assert [t["x"][0] for t in moved if t.get("name", "").startswith("your lr")] == [0.1, 0.1]
    assert next(t for t in moved if t["type"] == "heatmap")["z"] == ribbon["z"]


def test_a_range_of_one_rate_is_refused_with_a_message(app):
    app.select_slider(key="range_of_sweep").set_range(0.01, 0.01).run()
    assert not app.exception
    assert "wider than one value" in app.warning[0].value


def test_the_basins_map_colours_every_start(app):
    app.session_state["many_mode"] = "basins"
    app.run()
    assert not app.exception
    payload = view_payload(app)
    assert payload["feature_click"] == "start"
    heatmap = payload["figures"]["feature"]["data"][0]
    assert decode(heatmap["z"]).size == 101 * 101
    assert "end in a global minimum" in _texts(app)
    # the far-valley clause only where some starts did end in a farther valley
    expected = basins(get_surface("himmelblau"), "sgd", 0.01, 150, 101)
    said = "the dots): their descent carried them past the closest valley"
    assert (said in _texts(app)) == (expected.far_valley_share > 0)


def test_the_swarm_sends_every_balls_frames(app):
    app.session_state["many_mode"] = "swarm"
    app.session_state["swarm_size"] = 120
    app.run()
    assert not app.exception
    swarm = view_payload(app)["swarm"]
    steps = decode(swarm["steps"])
    assert len(swarm["colors"]) == 120 and steps[0] == 0 and steps[-1] == 150
    assert decode(swarm["x"]).size == 120 * len(steps)
    assert "Of 120 **SGD** balls" in _texts(app)


def test_without_optimizers_the_sweep_asks_for_one_and_the_others_offer_all(app):
    app.session_state["optimizers"] = []
    app.run()
    assert "Pick at least one optimizer" in app.info[0].value
    app.session_state["many_mode"] = "basins"
    app.run()
    # with none in the sidebar, torch.optim's that move every ball in one instance: all but L-BFGS
    options = app.selectbox(key="basin_optimizer").options
    assert not app.exception and len(options) == len(OPTIMIZERS) - 1 and "L-BFGS" not in options


def test_a_basins_map_too_dear_to_answer_quickly_is_cut_to_its_cost_saying_what_to_lower(app, monkeypatch):
    from core.budget import Cost

    # a batch priced at 0.5 ms a step whatever its size, and 0.25 µs a ball-step: at 2,000 steps 1 s,
    # and 0.5 ms a ball, so 6 s buys 10,000 balls, a 100 x 100 map; at 20 steps all 201 x 201 fit
    monkeypatch.setattr("app.many.batch_cost", lambda settings, name, wanted: Cost(
        name, 2.5e-7 * settings.steps, wanted, fixed=5e-4 * settings.steps))
    app.session_state["many_mode"] = "basins"
    app.session_state["basin_resolution"] = 201
    app.session_state["steps"] = 2000
    app.run()
    assert not app.exception and not app.warning
    captions = " ".join(c.value for c in app.caption)
    assert ("On this mountain SGD costs about 1.0 s of CPU over 2000 steps for a batch of any size, and 0.5 ms more "
            "a ball; a view spends at most 6.0 s, so this map has 100 × 100 starts (you chose 201 × 201); fewer "
            "steps in the sidebar give it more.") in captions
    assert decode(view_payload(app)["figures"]["feature"]["data"][0]["z"]).size == 100 * 100
    app.session_state["steps"] = 20
    app.run()
    assert "you chose" not in " ".join(c.value for c in app.caption)
    assert decode(view_payload(app)["figures"]["feature"]["data"][0]["z"]).size == 201 * 201



def test_a_batch_priced_without_a_fixed_part_is_worded_by_the_ball_alone(app, monkeypatch):
    from core.budget import Cost

    # a probe that found no fixed cost (a noisy one is clamped to 0): the caption names no "0 ms"
    monkeypatch.setattr("app.many.batch_cost", lambda settings, name, wanted: Cost(name, 1e-2, wanted))
    app.session_state["many_mode"] = "swarm"
    app.session_state["swarm_size"] = 1000
    app.run()
    assert not app.exception and not app.warning
    captions = " ".join(c.value for c in app.caption)
    assert ("On this mountain SGD costs about 10 ms of CPU a ball over 150 steps; a view spends at most 6.0 s, "
            "so this swarm has 600 balls (you chose 1000); fewer steps in the sidebar give it more.") in captions
    assert "0 ms of CPU over" not in captions


@pytest.mark.parametrize("optimizer, advice", [
    ("sgd", "Change the learning rate or the momentum and compare the shares."),
    ("adam", "Change the learning rate and compare the shares."),  # no momentum setting of that name
    ("newton", "Pick another optimizer above and compare the shares."),  # no learning rate at all
])
def test_the_basins_sentence_advises_only_what_the_optimizer_has(app, optimizer, advice):
    app.session_state["optimizers"] = ["sgd", "adam", "newton"]
    app.session_state["many_mode"] = "basins"
    app.session_state["basin_optimizer"] = optimizer
    app.run()
    assert not app.exception
    texts = _texts(app)
    assert advice in texts and texts.count("compare the shares") == 1


def test_the_sweep_view_offers_the_learning_rate_preview_and_sends_its_ladder_when_asked(app):
    info = view_payload(app)["ladder"]
    assert info["index"] == info["rates"].index(0.01) and info["runs"] == 3
    app.session_state["view_assets_asked"] = {info["key"]}  # the browser reached for the preview
    app.run()
    frames = view_payload(app)["assets"][info["key"]]
    assert len(frames["runs"]) == 3 and frames["steps"] == 150
    # the rungs are the explorer's: SGD's path at lr 0.1 is the run torch.optim gives there
    surface = get_surface("himmelblau")
    rung = info["rates"].index(0.1)
    x = decode(frames["runs"][0]["x"]).reshape(len(info["rates"]), -1)[rung]
    expected = framed(descend(surface, "sgd", 0.1, (0.0, 0.0), 150).positions, surface)[:, 0]
    np.testing.assert_array_equal(x[:len(expected)], expected.astype(np.float32))


def race_table(app) -> list[dict[str, str]]:
    """The race's ranking as the page shows it: one dict per row, by column header."""
    (shown,) = [m.value for m in app.markdown if "lm-race-table" in m.value]
    cells = [[html.unescape(cell) for cell in re.findall(r"<t[hd]>(.*?)</t[hd]>", row)]
             for row in re.findall(r"<tr>(.*?)</tr>", shown)]
    return [dict(zip(cells[0], row)) for row in cells[1:]]


def test_the_fair_race_ranks_the_sidebars_optimizers_as_core_does(app):
    from core.race import fair_race

    app.session_state["optimizers"] = ["sgd", "adam", "newton", "lbfgs"]
    app.session_state["many_mode"] = "race"
    app.session_state["race_balls"] = 16
    app.run()
    assert not app.exception
    race = fair_race(get_surface("himmelblau"), ["sgd", "adam", "newton"], app.session_state["steps"], 16, 0)
    table = race_table(app)
    assert [row["optimizer"] for row in table] == [OPTIMIZERS[e.optimizer].label for e in race.entrants]
    assert [row["#"] for row in table] == ["1", "2", "3"]
    assert [row["reached"] for row in table] == [percent(e.reached) for e in race.entrants]
    captions = " ".join(c.value for c in app.caption)
    assert "seed 0" in captions and "seed 1" in captions
    # L-BFGS's 16 x 16 tuning and 16 race balls, solo runs, would take minutes: left out, saying so and how long
    (left_out,) = [w.value for w in app.warning]
    assert left_out.startswith("Left out: L-BFGS.") and "272 balls each" in left_out and "would add about" in left_out
    assert "python -m core race --optimizers lbfgs" in left_out
    bars_chart, tuning_chart = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    bars = bars_chart["data"][0]
    assert bars["type"] == "bar" and bars["y"] == [f"{e.rank}. {OPTIMIZERS[e.optimizer].label}" for e in race.entrants]
    # a tuning line for each optimizer that takes a learning rate (not Newton), its chosen rate ringed
    lines = [t for t in tuning_chart["data"] if t.get("mode") == "lines+markers"]
    assert sorted(t["name"] for t in lines) == ["Adam", "SGD"]


def _priced(monkeypatch, per_run):
    """Solo runs priced at `per_run` seconds each (the app times two short runs; a test fixes the price)."""
    import app.many
    from core.budget import Cost

    monkeypatch.setattr(app.many, "solo_cost", lambda settings, name, wanted, lrs, start: Cost(name, per_run, wanted))


def _no_deadline(monkeypatch):
    """A test of what a price buys must not hang on this machine's speed: the deadline has tests of its own."""
    from app import work

    monkeypatch.setattr(work, "DEADLINE_S", 600.0)


def _solo_steps(app, monkeypatch):
    """Fewer steps, and no deadline (100 of Lamb's solo runs × 150 steps took 12 s of CPU on a slow
    machine, past the 10 s deadline)."""
    _no_deadline(monkeypatch)
    app.session_state["steps"] = 50


def test_an_optimizer_that_is_not_elementwise_gets_the_basins_map_its_budget_affords(app, monkeypatch):
    _priced(monkeypatch, 0.05)  # 6 s buys 120 balls: an 10 x 10 map
    _solo_steps(app, monkeypatch)
    app.session_state["optimizers"] = ["sgd", "lamb"]
    app.session_state["many_mode"] = "basins"
    app.session_state["basin_optimizer"] = "lamb"
    app.run()
    assert not app.exception
    captions = " ".join(c.value for c in app.caption)
    assert "Lamb moves one ball per optimizer instance" in captions
    assert "so this map has 10 × 10 starts (you chose 101 × 101)" in captions
    heatmap = view_payload(app)["figures"]["feature"]["data"][0]
    expected = basins(get_surface("himmelblau"), "lamb", 0.01, 50, 10)
    assert decode(heatmap["z"]).size == 100
    # the shares said are those of core's own 10 x 10 map (each ball a solo run)
    known = sum(expected.ends.known)
    reached = float(np.mean((expected.ends.labels >= 0) & (expected.ends.labels < known)))
    assert f"With **Lamb** at lr **0.01** for 50 steps: **{percent(reached)}** of the starts end" in _texts(app)


def test_a_swarm_of_solo_runs_is_cut_to_its_budget_and_said_so(app, monkeypatch):
    _priced(monkeypatch, 0.1)  # 6 s buys 60 balls
    _solo_steps(app, monkeypatch)
    app.session_state["optimizers"] = ["lamb"]
    app.session_state["many_mode"] = "swarm"
    app.run()
    assert not app.exception
    assert "so this swarm has 60 balls (you chose 300)" in " ".join(c.value for c in app.caption)
    assert len(view_payload(app)["swarm"]["colors"]) == 60 and "Of 60 **Lamb** balls" in _texts(app)


def test_where_even_the_smallest_view_is_too_dear_it_is_refused_naming_what_to_lower(app, monkeypatch):
    _priced(monkeypatch, 2.0)
    app.session_state["optimizers"] = ["lbfgs"]
    app.session_state["many_mode"] = "basins"
    app.run()
    (warning,) = [w.value for w in app.warning]
    assert not app.exception and "even 10 × 10 starts would take about 3 min" in warning
    assert "fewer steps in the sidebar (now 150), a smaller max_iter" in warning
    app.session_state["many_mode"] = "swarm"
    app.run()
    (warning,) = [w.value for w in app.warning]
    assert "even 10 balls would take about 20 s" in warning


def test_the_sweep_runs_solo_optimizers_within_the_budget_and_names_the_rates_that_would_fit(app, monkeypatch):
    _priced(monkeypatch, 0.05)  # 64 rates: 3.2 s, in; a second such optimizer would pass the 6 s: both fit at 32
    app.session_state["optimizers"] = ["sgd", "lamb", "lion"]
    app.run()
    assert not app.exception
    assert "Lamb: one optimizer instance per rate (64 runs one after another, about 3.2 s of CPU)" in " ".join(
        c.value for c in app.caption)
    (warning,) = [w.value for w in app.warning]
    assert warning.startswith("Left out: Lion.") and "Choose 32 rates (How many rates)" in warning
    # Lamb's sentence is core's, from its 64 solo runs
    sweep = lr_sweep(get_surface("himmelblau"), ["sgd", "lamb"], (0.0, 0.0), 150, lr_grid(1e-4, 10.0, 64))
    said = next(line for line in _texts(app).split("\n") if "**Lamb**" in line)
    assert sweep_sentence(sweep, 1, None).split(";")[0].split(".")[0] in said


def test_a_view_that_overruns_its_cpu_deadline_stops_with_a_message(app, monkeypatch):
    from app import work

    monkeypatch.setattr(work, "DEADLINE_S", 0.0)
    app.session_state["many_mode"] = "swarm"
    app.session_state["swarm_seed"] = 7  # not a cached swarm
    app.run()
    assert not app.exception
    assert "this view stopped after 0 ms of CPU time" in app.error[0].value


@pytest.mark.parametrize("mode, key, first, then", [
    ("basins", "basin_resolution", 101, 151), ("swarm", "swarm_seed", 3, 4), ("sweep", "sweep_count", 16, 32)])
def test_a_view_past_its_deadline_keeps_the_last_view_that_finished(app, monkeypatch, mode, key, first, then):
    from app import work

    app.session_state["many_mode"] = mode
    app.session_state["steps"] = 30  # quick views
    app.session_state[key] = first
    app.run()
    assert not app.exception and not app.error
    # (the parts the page keeps are sent once)
    good, words = view_payload(app), [m.value for m in app.markdown]
    good.pop("assets", None)
    # the next view overruns its deadline: the message, and the same picture and sentences as before
    monkeypatch.setattr(work, "DEADLINE_S", 0.0)
    app.session_state[key] = then
    app.run()
    assert not app.exception
    assert len(app.error) == 1 and app.error[0].value.startswith("This view stopped after 0 ms of CPU time")
    assert app.error[0].value.endswith("Showing the last view that finished.")
    assert {**view_payload(app), "assets": None} == {**good, "assets": None}
    assert [m.value for m in app.markdown] == words
    # a setting that finishes is drawn again as usual
    monkeypatch.setattr(work, "DEADLINE_S", 10.0)
    app.session_state[key] = first
    app.run()
    assert not app.error and {**view_payload(app), "assets": None} == {**good, "assets": None}


def test_a_race_past_its_deadline_keeps_the_last_race_that_finished(app, monkeypatch):
    from app import work

    app.session_state["many_mode"] = "race"
    app.session_state["race_balls"] = 16
    app.run()
    assert not app.exception and not app.error
    charts = [c.proto.spec for c in app.get("plotly_chart")]
    monkeypatch.setattr(work, "DEADLINE_S", 0.0)
    app.session_state["race_seed"] = 99
    app.run()
    assert not app.exception and "Showing the last view that finished." in app.error[0].value
    assert [c.proto.spec for c in app.get("plotly_chart")] == charts


NASTY_FORMULA = "+".join(["sin(x^y^x)^cos(y^x^y)"] * 13)[:300].rstrip("+")


def test_a_formula_of_nested_powers_gets_the_basins_map_its_cost_affords(app, monkeypatch):
    # the heavy link: 201 x 201 starts x 490 steps of a 300-character formula (about 75 s of CPU
    # here at full size) is measured first and cut to what 6 s buys, saying so. No deadline: the price is
    # timed beside the other test worker, and a probe that reads 1.7x low runs the map past 10 s (CI at
    # stop 27 sent no map, most likely so: not reproduced here)
    _no_deadline(monkeypatch)
    app.session_state["surface"] = "custom"
    app.session_state["formula"] = NASTY_FORMULA
    for key, value in (("bound_x0", 0.1), ("bound_x1", 3.0), ("bound_y0", 0.1), ("bound_y1", 3.0)):
        app.session_state[key] = value
    app.session_state["good_custom"] = (NASTY_FORMULA, ((0.1, 3.0), (0.1, 3.0)))
    app.session_state["steps"] = 490
    app.session_state["many_mode"] = "basins"
    app.session_state["basin_resolution"] = 201
    app.run()
    assert not app.exception
    captions = " ".join(c.value for c in app.caption)
    assert "On this mountain SGD costs about" in captions and "for a batch of any size, and" in captions
    assert "(you chose 201 × 201)" in captions
    side = int(captions.split("so this map has ")[1].split(" × ")[0])
    assert 10 <= side < 201
    assert not app.error, [e.value for e in app.error]
    assert decode(view_payload(app)["figures"]["feature"]["data"][0]["z"]).size == side * side


@pytest.mark.parametrize("mode", ["sweep", "swarm"])
def test_a_view_whose_balls_are_too_big_to_keep_rolls_them_once(app, monkeypatch, mode):
    """A sweep or swarm keeps each ball's every step, often more than the memo keeps: a rerun, a new
    learning rate on the sweep or a new start on the swarm must not roll them all again."""
    import app.many_scene as many_scene
    from app import memo

    # 1,000 steps of 256 rates x 3 optimizers, or of 300 balls, weigh 6-7 MB whole: more than this
    monkeypatch.setattr(memo.MEMO, "max_entry", 4 * 2**20)
    rolled = {"sweep": 0, "swarm": 0}
    for name, kind in (("lr_sweep", "sweep"), ("swarm", "swarm")):
        def counted(*args, _make=getattr(many_scene, name), _kind=kind, **kwargs):
            rolled[_kind] += 1
            return _make(*args, **kwargs)
        monkeypatch.setattr(many_scene, name, counted)
    state = app.session_state
    state["many_mode"], state["steps"], state["sweep_count"], state["swarm_seed"] = mode, 1000, 256, 4321
    app.run()
    assert not app.exception and rolled[mode] == 1
    said = [m.value for m in app.markdown]
    app.run()  # a rerun with nothing changed
    assert rolled[mode] == 1 and [m.value for m in app.markdown] == said
    if mode == "sweep":
        state["lr"] = 0.003  # a rate clicked on the sweep: the marks move, the sweep is the same
    else:
        state["start_x"], state["start_y"] = 1.0, 1.0  # a swarm starts at random: its view is the same
    app.run()
    assert not app.exception and rolled[mode] == 1
