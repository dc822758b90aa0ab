"""What a teacher hit, checked in headless Chromium at a laptop's, a projector's and a phone's size:
titles clear the header, every page opens at its own address, nothing reaches outside, the phone
reaches the controls, the zero_grad switch draws its summed compass, and the sweep fits a phone."""

import math

import pytest

from core import descend_many, get_surface
from core.descent import gradients_at
from core.figures import CAMERA, PHONE_CAMERA
from scripts.live_app import running_app
from tests.browser import opened, require_chromium

pytestmark = pytest.mark.browser

SIZES = [(1440, 900), (1280, 720), (390, 844)]
PAGES = {"/": "Loss Mountain · Himmelblau", "/explorer": "Loss Mountain · Himmelblau",
         "/formula": "Loss Mountain · Your formula", "/many": "Many balls at once",
         "/data": "The mountain of a real fit", "/network": "The landscape of a real network"}
TITLE_CLEAR = """() => {
  const title = [...document.querySelectorAll('h3')].find(h => h.offsetParent !== null);
  const header = document.querySelector('[data-testid="stHeader"]');
  return [title.innerText, title.getBoundingClientRect().top, header.getBoundingClientRect().bottom];
}"""
OUTSIDE = """() => {
  const titles = [...document.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title') || '');
  const links = [...document.querySelectorAll('.modebar a[href], .js-plot-link-container a[href]')].map(a => a.href);
  return {titles, links};
}"""


@pytest.fixture(scope="module")
def url():
    require_chromium()
    with running_app() as url:
        yield url


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_every_page_opens_at_its_own_address_with_its_title_clear_of_the_header(url, size):
    with opened(url, "/", size) as page:
        for path, title in PAGES.items():
            page.goto(url + path)
            # the page's own title, shown: the header and the padding above it are laid out by then (the
            # 3-D view below it, drawn later in software WebGL, moves nothing above it)
            page.locator("h3", has_text=title.split(" · ")[-1]).first.wait_for(state="visible", timeout=120_000)
            shown, top, header = page.evaluate(TITLE_CLEAR)
            assert title in shown.replace("\n", " ")
            assert top >= header, f"{path} at {size}: the title starts under the header bar"
            assert page.get_by_text("Page not found").count() == 0


def test_no_plot_offers_to_send_itself_outside(url):
    with opened(url, "/?forget_zero_grad=1&explorer_tab=x") as page:
        for selector in (".lm-mountain", ".lm-map", ".lm-loss"):
            page.hover(selector)
        page.get_by_role("tab", name="Forgot zero_grad()?").click()
        page.wait_for_selector("[data-testid='stPlotlyChart'] .modebar", state="attached")
        found = page.evaluate(OUTSIDE)
    assert found["titles"], "the toolbars were not drawn"
    # plotly.js's "Share chart..." button sends the figure to its cloud
    assert not [t for t in found["titles"] if any(word in t.lower() for word in ("share chart", "cloud", "chart studio"))]
    assert not [link for link in found["links"] if "plotly" in link]


def test_the_phone_reaches_the_learning_rate_start_and_zero_grad_on_the_page(url):
    with opened(url, "/", (390, 844)) as page:
        main = page.locator("[data-testid='stMain']")
        for label in ("Learning rate (log scale)", "Start x", "Start y", "Forget zero_grad()"):
            control = main.get_by_text(label, exact=True)
            assert control.count() == 1 and control.is_visible(), label
        # and the switch works from there
        old = page.evaluate("() => document.querySelector('.lm-root').dataset.revision")
        main.get_by_text("Forget zero_grad()", exact=True).click()
        page.wait_for_function(f"() => document.querySelector('.lm-root').dataset.revision !== {old!r}")
        page.wait_for_selector(".lm-sums:not([hidden])")


def test_the_zero_grad_switch_draws_p_grad_as_the_sum_of_every_compass_arrow(url):
    surface = get_surface("himmelblau")
    sgd, _, _ = descend_many(surface, ["sgd", "momentum", "adam"], 0.01, (0.0, 0.0), 150, zero_grad=False)
    with opened(url, "/?forget_zero_grad=1") as page:
        page.locator(".lm-scrub").fill("40")
        page.wait_for_function("() => document.querySelector('.lm-root').dataset.step === '40'")
        marks = page.evaluate("""() => {
          const layout = document.querySelector('.lm-map').layout;
          const note = (name) => layout.annotations.find(a => a.name === name);
          const ball = layout.shapes.find(s => s.name === 'ball:0');
          return {total: note('sum-total:0'), fresh: note('sum-fresh:0'), older: note('sum-older:0'),
                  ball: [ball.xanchor, ball.yanchor], line: layout.shapes.find(s => s.name === 'sum:0'),
                  text: document.querySelector('.lm-sums').innerText};
        }""")
    # at step 40 p.grad is the sum of the 41 fresh gradients felt at positions 0 … 40
    held = gradients_at(surface, sgd.positions[:41]).sum(axis=0)
    assert (marks["total"]["ax"], marks["total"]["ay"]) == pytest.approx(tuple(sgd.positions[40]))
    assert marks["ball"] == pytest.approx(list(sgd.positions[40]))
    drawn = (marks["total"]["x"] - marks["total"]["ax"], marks["total"]["y"] - marks["total"]["ay"])
    cosine = (drawn[0] * held[0] + drawn[1] * held[1]) / math.hypot(*drawn) / math.hypot(*held)
    assert cosine == pytest.approx(1.0, abs=1e-9)
    # the fresh arrow ends where the sum does; the older ones are summed into one grey arrow
    assert (marks["fresh"]["x"], marks["fresh"]["y"]) == (marks["total"]["x"], marks["total"]["y"])
    assert marks["older"]["visible"] is True and marks["line"]["visible"] is True
    assert marks["line"]["path"].count(" L ") == 12
    assert "SGD: p.grad = the sum of 41 compass arrows" in marks["text"]
    assert f"|p.grad| {float(f'{math.hypot(*held):.3g}'):g}" in marks["text"]


def test_the_sweep_chart_puts_its_legends_below_on_a_phone(url):
    with opened(url, "/many", (390, 844)) as page:
        layout = page.evaluate("() => document.querySelector('.lm-feature').layout")
    assert layout["legend"]["orientation"] == "h" and layout["legend2"]["orientation"] == "h"
    assert layout["margin"]["r"] < 20
    assert all(len(a["text"]) <= 12 for a in layout["annotations"])


@pytest.mark.parametrize("path", ["/", "/data"])
def test_a_phone_sees_the_3d_mountain_from_farther_back_so_its_loss_labels_stay_on_screen(url, path):
    # seen at 390 × 844 from the laptop's camera, the loss axis's labels and title fell off the left edge
    eyes = {}
    for width, height in ((1440, 900), (390, 844)):
        with opened(url, path, (width, height)) as page:
            eyes[width] = page.evaluate("() => document.querySelector('.lm-mountain').layout.scene.camera.eye")
    assert eyes[1440] == CAMERA["eye"]
    assert eyes[390] == pytest.approx(PHONE_CAMERA["eye"]) and eyes[390]["z"] > 1.4 * CAMERA["eye"]["z"]
