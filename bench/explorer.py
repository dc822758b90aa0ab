"""Explorer speed: server work per rerun for the default scene, payload size, slider-to-redraw time.

    python -m bench.explorer [--quick]

Times are medians of repeated runs on this machine; the baseline runs each optimizer
alone (one torch.optim loop per optimizer) and builds the same figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from core import descend, descend_many, get_surface
from core.figures import loss_figure, map_figure, mountain_figure
from core.grid import surface_grid

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = dict(surface="himmelblau", optimizers=("sgd", "momentum", "adam"), lr=0.01,
               start=(0.0, 0.0), steps=150)


def median_seconds(work: Callable[[], object], repeats: int) -> float:
    work()  # warm-up: imports, first-call allocations
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def figures_json(runs) -> int:
    surface = get_surface(DEFAULT["surface"])
    grid = surface_grid(surface)
    texts = [mountain_figure(surface, runs, grid).to_json(), map_figure(surface, runs, grid).to_json(),
             loss_figure(surface, runs).to_json()]
    return sum(len(text) for text in texts)


def shared_scene() -> int:
    surface = get_surface(DEFAULT["surface"])
    runs = descend_many(surface, DEFAULT["optimizers"], DEFAULT["lr"], DEFAULT["start"], DEFAULT["steps"])
    return figures_json(runs)


def baseline_scene() -> int:
    surface = get_surface(DEFAULT["surface"])
    runs = [descend(surface, name, DEFAULT["lr"], DEFAULT["start"], DEFAULT["steps"])
            for name in DEFAULT["optimizers"]]
    return figures_json(runs)


def cached_rerun_seconds(repeats: int) -> float:
    """A whole script rerun through AppTest once the scene is cached (a revisited setting)."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=120).run()
    return median_seconds(lambda: app.run(), repeats)


def slider_to_redraw_seconds(moves: int) -> list[float]:
    """Press → on the learning-rate slider; time until the view shows the new scene."""
    from scripts.live_app import VIEW_READY, chromium_page, running_app

    revision = "() => document.querySelector('.lm-root').dataset.revision"
    times = []
    with running_app() as url, chromium_page() as page:
        page.goto(url)
        page.wait_for_function(VIEW_READY, timeout=120_000)
        slider = page.locator('[data-testid="stSlider"]', has_text="Learning rate").get_by_role("slider")
        for _ in range(moves):
            old = page.evaluate(revision)
            slider.focus()
            began = time.perf_counter()
            page.keyboard.press("ArrowRight")
            # redrawn = Plotly.react finished and the new revision is on the view
            page.wait_for_function(f"() => ({revision})() !== {json.dumps(old)}", timeout=60_000)
            times.append(time.perf_counter() - began)
            page.wait_for_function(VIEW_READY, timeout=60_000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, for CI smoke runs")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium measurement")
    args = parser.parse_args()
    repeats = 3 if args.quick else 15

    shared = median_seconds(shared_scene, repeats)
    baseline = median_seconds(baseline_scene, repeats)
    payload = shared_scene()
    rerun = cached_rerun_seconds(repeats)
    print(f"default scene: {DEFAULT['surface']}, {', '.join(DEFAULT['optimizers'])}, "
          f"lr {DEFAULT['lr']}, {DEFAULT['steps']} steps")
    print(f"{'measure':<52}{'value':>12}{'baseline':>12}{'ratio':>8}")
    print(f"{'server work, uncached (runs + 3 figures as JSON)':<52}{shared * 1e3:>10.1f}ms"
          f"{baseline * 1e3:>10.1f}ms{baseline / shared:>7.2f}x")
    print(f"{'whole script rerun, scene cached (AppTest)':<52}{rerun * 1e3:>10.1f}ms")
    print(f"{'figure payload for the default view':<52}{payload / 1e3:>10.0f}kB")
    if not args.no_browser:
        times = slider_to_redraw_seconds(3 if args.quick else 8)
        print(f"{'slider move to redrawn plot, headless Chromium':<52}"
              f"{statistics.median(times) * 1e3:>10.0f}ms   (median of {len(times)}, "
              f"min {min(times) * 1e3:.0f}, max {max(times) * 1e3:.0f})")


if __name__ == "__main__":
    main()
