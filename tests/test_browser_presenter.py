"""Presenter mode in headless Chromium at a projector's 1280 × 720: no sidebar, bigger text, the
keys (Space, ← →, + −, F, ?) doing what their card says, and the 3-D view inside the screen at
150 % zoom."""

import pytest

from scripts.live_app import running_app
from tests.browser import REVISION, app_page, opened, require_chromium, wait_for_new_revision

pytestmark = pytest.mark.browser

STEPS = "() => document.querySelector('[data-testid=\"stMetric\"]').innerText"
MAP_FONT = "() => document.querySelector('.lm-map')._fullLayout.font.size"
MOUNTAIN_TYPES = "() => document.querySelector('.lm-mountain').data.map((t) => t.type)"


def _key(page, key: str) -> None:
    old = page.evaluate(REVISION)
    page.keyboard.press(key)
    wait_for_new_revision(page, old)


def test_a_teacher_walks_the_fog_with_the_keys_alone():
    with app_page("/fog?presenter=1") as page:
        page.set_viewport_size({"width": 1280, "height": 720})
        assert page.locator('[data-testid="stSidebar"]').is_hidden()
        assert page.evaluate(MAP_FONT) >= 16  # 12 px, 1.4 times
        page.keyboard.press("?")
        assert page.locator(".lm-keys").is_visible()
        assert "lift or lower the fog" in page.locator(".lm-keys").inner_text()
        page.keyboard.press("?")
        assert page.locator(".lm-keys").is_hidden()

        _key(page, " ")  # Space: Step
        assert page.evaluate(STEPS).endswith("1")
        _key(page, "ArrowRight")  # a step forward
        assert page.evaluate(STEPS).endswith("2")
        _key(page, "ArrowLeft")  # and back: the step undone
        assert page.evaluate(STEPS).endswith("1")
        _key(page, "+")  # the stride one notch up
        page.wait_for_function("() => location.search.includes('fog_stride=0.011')")
        _key(page, "f")  # the fog lifted
        assert "surface" in page.evaluate(MOUNTAIN_TYPES)

        old = page.evaluate(REVISION)
        page.get_by_role("button", name="✕ Leave presenter mode").click()
        page.wait_for_function("() => !location.search.includes('presenter')")
        assert page.locator('[data-testid="stSidebar"]').is_visible()
        page.wait_for_function("() => document.querySelector('.lm-map')._fullLayout.font.size < 14")
        page.keyboard.press("?")  # no keys outside presenter mode
        assert page.locator(".lm-keys").is_hidden() and page.evaluate(REVISION) == old


def test_in_the_explorer_space_plays_and_the_arrows_step_through_time():
    with app_page("/?presenter=1") as page:
        # the first roll ends at the last step, paused: the arrows walk back and forth in time
        page.wait_for_function("() => { const r = document.querySelector('.lm-root');"
                               " return r.dataset.playing === 'false' && r.dataset.step === '150'; }")
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("() => document.querySelector('.lm-root').dataset.step === '149'")
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("() => document.querySelector('.lm-root').dataset.step === '148'")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.querySelector('.lm-root').dataset.step === '149'")
        assert page.evaluate("() => document.querySelector('.lm-root').dataset.playing") == "false"
        for _ in range(40):
            page.keyboard.press("ArrowLeft")
        page.wait_for_function("() => document.querySelector('.lm-root').dataset.step === '109'")
        page.keyboard.press(" ")  # Space plays on from there, and pauses
        page.wait_for_function("() => document.querySelector('.lm-root').dataset.playing === 'true'")
        page.keyboard.press(" ")
        page.wait_for_function("() => document.querySelector('.lm-root').dataset.playing === 'false'")
        _key(page, "-")  # the learning rate one notch down
        page.wait_for_function("() => location.search.includes('lr=0.0089')")


def test_at_150_percent_zoom_the_mountain_fits_the_projectors_screen():
    # 1280 × 720 at 150 %: a page of 853 × 480 CSS pixels
    require_chromium()
    with running_app() as url, opened(url, "/?presenter=1", size=(853, 480)) as page:
        box = page.locator(".lm-mountain").bounding_box()
        assert box["height"] <= 480 and box["width"] <= 853
