"""The walk's chapters in headless Chromium, by clicking: Next to the three strides, the chapters'
bar, the magic button pressed where the map is clicked, the zero_grad mystery's chain, and the way
out to the explorer."""

from urllib.parse import unquote

import numpy as np
import pytest
from playwright.sync_api import expect

from core import get_surface
from core.fog import walk
from core.hand_walk import hand_walk
from core.magic_button import press_button
from core.seeded import seeded_mountain
from core.stride_figures import STRIDE_COLORS
from tests.browser import REVISION, app_page, wait_for_new_revision

pytestmark = pytest.mark.browser

HIMMELBLAU = get_surface("himmelblau")
WALKER = ("() => { const t = document.querySelector('.lm-map')._fullData.find((t) => t.meta && t.meta.role === 'walker');"
          " return [t.x[0], t.y[0]]; }")
# the page's pixel at map point (x, y)
TO_PIXELS = """([x, y]) => { const map = document.querySelector('.lm-map'); const layout = map._fullLayout;
  const box = map.getBoundingClientRect();
  return [box.left + layout.xaxis._offset + layout.xaxis.c2p(x), box.top + layout.yaxis._offset + layout.yaxis.c2p(y)]; }"""
ARROWS = "() => document.querySelector('.lm-map').layout.annotations.filter((a) => a.showarrow).length"


def _click(page, locator) -> None:
    old = page.evaluate(REVISION)
    locator.click()
    wait_for_new_revision(page, old)


def test_a_learner_walks_every_chapter_by_clicking_and_comes_out_at_the_explorer():
    with app_page("/fog") as page:
        _click(page, page.get_by_role("button", name="Next: 2. You are the optimizer ▶"))
        mountain = seeded_mountain(7)
        for _ in range(2):  # two clicks to the left of the walker: two steps of 0.5 that way
            x, y = page.evaluate(WALKER)
            old = page.evaluate(REVISION)
            page.mouse.click(*page.evaluate(TO_PIXELS, [x - 2, y]))
            wait_for_new_revision(page, old)
        moves = [[float(h), float(length)] for h, length in
                 (part.split(":") for part in unquote(page.url.split("fog_hand=")[1].split("&")[0]).split(","))]
        assert len(moves) == 2 and all(175 <= h <= 185 and length == 0.5 for h, length in moves)
        taken = hand_walk(mountain, mountain.start, [tuple(move) for move in moves])
        np.testing.assert_allclose(page.evaluate(WALKER), taken.here, rtol=1e-12)
        # a double click (two quick clicks) zooms back to the whole map, not beyond it
        page.locator(".lm-map .nsewdrag").dblclick()
        page.wait_for_timeout(500)
        assert page.evaluate("() => document.querySelector('.lm-map')._fullLayout.xaxis.range") == [-5, 5]

        _click(page, page.get_by_role("button", name="Next: 3. Your stride ▶"))
        # the map may be mounted (or remounted) a moment before it is drawn: no _fullData yet
        paths = ("() => ((document.querySelector('.lm-map') || {})._fullData || [])"
                 ".filter((t) => t.meta && t.meta.role === 'path').map((t) => t.line.color)")
        # the new revision can land a frame before the map is drawn with it (on a busy machine)
        page.wait_for_function(f"() => ({paths})().length > 0", timeout=30_000)
        assert page.evaluate(paths) == list(STRIDE_COLORS)
        # the verdicts are written below the view: they can reach the page a moment after the map
        expect(page.get_by_text("red, lr 0.02: too big.")).to_be_visible(timeout=30_000)

        _click(page, page.locator("[data-testid=stButtonGroup] button", has_text="4. The magic button"))
        code = page.locator('[data-testid="stCode"]').first.inner_text()
        assert "coeffs = torch.tensor([0.0, 0.0], requires_grad=True)" in code  # where the walk stands

        # a click on the map presses the button there
        area = page.locator(".lm-map .nsewdrag").bounding_box()
        old = page.evaluate(REVISION)
        page.mouse.click(area["x"] + area["width"] * 0.75, area["y"] + area["height"] * 0.3)
        wait_for_new_revision(page, old)
        x, y = page.evaluate(WALKER)
        press = press_button(HIMMELBLAU, (x, y))
        assert x > 1 and y > 0
        assert f"coeffs = torch.tensor([{x!r}, {y!r}], requires_grad=True)" in page.locator('[data-testid="stCode"]').first.inner_text()
        assert page.locator('[data-testid="stCode"]').nth(1).inner_text() == f"{press.printed_loss}\n{press.printed_grad}"

        _click(page, page.get_by_role("button", name="Next: 5. The zero_grad mystery ▶"))
        for _ in range(3):
            _click(page, page.get_by_role("button", name="Step ▶"))
        taken = walk(HIMMELBLAU, HIMMELBLAU.start, [0.01] * 3, zero_grad=False)
        np.testing.assert_allclose(page.evaluate(WALKER), taken.here, rtol=1e-12)
        # four places felt, tip to tail, then coeffs.grad and the step
        assert page.evaluate(ARROWS) == 4 + 2
        assert "here is what really happens" in page.get_by_test_id("stAlertContentInfo").inner_text()

        old = page.evaluate(REVISION)
        page.get_by_role("button", name="Open the explorer with this walk").click()
        page.wait_for_function(f"() => {{ const now = ({REVISION})(); return !!now && now !== {old!r} && now.includes('optimizers'); }}")
        expect(page.get_by_role("link", name="Walk into the fog")).to_be_visible(timeout=30_000)
        # the explorer opens on the scene the walk built: its mountain, start and stride, SGD, no zero_grad()
        page.wait_for_function("() => location.search.includes('forget_zero_grad=1')")
        for part in ("surface=himmelblau", "optimizers=sgd&", "lr=0.01&", "start_x=0&", "start_y=0&"):
            assert part in page.url
