"""Dragging the start marker on the map in headless Chromium: the marker follows the pointer, the
server answers the newest position while the button is held (the paths follow), and the start
let go is the sliders' start, with the paths torch.optim gives from there."""

import json

import numpy as np
import pytest

from core import descend_many, get_surface
from core.figures import framed
from tests.browser import REVISION, app_page, start_sliders

pytestmark = pytest.mark.browser

NAMES = ["sgd", "momentum", "adam"]
# the page pixel of a map point (data coordinates)
PIXEL = """([x, y]) => { const map = document.querySelector('.lm-map'); const l = map._fullLayout;
  const box = map.getBoundingClientRect();
  return [box.left + l.xaxis._offset + l.xaxis.c2p(x), box.top + l.yaxis._offset + l.yaxis.c2p(y)]; }"""
SCENES = "() => Number(document.querySelector('.lm-root').dataset.scenes || 0)"
MAP_START = "() => { const t = document.querySelector('.lm-map')._fullData.find((t) => t.name === 'start'); return [t.x[0], t.y[0]]; }"
MAP_PATHS = ("() => document.querySelector('.lm-map')._fullData"
             ".filter((t) => t.meta && t.meta.role === 'path').map((t) => [Array.from(t.x), Array.from(t.y)])")
MAP_RANGES = "() => { const l = document.querySelector('.lm-map')._fullLayout; return [l.xaxis.range, l.yaxis.range]; }"


def test_dragging_the_start_moves_it_while_held_and_keeps_where_it_is_let_go():
    with app_page("/") as page:
        ranges = page.evaluate(MAP_RANGES)
        x0, y0 = page.evaluate(PIXEL, [0.0, 0.0])
        x1, y1 = page.evaluate(PIXEL, [2.0, -1.5])
        scenes = page.evaluate(SCENES)
        page.mouse.move(x0, y0)
        page.mouse.down()
        assert page.evaluate("() => document.querySelector('.lm-root').dataset.dragging") == "true"
        # a slow drag, 40 pointer moves over 2 s: the marker follows at once, scenes arrive while held
        answered_while_held = False
        for k in range(1, 41):
            page.mouse.move(x0 + (x1 - x0) * k / 40, y0 + (y1 - y0) * k / 40)
            marker = page.locator(".lm-start-drag").bounding_box()
            assert marker is not None
            assert abs(marker["x"] + marker["width"] / 2 - (x0 + (x1 - x0) * k / 40)) < 3
            page.wait_for_timeout(50)
            answered_while_held = answered_while_held or page.evaluate(SCENES) > scenes
        assert answered_while_held, "no scene reached the view while the start was held"
        page.mouse.up()
        page.wait_for_function("() => document.querySelector('.lm-root').dataset.dragging === 'false'")
        # the last position is answered and drawn, the marker gone, the map not zoomed
        page.wait_for_function(f"() => {{ const t = ({MAP_START})(); return Math.abs(t[0] - 2) < 0.1"
                               " && Math.abs(t[1] + 1.5) < 0.1; }")
        page.wait_for_function("() => document.querySelector('.lm-start-drag').hidden")
        start = tuple(page.evaluate(MAP_START))
        assert start_sliders(page, start) == start
        assert page.evaluate(MAP_RANGES) == ranges, "the drag zoomed the map"
        surface = get_surface("himmelblau")
        for (x, y), run in zip(page.evaluate(MAP_PATHS), descend_many(surface, NAMES, 0.01, start, 150),
                               strict=True):
            expected = framed(run.positions, surface)
            np.testing.assert_allclose(x, expected[:, 0], rtol=1e-6, atol=1e-9)
            np.testing.assert_allclose(y, expected[:, 1], rtol=1e-6, atol=1e-9)
        # a press away from the start still moves it with a click, as before
        revision = page.evaluate(REVISION)
        xc, yc = page.evaluate(PIXEL, [-2.5, 2.5])
        page.mouse.click(xc, yc)
        # a new scene (the map is drawn before the mountain, the revision set once both are)
        page.wait_for_function(f"() => ({REVISION})() !== {json.dumps(revision)}")
        x, y = page.evaluate(MAP_START)
        assert abs(x + 2.5) < 0.1 and abs(y - 2.5) < 0.1


def test_dragging_the_start_step_by_step_shows_the_step_named_and_does_not_roll():
    with app_page("/?step_mode=1") as page:
        for _ in range(3):
            revision = page.evaluate(REVISION)
            page.get_by_role("button", name="Step ▶").click()
            page.wait_for_function(f"() => ({REVISION})() !== {revision!r}")
        page.wait_for_function("() => document.querySelector('.lm-root').dataset.step === '3'")
        x0, y0 = page.evaluate(PIXEL, [0.0, 0.0])
        x1, y1 = page.evaluate(PIXEL, [-1.0, 1.0])
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x1, y1, steps=10)
        page.mouse.up()
        page.wait_for_function(f"() => {{ const t = ({MAP_START})(); return Math.abs(t[0] + 1) < 0.1"
                               " && Math.abs(t[1] - 1) < 0.1; }")
        page.wait_for_function("() => document.querySelector('.lm-root').dataset.dragging === 'false'")
        page.wait_for_timeout(500)
        # a new start is a new scene: the view shows the step the server names (as after a click) and stays still
        root = page.evaluate("() => ({...document.querySelector('.lm-root').dataset})")
        focus = json.loads(root["revision"])["focus"]
        assert isinstance(focus, int)
        assert root["step"] == str(focus) and root["playing"] == "false"
        assert page.locator(".lm-step").inner_text() == f"step {focus} / {focus}"


def test_a_dragged_start_whose_ask_was_swallowed_is_asked_again_and_drawn():
    # a rerun may swallow a trigger (another rerun interrupts it): the last position let go must
    # still be asked for again and drawn, not given up because it had been sent once
    with app_page("/") as page:
        x0, y0 = page.evaluate(PIXEL, [0.0, 0.0])
        x1, y1 = page.evaluate(PIXEL, [1.5, 1.0])
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.evaluate("""() => { const view = document.querySelector('.lm-root').view;
            const real = view.sendTrigger;
            view.sendTrigger = () => { view.sendTrigger = real; }; }""")
        page.mouse.move(x1, y1)
        page.mouse.up()
        page.wait_for_function("() => document.querySelector('.lm-root').dataset.dragging === 'false'")
        page.wait_for_function(f"() => {{ const t = ({MAP_START})(); return Math.abs(t[0] - 1.5) < 0.01"
                               " && Math.abs(t[1] - 1) < 0.01; }", timeout=20_000)
        page.wait_for_function("() => document.querySelector('.lm-start-drag').hidden")
        assert start_sliders(page, (1.5, 1.0)) == (1.5, 1.0)
