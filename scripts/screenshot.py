"""Screenshots of the running explorer for the README:

    python -m scripts.screenshot docs/    # fog, fog-lifted, fog-optimizer, fog-stride, fog-button,
                                          # fog-zero-grad, presenter, explorer, preview, bouncing, zero-grad,
                                          # classic-mistake, step-by-step, high-contrast, phone,
                                          # fit-data, network, many-*.png
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


def _open(page, url: str, path: str) -> None:
    page.goto(url + path)
    page.wait_for_function(VIEW_READY, timeout=120_000)


def main(folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    with running_app() as url:
        with chromium_page(1400, 900) as page:
            _fog(page, url, out)
            _chapters(page, url, out)
            _open(page, url, "/")
            page.screenshot(path=out / "explorer.png")
            _preview(page, out / "preview.png")
            # plain SGD past its stability limit on Himmelblau: the bouncing case and its verdict
            _open(page, url, "/?optimizers=sgd&lr=0.025")
            _tall(page, out / "bouncing.png", 1250)
            _open(page, url, "/?forget_zero_grad=1")
            page.screenshot(path=out / "zero-grad.png")
            page.get_by_role("tab", name="Forgot zero_grad()?").click()
            _after(page, lambda: page.get_by_role("button", name="Show the classic mistake").click())
            _tall(page, out / "classic-mistake.png", 2300)
            _open(page, url, "/?step_mode=1")
            for _ in range(3):
                _after(page, lambda: page.get_by_role("button", name="Step ▶").click())
            _tall(page, out / "step-by-step.png", 1200)
            for path, name in (("data", "fit-data.png"), ("network", "network.png")):
                _open(page, url, f"/{path}")
                page.screenshot(path=out / name)
            _many_balls(page, url, out)
        with chromium_page(1280, 720) as page:
            _open(page, url, "/?contrast=1")
            page.screenshot(path=out / "high-contrast.png")
            _presenter(page, url, out)
        with chromium_page(390, 844) as page:
            _open(page, url, "/")
            page.screenshot(path=out / "phone.png")
    for picture in out.glob("*.png"):
        _small(picture)
    print(f"wrote fog, fog-lifted, fog-optimizer, fog-stride, fog-button, fog-zero-grad, presenter, explorer, preview, bouncing, zero-grad, classic-mistake, step-by-step, high-contrast, phone, fit-data, "
          f"network and many-sweep, many-basins, many-swarm, fair-race (.png) in {out}")


def _fog(page, url: str, out: Path, steps: int = 8) -> None:
    """Into the fog: a walk of `steps` presses of Step on the hidden Himmelblau, then the fog lifted."""
    _open(page, url, "/fog")
    for _ in range(steps):
        _after(page, lambda: page.get_by_role("button", name="Step ▶").click())
    _tall(page, out / "fog.png", 1150)
    _after(page, lambda: page.get_by_text("Lift the fog").click())
    _tall(page, out / "fog-lifted.png", 1150)


def _chapters(page, url: str, out: Path) -> None:
    """The walk's other chapters, each as a learner leaves it: mountain #7 walked to its cabin by
    hand and raced; the three strides; the magic button pressed at (1, −1); eight steps without
    zero_()."""
    by_hand = ",".join(["194:0.5"] * 12)
    _open(page, url, f"/fog?fog_chapter=optimizer&fog_hand={by_hand}")
    _tall(page, out / "fog-optimizer.png", 1400)
    _open(page, url, "/fog?fog_chapter=stride")
    page.wait_for_timeout(4000)  # the three balls roll to their ends
    _tall(page, out / "fog-stride.png", 1400)
    _open(page, url, "/fog?fog_chapter=button&fog_button_x=1&fog_button_y=-1")
    _tall(page, out / "fog-button.png", 1300)
    _open(page, url, "/fog?fog_chapter=zero_grad")
    for _ in range(8):
        _after(page, lambda: page.get_by_role("button", name="Step ▶").click())
    _tall(page, out / "fog-zero-grad.png", 1350)


def _presenter(page, url: str, out: Path) -> None:
    """Presenter mode on a projector's 1280 × 720: the walk in the fog six steps in, scrolled to the
    view, with the card of keys open (press ?)."""
    _open(page, url, "/fog?presenter=1&fog_walk=" + ",".join(["0.01"] * 6))
    # Streamlit scrolls its main block, not the document: the view's top just under the header
    page.evaluate("""() => { const root = document.querySelector('.lm-root'); let box = root.parentElement;
      while (box && box.scrollHeight <= box.clientHeight) box = box.parentElement;
      box.scrollTop += root.getBoundingClientRect().top - 70; }""")
    page.keyboard.press("?")
    page.wait_for_timeout(1500)
    page.screenshot(path=out / "presenter.png")


def _preview(page, path: Path, lr: float = 0.02) -> None:
    """The learning-rate preview held at `lr`: the view draws that rate from the scene's ladder
    while the button is down (the page's text is still about the slider's rate)."""
    from core.sweep import LR_LADDER

    rate = page.locator(".lm-rate")
    rate.hover()
    page.wait_for_function("() => [...window.__lossMountainKept.keys()].some((key) => key.startsWith('ladder:'))",
                           timeout=60_000)
    box = rate.bounding_box()
    index = LR_LADDER.index(lr)
    # a range input's thumb travels the track less its own width (about 16 px)
    x = box["x"] + 8 + (box["width"] - 16) * index / (len(LR_LADDER) - 1)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] / 2, steps=12)
    # the last pixel may land a rung off: the exact rung, as the control's own input event
    page.evaluate("(i) => { const r = document.querySelector('.lm-rate'); r.value = String(i);"
                  " r.dispatchEvent(new Event('input')); }", index)
    page.wait_for_function(f"() => document.querySelector('.lm-root').dataset.previewIndex === '{index}'")
    page.wait_for_timeout(800)  # the mountain follows once the hand rests
    page.screenshot(path=path)
    _after(page, page.mouse.up)


def _tall(page, path: Path, height: int) -> None:
    """A screenshot of the page drawn `height` pixels tall (Streamlit scrolls inside, not the document)."""
    width = page.viewport_size["width"]
    old = page.viewport_size["height"]
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(1500)
    page.screenshot(path=path)
    page.set_viewport_size({"width": width, "height": old})


def _small(path: Path, limit: int = 290_000) -> None:
    """Keep a screenshot under the repository's 300 KB: a 256-colour palette if it is bigger."""
    if path.stat().st_size > limit:
        from PIL import Image  # Pillow comes with Streamlit

        Image.open(path).convert("RGB").quantize(256).save(path, optimize=True)


def _many_balls(page, url: str, out: Path) -> None:
    """The page "Many balls": the sweep, Momentum's basins on Himmelblau, a swarm mid-roll, a fair race."""
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
    # a fair race of twelve: the ranking, each one's tuning, and the table under them
    twelve = "newton,sgd,adagrad,nesterov,rprop,rmsprop,adamw,adamax,adam,momentum,nadam,radam"
    page.goto(f"{url}/many?many_mode=race&race_balls=64&optimizers={twelve}")
    page.wait_for_selector(".lm-race-table", timeout=300_000)
    _tall(page, out / "fair-race.png", 1400)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs")
