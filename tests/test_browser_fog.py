"""The walk in the fog in headless Chromium: from the explorer's invitation, Step by Step, the fog
lifted, and the link that brings the same walk back."""

import numpy as np
import pytest

from core import get_surface
from core.fog import walk
from tests.browser import REVISION, app_page, wait_for_new_revision

pytestmark = pytest.mark.browser

HIMMELBLAU = get_surface("himmelblau")
# what the map draws of the walk, and which kinds of trace the 3-D view holds
WALKED = ("() => { const t = document.querySelector('.lm-map')._fullData.find((t) => t.meta && t.meta.role === 'walk');"
          " return [Array.from(t.x), Array.from(t.y)]; }")
MOUNTAIN_TYPES = "() => document.querySelector('.lm-mountain').data.map((t) => t.type)"


def _press(page, name: str) -> None:
    old = page.evaluate(REVISION)
    page.get_by_role("button", name=name).click()
    wait_for_new_revision(page, old)


def test_a_beginner_walks_into_the_fog_steps_down_lifts_it_and_shares_the_walk():
    with app_page("/") as page:
        old = page.evaluate(REVISION)
        page.get_by_role("link", name="Walk into the fog").click()
        wait_for_new_revision(page, old)
        assert page.url.split("?")[0].endswith("/fog")
        types = page.evaluate(MOUNTAIN_TYPES)
        assert "mesh3d" in types and "surface" not in types  # the mountain is hidden
        assert page.locator(".lm-toolbar").is_hidden()  # nothing rolls here
        for _ in range(3):
            _press(page, "Step ▶")
        expected = walk(HIMMELBLAU, HIMMELBLAU.start, [0.01] * 3)
        x, y = page.evaluate(WALKED)
        np.testing.assert_array_equal(np.column_stack((x, y)), expected.positions)
        assert page.get_by_test_id("stMetric").filter(has_text="Steps taken").inner_text().endswith("3")

        old = page.evaluate(REVISION)
        page.get_by_text("Lift the fog").click()
        wait_for_new_revision(page, old)
        assert "surface" in page.evaluate(MOUNTAIN_TYPES)

        # the address bar holds the walk: a new page opened from it shows the same three steps
        link = page.url
        assert "fog_walk=0.01%2C0.01%2C0.01" in link or "fog_walk=0.01,0.01,0.01" in link
        page.goto(link)
        page.wait_for_function(f"() => !!({REVISION})()")
        page.wait_for_function(f"() => {{ try {{ return ({WALKED})()[0].length === 4; }} catch (e) {{ return false; }} }}")
        x, y = page.evaluate(WALKED)
        np.testing.assert_array_equal(np.column_stack((x, y)), expected.positions)

        # a click on the fog starts a new walk there (the fog lowered again first)
        old = page.evaluate(REVISION)
        page.get_by_text("Lift the fog").click()
        wait_for_new_revision(page, old)
        assert "surface" not in page.evaluate(MOUNTAIN_TYPES)
        old = page.evaluate(REVISION)
        area = page.locator(".lm-map .nsewdrag").bounding_box()
        page.mouse.click(area["x"] + area["width"] * 0.25, area["y"] + area["height"] * 0.25)
        wait_for_new_revision(page, old)
        x, y = page.evaluate(WALKED)
        assert len(x) == 1 and abs(x[0] + 2.5) < 0.1 and abs(y[0] - 2.5) < 0.1
