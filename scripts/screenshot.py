"""Screenshots of the running explorer for the README:

    python -m scripts.screenshot docs/    # explorer, step-by-step, zero-grad, fit-data, network, many-*.png
"""

import sys
from pathlib import Path

from scripts.live_app import VIEW_READY, chromium_page, running_app

REVISION = "() => document.querySelector('.lm-root').dataset.revision"


def _after(page, action) -> None:
    """Do `action`, then wait until the view has drawn the scene it leads to."""
    old = page.evaluate(REVISION)
    action()
    page.wait_for_function(f"() => ({REVISION})() !== {old!r}", timeout=120_000)
    page.wait_for_function(VIEW_READY, timeout=120_000)


def main(folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    with running_app() as url, chromium_page(1400, 900) as page:
        page.goto(url)
        page.wait_for_function(VIEW_READY, timeout=120_000)
        page.screenshot(path=out / "explorer.png")
        _after(page, lambda: page.get_by_text("Step by step", exact=True).click())
        for _ in range(3):
            _after(page, lambda: page.get_by_role("button", name="Step ▶").click())
        page.screenshot(path=out / "step-by-step.png")
        _after(page, lambda: page.get_by_text("Step by step", exact=True).click())
        page.get_by_role("tab", name="Forgot zero_grad()?").click()
        _after(page, lambda: page.get_by_role("button", name="Show the classic mistake").click())
        page.get_by_role("tab", name="Forgot zero_grad()?").click()
        page.screenshot(path=out / "zero-grad.png", full_page=True)
        for path, name in (("data", "fit-data.png"), ("network", "network.png")):
            page.goto(f"{url}/{path}")
            page.wait_for_function(VIEW_READY, timeout=120_000)
            page.screenshot(path=out / name)
        _many_balls(page, url, out)
    for picture in out.glob("*.png"):
        _small(picture)
    print(f"wrote explorer.png, step-by-step.png, zero-grad.png, fit-data.png, network.png and "
          f"many-sweep.png, many-basins.png, many-swarm.png in {out}")


def _small(path: Path, limit: int = 290_000) -> None:
    """Keep a screenshot under the repository's 300 KB: a 256-colour palette if it is bigger."""
    if path.stat().st_size > limit:
        from PIL import Image  # Pillow comes with Streamlit

        Image.open(path).convert("RGB").quantize(256).save(path, optimize=True)


def _many_balls(page, url: str, out: Path) -> None:
    """The page "Many balls": the sweep, Momentum's basins on Himmelblau, a swarm mid-roll."""
    page.goto(f"{url}/many")
    page.wait_for_function(VIEW_READY, timeout=120_000)
    page.screenshot(path=out / "many-sweep.png")
    _after(page, lambda: page.get_by_text("Basins of attraction").click())
    page.locator('[data-testid="stSelectbox"]', has_text="Optimizer").click()
    _after(page, lambda: page.get_by_role("option", name="Momentum").click())
    page.screenshot(path=out / "many-basins.png")
    _after(page, lambda: page.get_by_text("Swarm", exact=True).click())
    page.locator('[data-testid="stSelectbox"]', has_text="Optimizer").click()
    _after(page, lambda: page.get_by_role("option", name="Momentum").click())
    # pause the swarm a few steps in, while the balls are on their way
    page.evaluate("() => { const s = document.querySelector('.lm-scrub'); s.value = '12';"
                  " s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); }")
    page.wait_for_timeout(1500)
    page.screenshot(path=out / "many-swarm.png")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs")
