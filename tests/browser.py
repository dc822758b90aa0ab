"""One live app in one headless Chromium page, for the browser tests."""

import os
from contextlib import contextmanager

import pytest

from scripts.live_app import VIEW_READY, chromium_available, chromium_page, running_app


@contextmanager
def app_page(path: str = "/", clipboard: bool = False):
    """The app at `path` in Chromium, drawn; fails under CI=true (skips elsewhere) without Chromium.
    clipboard: let the page read and write the clipboard. The page must end without page errors."""
    if not chromium_available():
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with running_app() as url, chromium_page() as page:
        if clipboard:
            page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        # a loaded CI machine can take longer than Playwright's 30 s default to rerun and redraw
        page.set_default_timeout(90_000)
        page.goto(url + path)
        page.wait_for_function(VIEW_READY, timeout=120_000)
        yield page
        assert page.errors == []
