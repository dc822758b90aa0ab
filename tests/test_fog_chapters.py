"""The walk's chapters through AppTest: the chapters' bar, Next, the magic button at the walk's
place or a linked one, and the zero_grad mystery's walk and its outcome, run rather than guessed."""

import numpy as np
import pytest

from core import descend_many, get_surface
from core.fog import walk
from core.magic_button import press_button
from core.verdict import verdicts
from pages import open_page, open_with_link, view_payload
from plotly_json import decode

from app.fog_chapters import CHAPTER_NAMES
from app.link import read_link

HIMMELBLAU = get_surface("himmelblau")


@pytest.fixture
def page():
    return open_page("app.fog_chapters", "fog_page")


def _metric(page, label: str) -> str:
    return [m.value for m in page.metric if m.label == label][0]


def _walker(page) -> tuple[float, float]:
    (you,) = [t for t in view_payload(page)["figures"]["map"]["data"] if (t.get("meta") or {}).get("role") == "walker"]
    return float(decode(you["x"])[0]), float(decode(you["y"])[0])


def test_the_walk_opens_on_the_fog_and_next_leads_through_every_chapter(page):
    assert not page.exception
    assert page.session_state["fog_chapter"] == "fog"
    titles = [option.content for option in page.get("button_group")[0].proto.options]
    assert titles == ["1. The fog", "2. You are the optimizer", "3. Your stride", "4. The magic button",
                      "5. The zero_grad mystery"]
    for following in CHAPTER_NAMES[1:]:
        page.button(key="walk_next").click().run()
        assert not page.exception
        assert page.session_state["fog_chapter"] == following
    assert not [b for b in page.button if b.key == "walk_next"]  # the last chapter leads out instead
    assert any("337 knobs" in m.value for m in page.markdown)


def test_the_magic_button_is_pressed_where_the_walk_stands(page):
    page.button(key="walk_step").click().run()
    page.button(key="walk_step").click().run()
    here = walk(HIMMELBLAU, HIMMELBLAU.start, [0.01, 0.01]).here
    place = (round(here[0], 2), round(here[1], 2))
    page.session_state["fog_chapter"] = "button"
    page.run()
    assert not page.exception
    press = press_button(HIMMELBLAU, place)
    code, printed = [c.value for c in page.code]
    assert code == press.code and printed == f"{press.printed_loss}\n{press.printed_grad}"
    assert _walker(page) == pytest.approx(place)


def test_a_linked_place_is_where_the_button_is_pressed_and_a_place_off_the_mountain_is_refused():
    values, notices = read_link({"fog_chapter": "button", "fog_button_x": "3", "fog_button_y": "2"})
    assert not notices and values["fog_chapter"] == "button" and (values["fog_button_x"], values["fog_button_y"]) == (3, 2)
    page = open_page("app.fog_chapters", "fog_page")
    for key, value in values.items():
        page.session_state[key] = value
    page.run()
    assert not page.exception
    # at a minimum of Himmelblau the compass is zero: nothing to follow
    assert page.code[1].value == "tensor(0., grad_fn=<AddBackward0>)\ntensor([0., 0.])"
    _, notices = read_link({"fog_button_x": "30", "fog_button_y": "2"})
    assert notices == ["the magic button's place is off this mountain (or half given); pressing it where you stand"]
    _, notices = read_link({"fog_chapter": "summit"})
    assert len(notices) == 1 and "fog_chapter" in notices[0]


def test_the_mystery_walks_without_the_wipe_and_tells_what_walking_on_does(page):
    page.session_state["fog_chapter"] = "zero_grad"
    page.run()
    for _ in range(3):
        page.button(key="walk_sum_step").click().run()
    assert not page.exception
    taken = walk(HIMMELBLAU, HIMMELBLAU.start, [0.01] * 3, zero_grad=False)
    assert _metric(page, "Steps taken") == "3"
    assert _metric(page, "|coeffs.grad|, what you follow") == f"{np.hypot(*taken.grads[-1]):.3g}"
    assert _metric(page, "The tilt here alone") == f"{np.hypot(*taken.fresh[-1]):.3g}"
    assert _walker(page) == pytest.approx(taken.here)
    kept = descend_many(HIMMELBLAU, ["sgd"], 0.01, HIMMELBLAU.start, 150)
    summed = descend_many(HIMMELBLAU, ["sgd"], 0.01, HIMMELBLAU.start, 150, zero_grad=False)
    (said,) = [i.value for i in page.info]
    assert verdicts(HIMMELBLAU, summed, kept)[0].sentence in said
    assert said.startswith("**Walk on from the start for 150 steps at stride 0.01**")

    # the wipe switched on: a new walk, the lesson's loop as it should be
    page.toggle(key="fog_zeroing").set_value(True).run()
    assert page.session_state["fog_sum_walk"] == []
    page.button(key="walk_sum_step").click().run()
    right = walk(HIMMELBLAU, HIMMELBLAU.start, [0.01])
    assert _walker(page) == pytest.approx(right.here)
    assert _metric(page, "|coeffs.grad|, what you follow") == _metric(page, "The tilt here alone")
    (said,) = [i.value for i in page.info]
    assert verdicts(HIMMELBLAU, kept)[0].what in said


def test_your_stride_rolls_three_balls_and_its_words_follow_the_strides(page):
    page.session_state["fog_chapter"] = "stride"
    page.run()
    assert not page.exception
    said = [m.value for m in page.markdown]
    assert any(text.startswith(":blue[**● blue, lr 0.001: too small.**] It is still on its way") for text in said)
    assert any(text.startswith(":red[**● red, lr 0.02: too big.**] It converged") for text in said)
    assert any(text.startswith("Its stride 0.02 is past 2/λmax = 0.019") for text in said)
    # the red ball at 0.01 too: it settles where green does, and says so
    page.select_slider(key="fog_rate_red").set_value(0.01).run()
    said = [m.value for m in page.markdown]
    assert any(text.startswith(":red[**● red, lr 0.01: about right.**]") for text in said)
    assert not any(text.startswith("Its stride") for text in said)
    page.button(key="walk_stride_reset").click().run()
    assert page.session_state["fog_rate_red"] == 0.02


def test_you_are_the_optimizer_scores_the_walk_and_races_sgd_and_adam(page):
    from core.hand_walk import first_at_cabin, hand_walk, race
    from core.seeded import seeded_mountain

    page.session_state["fog_chapter"] = "optimizer"
    page.run()
    assert not page.exception and _metric(page, "Steps taken") == "0"
    mountain = seeded_mountain(7)
    assert _walker(page) == pytest.approx(mountain.start)
    # twelve steps west-south-west, as clicks on the map would take them, reach mountain #7's cabin
    moves = [[194.0, 0.5]] * 12
    page.session_state["fog_hand"] = moves
    page.run()
    taken = hand_walk(mountain, mountain.start, [tuple(m) for m in moves])
    score = first_at_cabin(mountain, taken)
    assert score is not None
    assert _walker(page) == pytest.approx(taken.here)
    (said,) = [s.value for s in page.success]
    assert f"in **{score} steps** on mountain #7" in said
    raced = race(mountain, taken)
    told = [m.value for m in page.markdown if m.value.startswith("**The race**")][0]
    for run in raced.runs:
        assert f"loss {run.losses[-1]:.4g} after {taken.steps} steps" in told
    # the fog lifted by itself: the racers are on the map
    racers = [t["meta"]["optimizer"] for t in view_payload(page)["figures"]["map"]["data"]
              if (t.get("meta") or {}).get("role") == "racer"]
    assert racers == ["sgd", "adam"]
    page.number_input(key="fog_seed").set_value(8).run()
    assert page.session_state["fog_hand"] == [] and _metric(page, "Steps taken") == "0"


@pytest.mark.parametrize("chapter, walk, metric", [("fog", {"fog_walk": "0.01,0.01,0.02"}, "3"),
                                                   ("zero_grad", {"fog_sum_walk": "0.01,0.01,0.01,0.01"}, "4"),
                                                   ("optimizer", {"fog_hand": "194:0.5,194:0.5"}, "2")])
def test_a_link_restores_a_chapter_and_its_walk(chapter, walk, metric):
    # what app.main does with a link: read it once, checked, into the session
    page = open_with_link("app.fog_chapters", "fog_page", {"fog_chapter": chapter, **walk})
    assert not page.exception
    assert page.session_state["fog_chapter"] == chapter
    assert _metric(page, "Steps taken") == metric


@pytest.mark.parametrize("chapter, walk_key, steps", [("zero_grad", "fog_sum_walk", [0.01] * 5),
                                                      ("optimizer", "fog_hand", [[194.0, 0.5]] * 3)])
def test_the_later_chapters_fog_is_as_real_as_the_first(page, chapter, walk_key, steps):
    from core.fog import uncovered
    from core.grid import surface_grid
    from core.hand_walk import hand_walk
    from core.seeded import seeded_mountain
    from core.status import diagonal

    page.session_state["fog_chapter"] = chapter
    page.session_state[walk_key] = steps
    page.run()
    assert not page.exception
    if chapter == "zero_grad":
        surface, taken = HIMMELBLAU, walk(HIMMELBLAU, HIMMELBLAU.start, steps, zero_grad=False)
    else:
        surface = seeded_mountain(7)
        taken = hand_walk(surface, surface.start, [tuple(move) for move in steps])
    figures = view_payload(page)["figures"]
    grid = surface_grid(surface)
    shown = uncovered(grid.xs, grid.ys, taken.positions, 0.08 * diagonal(surface))
    assert not [t for t in figures["mountain"]["data"] if t["type"] == "surface"]
    (mesh,) = [t for t in figures["mountain"]["data"] if t["type"] == "mesh3d"]
    assert len(decode(mesh["x"])) == int((shown > 0).sum())
    assert not [t for t in figures["map"]["data"] if (t.get("meta") or {}).get("role") == "terrain"]
    hidden = ("racer", "cabin") if chapter == "optimizer" else ("racer",)  # mountain #7's cabin is far off still
    assert not [t for t in figures["map"]["data"] if (t.get("meta") or {}).get("role") in hidden]
