"""One live app in one headless Chromium page, for the browser tests."""

import json
import os
import time
from contextlib import contextmanager

import pytest

from scripts.live_app import VIEW_READY, chromium_available, chromium_page, running_app

# null-safe: while Streamlit reruns, the view may be briefly re-mounted
REVISION = "() => { const r = document.querySelector('.lm-root'); return r ? r.dataset.revision : null; }"


def require_chromium() -> None:
    """Fail under CI=true (skip elsewhere) when Debian's Chromium is missing."""
    if not chromium_available():
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def app_page(path: str = "/", clipboard: bool = False):
    """The app at `path` in Chromium, drawn; fails under CI=true (skips elsewhere) without Chromium.
    clipboard: let the page read and write the clipboard. The page must end without page errors."""
    require_chromium()
    with running_app() as url:
        with opened(url, path, clipboard=clipboard) as page:
            yield page


@contextmanager
def opened(url: str, path: str = "/", size: tuple[int, int] = (1500, 1000), clipboard: bool = False):
    """A Chromium page of `size` on the running app at url + path, drawn; no page errors at the end."""
    with chromium_page(*size) as page:
        if clipboard:
            page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        # a loaded CI machine can take longer than Playwright's 30 s default to rerun and redraw
        page.set_default_timeout(90_000)
        page.goto(url + path)
        page.wait_for_function(VIEW_READY, timeout=120_000)
        yield page
        assert page.errors == [], page.errors


def slider_values(page) -> dict[str, str]:
    texts = page.locator('[data-testid="stSlider"]').all_inner_texts()
    # sliders inside a closed expander have no text
    return {lines[0]: lines[2] for lines in (text.split("\n") for text in texts) if len(lines) > 2}


def start_sliders(page, wanted: tuple[float, float], timeout: float = 30.0) -> tuple[float, float]:
    """The Start x and Start y sliders' values once they show `wanted`, or at the timeout: a scene's
    view goes out before the sidebar's widgets, which on a busy machine follow a moment later."""
    deadline = time.monotonic() + timeout
    while True:
        values = slider_values(page)
        shown = (float(values["Start x"]), float(values["Start y"]))
        if shown == tuple(wanted) or time.monotonic() > deadline:
            return shown
        page.wait_for_timeout(100)


def wait_for_new_revision(page, old: str) -> None:
    page.wait_for_function(f"() => {{ const now = ({REVISION})(); return !!now && now !== {json.dumps(old)}; }}",
                           timeout=60_000)
    page.wait_for_function(VIEW_READY, timeout=60_000)


def click_quarter_in(page, plot: str) -> None:
    """Click a quarter of the way in from the top-left of `plot`'s axes — (-2.5, 2.5) on x, y in
    [-5, 5] — wait for the rerun, check the sliders and the plot's start marker moved there."""
    old = page.evaluate(REVISION)
    area = page.locator(f"{plot} .nsewdrag").bounding_box()
    page.mouse.click(area["x"] + area["width"] * 0.25, area["y"] + area["height"] * 0.25)
    wait_for_new_revision(page, old)
    values = slider_values(page)
    assert float(values["Start x"]) == pytest.approx(-2.5, abs=0.06)
    assert float(values["Start y"]) == pytest.approx(2.5, abs=0.06)
    marker = page.evaluate(f"() => {{ const gd = document.querySelector({json.dumps(plot)});"
                           " const t = gd._fullData.find(t => /start$/.test(t.name || '')); return [t.x[0], t.y[0]]; }")
    assert marker == [float(values["Start x"]), float(values["Start y"])]
