"""The page "Many balls" in headless Chromium: a click on the sweep sets the learning rate, the swarm
rolls on the mountain and the map, a click on the basins map moves the start, and the sweep view
previews any learning rate in the browser."""

import json
import math

import pytest

from app.controls import nearest_lr
from core.sweep import LR_LADDER
from scripts.live_app import VIEW_READY
from tests.browser import REVISION, app_page, click_quarter_in, slider_values, wait_for_new_revision

pytestmark = pytest.mark.browser

MODE = "(mode) => { const r = document.querySelector('.lm-root'); return !!r && r.dataset.revision.includes(mode); }"


@pytest.fixture(scope="module")
def page():
    with app_page("/many") as page:
        yield page


def _show(page, label, mode):
    page.get_by_text(label).click()
    page.wait_for_function(MODE, arg=mode, timeout=60_000)
    page.wait_for_function(VIEW_READY, timeout=60_000)


def test_clicking_a_learning_rate_on_the_sweep_uses_it(page):
    assert page.evaluate("() => document.querySelector('.lm-feature').data.length") > 6
    rates = page.evaluate("() => Array.from(document.querySelector('.lm-feature')._fullData"
                          ".find(t => t.type === 'heatmap').x)")
    target = min(rates, key=lambda lr: abs(math.log(lr / 0.1)))
    # the middle of the regime ribbon's column for that rate
    point = page.evaluate("""(lr) => { const gd = document.querySelector('.lm-feature');
        const box = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis3, ya = gd._fullLayout.yaxis3;
        return [box.left + xa._offset + xa.l2p(Math.log10(lr)), box.top + ya._offset + ya._length / 2]; }""", target)
    old = page.evaluate(REVISION)
    page.mouse.click(*point)
    wait_for_new_revision(page, old)
    assert json.loads(page.evaluate(REVISION))["lr"] == nearest_lr(target)
    assert float(slider_values(page)["Learning rate (log scale)"]) == nearest_lr(target)
    # the balls below roll at the new rate, and the chart marks it
    marked = page.evaluate("() => document.querySelector('.lm-feature').data"
                           ".filter(t => (t.name || '').startsWith('your lr')).map(t => t.x[0])")
    assert marked and all(x == nearest_lr(target) for x in marked)


def test_the_swarm_rolls_on_the_mountain_and_the_map(page):
    _show(page, "Swarm", "swarm")
    assert page.locator(".lm-step").inner_text() == "step 150 / 150"
    page.locator(".lm-scrub").fill("0")
    page.wait_for_function("() => document.querySelector('.lm-root').dataset.step === '0'")
    # the canvas is painted on the next animation frame, later on a loaded machine
    page.wait_for_function("""() => { const c = document.querySelector('.lm-swarm');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n > 300 * 10; }""",
                           timeout=30_000)  # the 300 balls are drawn on the map
    # the mountain's balls stand at the swarm's starts
    starts = page.evaluate("""() => { const gd = document.querySelector('.lm-mountain');
        const t = gd._fullData.find(t => t.meta && t.meta.role === 'swarm'); return Array.from(t.x).slice(0, 3); }""")
    first = page.evaluate("() => document.querySelector('.lm-mountain').data"
                          ".find(t => t.meta && t.meta.role === 'swarm').x.slice(0, 3)")
    assert len(starts) == 3 and starts == pytest.approx(first, abs=1e-5)
    page.click(".lm-play")
    page.wait_for_function(VIEW_READY, timeout=60_000)
    assert page.locator(".lm-step").inner_text() == "step 150 / 150"


def test_clicking_the_basins_map_moves_the_start(page):
    _show(page, "Basins of attraction", "basins")
    cells = page.evaluate("() => document.querySelector('.lm-feature')._fullData.find(t => t.type === 'heatmap').z.length")
    assert cells == 101
    click_quarter_in(page, ".lm-feature")
    # and again: every click moves it, not only the first (the view's clicks are never pinned)
    old = page.evaluate(REVISION)
    area = page.locator(".lm-feature .nsewdrag").bounding_box()
    page.mouse.click(area["x"] + area["width"] * 0.75, area["y"] + area["height"] * 0.75)
    wait_for_new_revision(page, old)
    values = slider_values(page)
    assert float(values["Start x"]) == pytest.approx(2.5, abs=0.06)
    assert float(values["Start y"]) == pytest.approx(-2.5, abs=0.06)


def test_the_sweep_view_previews_a_learning_rate_and_keeps_the_one_let_go(page):
    _show(page, "Learning-rate sweep", "sweep")
    revision = page.evaluate(REVISION)
    page.hover(".lm-rate")  # a hand near the control fetches the ladder
    page.wait_for_function("() => [...window.__lossMountainKept.keys()].some((key) => key.startsWith('ladder:'))")
    chosen = LR_LADDER.index(0.02)
    page.evaluate("(i) => { const r = document.querySelector('.lm-rate'); r.value = String(i);"
                  " r.dispatchEvent(new Event('input')); }", chosen)
    page.wait_for_function(f"() => document.querySelector('.lm-root').dataset.previewIndex === '{chosen}'")
    assert page.evaluate(REVISION) == revision, "the preview waited for the server"
    assert page.locator(".lm-rate-value").inner_text().startswith("lr 0.02 (shown)")
    page.evaluate("() => document.querySelector('.lm-rate').dispatchEvent(new Event('change'))")
    wait_for_new_revision(page, revision)
    assert float(slider_values(page)["Learning rate (log scale)"]) == 0.02
    assert json.loads(page.evaluate(REVISION))["lr"] == 0.02
