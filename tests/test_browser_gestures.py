"""A gesture (the learning rate, the start, the zero_grad() switch) reruns the page's scene and not
the sidebar's setup, which does not depend on it: the server does not send the setup's widgets
again, yet every word that does depend on the gesture follows it, in the sidebar too, and the
address bar holds the new scene. A preset in the page's body changes the setup: the sidebar shows it."""

import pytest

from scripts.live_app import VIEW_READY, chromium_page, running_app
from tests.browser import REVISION, require_chromium, slider_values

pytestmark = pytest.mark.browser

# a label only the sidebar's setup carries (app.controls.setup_ui), as the websocket's protobuf holds it
SETUP_LABEL = "Optimizer families".encode()
# the sidebar's learning-rate picture (app.lessons.lr_picture): its sentence names the stability limit
LIMIT_SENTENCE = """() => [...document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stCaptionContainer"]')]
  .map((e) => e.innerText).find((text) => text.includes('stability limit')) || null"""
# the sidebar's chosen mountain, as its combo box shows it
MOUNTAIN = """() => document.querySelector('[data-testid="stSidebar"] input[aria-label="Mountain"]').value"""


def _frames(page) -> list[bytes]:
    """Every websocket frame the page receives from now on."""
    received: list[bytes] = []
    page.on("websocket", lambda socket: socket.on(
        "framereceived", lambda payload: received.append(payload if isinstance(payload, bytes) else payload.encode())))
    return received


def _open(page, address: str) -> None:
    page.set_default_timeout(90_000)
    page.goto(address)
    page.wait_for_function(VIEW_READY, timeout=120_000)


def test_a_start_move_reruns_the_scene_not_the_setup_and_its_words_follow_it():
    require_chromium()
    with running_app() as url, chromium_page() as page:
        received = _frames(page)
        _open(page, url + "/")
        assert any(SETUP_LABEL in frame for frame in received), "a full run sends the setup"
        before = page.wait_for_function(LIMIT_SENTENCE).json_value()
        revision = page.evaluate(REVISION)
        received.clear()
        # Himmelblau's start from (0, 0) to (5, 0): another valley is the nearest, with another limit
        page.locator('[data-testid="stSlider"]').filter(has_text="Start x").first.get_by_role("slider").focus()
        page.keyboard.press("End")
        page.wait_for_function(f"() => {{ const now = ({REVISION})(); return now && now !== {revision!r}; }}")
        page.wait_for_function(f"() => {{ const now = ({LIMIT_SENTENCE})(); return now && now !== {before!r}; }}")
        page.wait_for_function("() => location.search.includes('start_x=5')")
        moved = page.evaluate(LIMIT_SENTENCE)
        assert received, "the move was answered"
        assert not any(SETUP_LABEL in frame for frame in received), "a start move sent the setup again"
        # the same words as a fresh page opened at the address bar's link (a full run)
        fresh = page.context.browser.new_page()
        _open(fresh, page.evaluate("() => location.href"))
        assert fresh.wait_for_function(LIMIT_SENTENCE).json_value() == moved
        assert page.errors == []


def test_a_preset_in_the_pages_body_redraws_the_sidebars_setup():
    require_chromium()
    with running_app() as url, chromium_page() as page:
        received = _frames(page)
        _open(page, url + "/")
        assert page.evaluate(MOUNTAIN) == "Himmelblau"
        page.get_by_role("tab", name="🧭 Forgot zero_grad()?").click()
        received.clear()
        page.get_by_role("button", name="Show the classic mistake").click()
        # plain SGD on the round bowl, 200 steps (app.controls.classic_mistake_preset), in the sidebar too
        page.wait_for_function(f"() => ({MOUNTAIN})() === 'Bowl'")
        page.wait_for_function("() => location.search.includes('surface=bowl')")
        assert any(SETUP_LABEL in frame for frame in received)
        assert slider_values(page)["Steps"] == "200"
        chosen = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').inner_text()
        assert "SGD" in chosen and "Adam" not in chosen
        assert page.errors == []
