"""Start the real Streamlit app on a free localhost port, and a headless Chromium to look at it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# the flags a closed network needs: no background fetches, no sandbox as root
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# the view has drawn once a revision is set and the balls have stopped
VIEW_READY = ("() => { const r = document.querySelector('.lm-root');"
              " return !!(r && r.dataset.revision && r.dataset.playing === 'false'); }")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(script: str = "app/main.py", timeout: float = 60.0) -> Iterator[str]:
    """Run `streamlit run script` on 127.0.0.1; yields its URL and stops it afterwards."""
    with running_server(script, timeout) as (url, _):
        yield url


@contextmanager
def running_server(script: str = "app/main.py", timeout: float = 60.0) -> Iterator[tuple[str, subprocess.Popen]]:
    """Like running_app, but yields the URL and the server's process (to watch its memory)."""
    port = _free_port()
    log = open(os.devnull, "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start on {url}")
            time.sleep(0.3)
        yield url, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


@contextmanager
def chromium_page(width: int = 1500, height: int = 1000):
    """A Playwright page in Debian's headless Chromium; page errors collect in page.errors."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.errors = []
            page.on("pageerror", lambda error: page.errors.append(str(error) + " @ " + (error.stack or "")[:600]))
            yield page
        finally:
            browser.close()
