"""The view's learning-rate preview in headless Chromium: every rate of the slider drawn in the
browser from the scene's ladder, with no server round trip, and the rate let go kept."""

import numpy as np
import pytest

from core import OPTIMIZERS, descend_many, get_surface
from core.figures import framed
from core.sweep import LR_LADDER
from tests.browser import REVISION, app_page, slider_values, wait_for_new_revision

pytestmark = pytest.mark.browser

NAMES = ["sgd", "momentum", "adam"]
LADDER_KEPT = "() => [...window.__lossMountainKept.keys()].some((key) => key.startsWith('ladder:'))"
# a drag of the control, as the page sees one: input events, then "change" when let go
PREVIEW = ("(index) => { const rate = document.querySelector('.lm-rate'); rate.value = String(index);"
           " rate.dispatchEvent(new Event('input')); }")
LET_GO = "() => document.querySelector('.lm-rate').dispatchEvent(new Event('change'))"
DRAWN_PATHS = "() => document.querySelector('.lm-root').view.paths.map((path) => [path.x, path.y])"
MOUNTAIN_PATHS = ("() => document.querySelector('.lm-mountain').data"
                  ".filter((t) => t.meta && t.meta.role === 'path').map((t) => [Array.from(t.x), Array.from(t.y)])")
MAP_PATHS = ("() => document.querySelector('.lm-map')._fullData"
             ".filter((t) => t.meta && t.meta.role === 'path').map((t) => [Array.from(t.x), Array.from(t.y)])")
# how many pixels of a canvas are painted
PAINTED = """(selector) => { const canvas = document.querySelector(selector);
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0; for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++; return painted; }"""


def _shown(page, index: int) -> None:
    page.wait_for_function(f"() => document.querySelector('.lm-root').dataset.previewIndex === '{index}'")


def _assert_drawn(paths, lr: float) -> None:
    surface = get_surface("himmelblau")
    for (x, y), run in zip(paths, descend_many(surface, NAMES, lr, (0.0, 0.0), 150), strict=True):
        expected = framed(run.positions, surface).astype(np.float32)
        np.testing.assert_array_equal(np.float32(x), expected[:, 0])
        np.testing.assert_array_equal(np.float32(y), expected[:, 1])


def test_the_learning_rate_preview_draws_every_rate_in_the_browser_and_keeps_the_one_let_go():
    with app_page("/") as page:
        revision = page.evaluate(REVISION)
        page.hover(".lm-rate")  # a hand near the control fetches the ladder
        page.wait_for_function(LADDER_KEPT)
        chosen = LR_LADDER.index(0.1)
        page.evaluate(PREVIEW, chosen)
        _shown(page, chosen)
        assert page.evaluate(REVISION) == revision, "the preview waited for the server"
        _assert_drawn(page.evaluate(DRAWN_PATHS), 0.1)
        # the map and the charts are drawn on their canvases; the mountain follows when the hand rests
        assert page.evaluate(PAINTED, ".lm-map-preview") > 500
        assert page.evaluate(PAINTED, ".lm-loss-preview") > 500
        page.wait_for_function(f"() => document.querySelector('.lm-root').dataset.previewMountain === '{chosen}'")
        _assert_drawn(page.evaluate(MOUNTAIN_PATHS), 0.1)

        # at 10 two balls fly off: the bar says which and when, and that the page's text is still about 0.01
        page.evaluate(PREVIEW, len(LR_LADDER) - 1)
        _shown(page, len(LR_LADDER) - 1)
        said = page.locator(".lm-rate-value").inner_text()
        flown = [run for run in descend_many(get_surface("himmelblau"), NAMES, 10.0, (0.0, 0.0), 150)
                 if run.diverged_at is not None]
        assert flown
        for run in flown:
            assert f"{OPTIMIZERS[run.optimizer].label} diverges at step {run.diverged_at}" in said
        assert said.startswith("lr 10 (shown)") and said.endswith("the text on the page is about lr 0.01 until you let go")

        # let go at 0.1: the slider takes it, and the rerun draws what the preview showed
        page.evaluate(PREVIEW, chosen)
        _shown(page, chosen)
        page.evaluate(LET_GO)
        wait_for_new_revision(page, revision)
        assert slider_values(page)["Learning rate (log scale)"] == "0.1"
        _assert_drawn(page.evaluate(MAP_PATHS), 0.1)
        assert page.locator(".lm-rate-value").inner_text() == "lr 0.1"
        assert page.evaluate("() => document.querySelector('.lm-map-preview').hidden")


# every rung the view previews, with the time its first frame was painted
PREVIEW_LOG = """() => { window.__previewLog = []; const root = document.querySelector('.lm-root');
  new MutationObserver(() => { if (root.dataset.previewIndex) window.__previewLog.push([Number(root.dataset.previewIndex),
    Number(root.dataset.previewDrawnAt), root.view.paths.map((path) => [Array.from(path.x), Array.from(path.y)])]); })
  .observe(root, { attributes: true, attributeFilter: ['data-preview-drawn-at'] }); }"""
FRAME_OF = "() => { const r = document.querySelector('.lm-root'); return [r.dataset.frameOf, Number(r.dataset.frameAt)]; }"


def test_a_key_on_the_pages_learning_rate_slider_shows_the_new_paths_before_the_server_answers():
    with app_page("/") as page:
        slider = page.locator('[data-testid="stSlider"]').filter(has_text="Learning rate").get_by_role("slider")
        slider.focus()  # the slider taking the focus fetches the ladder
        page.wait_for_function(LADDER_KEPT)
        page.evaluate(PREVIEW_LOG)
        revision = page.evaluate(REVISION)
        page.keyboard.press("ArrowRight")
        wait_for_new_revision(page, revision)
        assert slider_values(page)["Learning rate (log scale)"] == "0.011"
        log = page.evaluate("() => window.__previewLog")
        index = LR_LADDER.index(0.011)
        assert [entry[0] for entry in log] == [index], "one preview, of the slider's new rate"
        _, drawn_at, paths = log[0]
        _assert_drawn(paths, 0.011)
        # the server's scene came after the preview, with the same paths, and took its place
        page.wait_for_function(f"() => ({FRAME_OF})()[0] === ({REVISION})()")
        assert page.evaluate(FRAME_OF)[1] > drawn_at
        _assert_drawn(page.evaluate(MAP_PATHS), 0.011)
        assert page.evaluate("() => document.querySelector('.lm-map-preview').hidden")
        assert page.locator(".lm-rate-value").inner_text() == "lr 0.011"


# the page's first ask to keep a rate goes nowhere, as when a rerun swallows it
LOSE_FIRST_LR = """() => { const view = document.querySelector('.lm-root').view; const send = view.sendTrigger;
  window.__lrAsks = 0;
  view.sendTrigger = (name, value) => { if (name === 'lr' && window.__lrAsks++ === 0) return; send(name, value); }; }"""


def test_a_kept_rate_whose_ask_was_lost_is_asked_for_again():
    with app_page("/") as page:
        revision = page.evaluate(REVISION)
        page.hover(".lm-rate")
        page.wait_for_function(LADDER_KEPT)
        page.evaluate(LOSE_FIRST_LR)
        chosen = LR_LADDER.index(0.1)
        page.evaluate(PREVIEW, chosen)
        _shown(page, chosen)
        page.evaluate(LET_GO)
        wait_for_new_revision(page, revision)
        assert page.evaluate("() => window.__lrAsks") == 2
        assert slider_values(page)["Learning rate (log scale)"] == "0.1"
        _assert_drawn(page.evaluate(MAP_PATHS), 0.1)


# the view's asks for a scene's ladder, counted; the first goes nowhere, as when the rerun carrying it is lost
# (every rerun hands the view its trigger anew: the count wraps whichever it holds)
LOSE_FIRST_LADDER = """() => { const view = document.querySelector('.lm-root').view; let send = view.sendTrigger;
  window.__ladderAsks = 0;
  Object.defineProperty(view, 'sendTrigger', { configurable: true, set(fn) { send = fn; },
    get() { return (name, value) => { if (name === 'missing' && window.__ladderAsks++ === 0) return; send(name, value); }; } }); }"""
CONTRAST = "High contrast (for projectors)"


def test_a_ladder_on_its_way_is_asked_for_once_and_a_lost_ask_again_once_scenes_come_without_it():
    with app_page("/") as page:
        page.evaluate(LOSE_FIRST_LADDER)
        page.hover(".lm-rate")
        # however long the answer takes (a big ladder, a busy server), a hand coming back does not ask again
        page.wait_for_timeout(2500)
        page.mouse.move(5, 5)
        page.hover(".lm-rate")
        assert page.evaluate("() => window.__ladderAsks") == 1
        # one scene without it may have been on its way before the ask; after a second the ask was lost
        for _ in range(2):
            revision = page.evaluate(REVISION)
            page.get_by_text(CONTRAST).click()
            wait_for_new_revision(page, revision)
        page.mouse.move(5, 5)
        page.hover(".lm-rate")
        page.wait_for_function(LADDER_KEPT)
        assert page.evaluate("() => window.__ladderAsks") == 2
