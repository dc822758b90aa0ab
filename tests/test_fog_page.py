"""The walk in the fog through AppTest: each press of Step is one torch.optim.SGD step, the view
receives only the uncovered ground, and the link carries the walk."""

import numpy as np
import pytest

from core import get_surface
from core.fog import uncovered, walk
from core.grid import surface_grid
from pages import open_page, view_payload
from plotly_json import decode

from app.link import read_link, write_link

HIMMELBLAU = get_surface("himmelblau")
FOG_KEYS = ("fog_surface", "fog_stride", "fog_radius", "fog_lifted", "fog_x", "fog_y", "fog_walk")


@pytest.fixture
def page():
    return open_page("app.fog_chapters", "fog_page")


def _metric(page, label: str) -> str:
    return [m.value for m in page.metric if m.label == label][0]


def _traces(page, figure: str, kind: str) -> list[dict]:
    return [t for t in view_payload(page)["figures"][figure]["data"] if t["type"] == kind]


def test_the_walk_starts_in_the_fog_at_the_mountains_start(page):
    assert not page.exception
    assert _metric(page, "Steps taken") == "0"
    assert _metric(page, "Loss here") == f"{walk(HIMMELBLAU, HIMMELBLAU.start, []).losses[0]:.4g}"
    assert not _traces(page, "mountain", "surface")  # the mountain itself is hidden
    (mesh,) = _traces(page, "mountain", "mesh3d")
    assert len(decode(mesh["x"])) < 0.05 * 101 * 101


def test_each_press_of_step_is_one_sgd_step_at_the_chosen_stride(page):
    page.button(key="walk_step").click().run()
    page.button(key="walk_step").click().run()
    page.select_slider(key="fog_stride").set_value(0.02).run()
    page.button(key="walk_step").click().run()
    assert not page.exception
    expected = walk(HIMMELBLAU, HIMMELBLAU.start, [0.01, 0.01, 0.02])
    assert page.session_state["fog_walk"] == [0.01, 0.01, 0.02]
    assert _metric(page, "Steps taken") == "3"
    assert _metric(page, "Loss here") == f"{expected.losses[-1]:.4g}"
    (path,) = [t for t in view_payload(page)["figures"]["map"]["data"] if (t.get("meta") or {}).get("role") == "walk"]
    np.testing.assert_array_equal(np.column_stack((decode(path["x"]), decode(path["y"]))), expected.positions)
    # the ground sent is exactly what those four places uncover
    (mesh,) = _traces(page, "mountain", "mesh3d")
    grid = surface_grid(HIMMELBLAU)
    diagonal = float(np.hypot(*(np.diff(np.array(HIMMELBLAU.bounds), axis=1).ravel())))
    assert len(decode(mesh["x"])) == int((uncovered(grid.xs, grid.ys, expected.positions, 0.08 * diagonal) > 0).sum())

    page.button(key="walk_undo").click().run()
    assert page.session_state["fog_walk"] == [0.01, 0.01] and _metric(page, "Steps taken") == "2"
    page.button(key="walk_again").click().run()
    assert page.session_state["fog_walk"] == [] and _metric(page, "Steps taken") == "0"


def test_lifting_the_fog_shows_the_whole_mountain(page):
    page.button(key="walk_step").click().run()
    page.toggle(key="fog_lifted").set_value(True).run()
    (terrain,) = _traces(page, "mountain", "surface")
    assert decode(terrain["z"]).size == 101 * 101 or terrain.get("meta", {}).get("asset")
    # and the caption says so (in the fog it says only the ground near the walk shows)
    assert view_payload(page)["captions"]["mountain"].startswith("The whole mountain, with the path you walked")
    page.toggle(key="fog_lifted").set_value(False).run()
    assert view_payload(page)["captions"]["mountain"].startswith("Only the ground near where you have stood")


def test_a_stride_too_long_leaps_off_the_mountain_and_says_so(page):
    page.select_slider(key="fog_stride").set_value(10.0).run()
    for _ in range(4):
        if page.button(key="walk_step").disabled:
            break
        page.button(key="walk_step").click().run()
    assert not page.exception
    assert any("leapt off the mountain" in e.value for e in page.error)
    assert page.button(key="walk_step").disabled


def test_reaching_the_cabin_is_announced(page):
    page.selectbox(key="fog_surface").set_value("bowl").run()
    bowl = get_surface("bowl")
    assert page.session_state["fog_x"] == bowl.start[0] and page.session_state["fog_walk"] == []
    page.select_slider(key="fog_stride").set_value(0.25).run()
    for _ in range(12):
        page.button(key="walk_step").click().run()
        if page.success:
            break
    taken = walk(bowl, bowl.start, page.session_state["fog_walk"])
    assert "You reached the cabin in" in page.success[0].value
    assert f"in {taken.steps} steps" in page.success[0].value


def test_the_link_carries_the_walk_and_restores_it(page):
    page.button(key="walk_step").click().run()
    page.select_slider(key="fog_stride").set_value(0.005).run()
    page.button(key="walk_step").click().run()
    params = write_link({key: page.session_state[key] for key in FOG_KEYS})
    assert params["fog_walk"] == "0.01,0.005" and params["fog_stride"] == "0.005"
    values, notices = read_link(params)
    assert not notices
    assert values["fog_walk"] == [0.01, 0.005] and values["fog_stride"] == 0.005
    assert "fog_x" not in params  # the usual start goes without saying
    _, notices = read_link({**params, "fog_walk": "0.01,abc", "fog_x": "99"})
    assert any("fog_walk" in notice for notice in notices) and any("off this mountain" in n for n in notices)


def test_a_walk_whose_compass_overflows_a_float_still_shows_its_tilt(page):
    # found by python -m bench.memory: this walk's last compass squares past a float's range
    # (an OverflowError in the tilt's metric); its length itself is a float
    strides = ("0.04,0.004,0.018,0.0028,0.0035,0.005,0.0018,0.018,0.0013,0.0035,0.01,0.001,0.028,0.05,0.089,"
               "0.045,0.0032,0.0013,0.022,0.005,0.0063,0.14,0.045,0.025,0.004,0.0013,0.079,0.18")
    values, notices = read_link({"fog_chapter": "fog", "fog_surface": "himmelblau", "fog_x": "-1.22",
                                 "fog_y": "-1.02", "fog_radius": "0.18", "fog_lifted": "1", "fog_walk": strides})
    assert not notices
    for key, value in values.items():
        page.session_state[key] = value
    page.run()
    assert not page.exception
    taken = walk(HIMMELBLAU, (-1.22, -1.02), values["fog_walk"])
    assert max(abs(float(c)) for c in taken.compass) > 1.4e154  # its square is past a float's range
    assert _metric(page, "|coeffs.grad|, the tilt") == f"{np.hypot(*taken.compass):.3g}"
