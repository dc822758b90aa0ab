"""A full classroom on one server: many headless-Chromium sessions moving sliders and switching
mountains at random, for a fixed time, on 127.0.0.1 only.

    python -m bench.load [--sessions 10] [--seconds 60]

Starts one `streamlit run app/main.py`, opens the sessions as pages of one Chromium, and reports
the errors (page errors, exceptions shown by the app, redraws that never came), the time from
each move to the redrawn plot (p50, p95), and the server's peak memory. It stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import threading
import time
from pathlib import Path

from app.controls import LR_OPTIONS
from core import SURFACES
from scripts.live_app import CHROMIUM, CHROMIUM_ARGS, VIEW_READY, running_server

REVISION = "() => { const r = document.querySelector('.lm-root'); return r ? r.dataset.revision : null; }"
REDRAW_TIMEOUT_MS = 60_000


def cpu_seconds(pids) -> float:
    """CPU time (user + system) the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def browser_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"chromium" in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def _rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class MemoryWatch(threading.Thread):
    """Samples the server's resident memory twice a second; `peak` is the highest (KiB)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.first, self.running = pid, 0, _rss_kib(pid), True

    def run(self) -> None:
        while self.running:
            try:
                self.peak = max(self.peak, _rss_kib(self.pid))
            except OSError:
                return
            time.sleep(0.5)


async def _move(page, rng: random.Random) -> str:
    """One random move a student would make, always to a new setting; returns what it was."""
    scene = json.loads(await page.evaluate(REVISION))
    if rng.random() < 0.7:
        k = rng.randrange(3)
        name = ("Learning rate", "Start x", "Start y")[k]
        (x0, x1), (y0, y1) = SURFACES[scene["surface"]].bounds
        now, low, high = ((scene["lr"], LR_OPTIONS[0], LR_OPTIONS[-1]), (scene["start"][0], x0, x1),
                          (scene["start"][1], y0, y1))[k]
        # step away from the end the slider stands at, so the setting always changes
        key = "ArrowRight" if now <= low else "ArrowLeft" if now >= high else rng.choice(["ArrowRight", "ArrowLeft"])
        await page.locator('[data-testid="stSlider"]', has_text=name).get_by_role("slider").press(key)
        return f"{name} {key}"
    surface = rng.choice([s for s in SURFACES.values() if s.name != scene["surface"]])
    # the list shows only some options at a time: type to pick, as a keyboard user would
    await page.locator('[data-testid="stSelectbox"]', has_text="Mountain").click()
    await page.keyboard.type(surface.title)
    await page.keyboard.press("Enter")
    return f"mountain {surface.name}"


async def _student(browser, url: str, seconds: float, seed: int, report: dict) -> None:
    rng = random.Random(seed)
    # reduced motion: the view shows where the balls end instead of rolling them, so ten software-
    # rendered 3-D animations do not starve the one CPU that also runs the server
    page = await browser.new_page(viewport={"width": 1280, "height": 860}, reduced_motion="reduce")
    page.on("pageerror", lambda error: report["errors"].append(f"session {seed}: page error {error}"))
    await page.goto(url)
    await page.wait_for_function(VIEW_READY, timeout=120_000)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        old = await page.evaluate(REVISION)
        began = time.perf_counter()
        try:
            move = await _move(page, rng)
            await page.wait_for_function(
                f"() => {{ const r = ({REVISION})(); return !!r && r !== {json.dumps(old)}; }}",
                timeout=REDRAW_TIMEOUT_MS)
            report["times"].append(time.perf_counter() - began)
            report["moves"] += 1
        except Exception as error:  # a move that never redrew is an error of the run, not a crash
            report["errors"].append(f"session {seed}: no redraw after a move ({type(error).__name__}: "
                                    f"{str(error).splitlines()[0][:120]})")
            move = "a move"
        if await page.locator('[data-testid="stException"]').count():
            report["errors"].append(f"session {seed}: the app showed an exception after {move}")
        await asyncio.sleep(rng.uniform(0.3, 1.5))  # a student looks before the next move
    await page.close()


async def _classroom(url: str, sessions: int, seconds: float) -> dict:
    from playwright.async_api import async_playwright

    report = {"times": [], "moves": 0, "errors": []}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            await asyncio.gather(*(_student(browser, url, seconds, seed, report) for seed in range(sessions)))
            report["browser_cpu"] = cpu_seconds(browser_pids())
        finally:
            await browser.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10, help="concurrent browser sessions (default: 10)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each session keeps moving (default: 60)")
    args = parser.parse_args()
    began = time.monotonic()
    with running_server() as (url, server):
        watch = MemoryWatch(server.pid)
        watch.start()
        server_cpu = cpu_seconds([server.pid])
        wall = time.monotonic()
        report = asyncio.run(_classroom(url, args.sessions, args.seconds))
        wall = time.monotonic() - wall
        server_cpu = cpu_seconds([server.pid]) - server_cpu
        watch.running = False
        peak = max(watch.peak, _rss_kib(server.pid, "VmHWM"))
        alive = server.poll() is None
    times = sorted(report["times"])
    p50 = statistics.median(times) if times else float("nan")
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))] if times else float("nan")
    print(f"{args.sessions} sessions × {args.seconds:.0f} s on {url} (one Chromium, headless, software WebGL); "
          f"ran {time.monotonic() - began:.0f} s in all")
    print(f"{'moves answered with a redrawn plot':<44}{report['moves']:>10}")
    print(f"{'errors':<44}{len(report['errors']):>10}")
    print(f"{'move → redrawn plot, p50':<44}{p50 * 1e3:>8.0f}ms")
    print(f"{'move → redrawn plot, p95':<44}{p95 * 1e3:>8.0f}ms")
    print(f"{'server memory at start':<44}{watch.first / 1024:>8.0f}MB")
    print(f"{'server memory, peak':<44}{peak / 1024:>8.0f}MB")
    print(f"{'server still up at the end':<44}{'yes' if alive else 'NO':>10}")
    cores = os.cpu_count() or 1
    print(f"CPU used over {wall:.0f} s on {cores} cores: server {server_cpu:.0f} s, "
          f"Chromium {report.get('browser_cpu', 0):.0f} s (the browsers share the machine with the server)")
    for error in report["errors"][:20]:
        print("  ", error)
    if report["errors"] or not alive:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
