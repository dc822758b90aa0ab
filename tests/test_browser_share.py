"""Share and export in headless Chromium: a link opens its scene, the address bar follows the
controls, the copy button copies it, and every download opens and shows the right thing."""

import csv
import io
import json
import urllib.parse

import numpy as np
import pytest
from PIL import Image

from core import descend, get_surface
from core.codegen import training_script
from scripts.live_app import VIEW_READY
from tests.browser import REVISION, app_page, slider_values, wait_for_new_revision

pytestmark = pytest.mark.browser

LINK = {"surface": "rosenbrock", "optimizers": "sgd,adam", "lr": "0.002", "start_x": "-1.5", "start_y": "2",
        "steps": "120", "schedule": "cosine"}


@pytest.fixture(scope="module")
def page():
    with app_page(f"/?{urllib.parse.urlencode(LINK)}", clipboard=True) as page:
        yield page


def _address(page) -> str:
    # Playwright's page.url can trail history.replaceState, which Streamlit uses: ask the page
    return page.evaluate("() => location.href")


def _params(page) -> dict:
    return {key: values[-1] for key, values in urllib.parse.parse_qs(urllib.parse.urlparse(_address(page)).query).items()}


def test_a_link_opens_its_scene_and_the_address_bar_follows_the_controls(page):
    scene = json.loads(page.evaluate(REVISION))
    assert (scene["surface"], scene["optimizers"], scene["lr"], scene["start"], scene["steps"], scene["schedule"]) == (
        "rosenbrock", ["sgd", "adam"], 0.002, [-1.5, 2.0], 120, "cosine")
    assert _params(page) == LINK
    old = page.evaluate(REVISION)
    page.locator('[data-testid="stSlider"]', has_text="Learning rate").get_by_role("slider").press("ArrowRight")
    wait_for_new_revision(page, old)
    page.wait_for_function("() => location.search.includes('lr=0.0022')")
    assert _params(page)["lr"] == "0.0022" == slider_values(page)["Learning rate (log scale)"]


def test_moving_to_another_page_keeps_the_settings_in_the_address(page):
    page.get_by_text("Many balls").click()
    page.wait_for_function("() => location.pathname.endsWith('/many') && location.search.includes('lr=0.0022')")
    page.get_by_text("Explorer").click()
    page.wait_for_function("() => !location.pathname.endsWith('/many') && location.search.includes('lr=0.0022')")
    page.wait_for_function(VIEW_READY, timeout=120_000)


def test_the_copy_button_copies_the_link_that_reopens_the_view(page):
    page.locator("[data-testid='stSidebar'] .lm-copy").click()
    page.wait_for_function("() => document.querySelector('[data-testid=\"stSidebar\"] .lm-copied').textContent")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == _address(page) and "lr=0.0022" in copied and "surface=rosenbrock" in copied


def _download(page, label):
    with page.expect_download() as info:
        page.get_by_role("button", name=label, exact=True).click()
    return info.value


def test_the_paths_download_as_the_clis_csv_and_json(page):
    page.get_by_role("tab", name="Share and download").click()
    rows = list(csv.DictReader(io.StringIO(open(_download(page, "Paths (CSV)").path()).read())))
    run = descend(get_surface("rosenbrock"), "adam", 0.0022, (-1.5, 2.0), 120, schedule="cosine")
    adam = [row for row in rows if row["optimizer"] == "adam"]
    assert len(adam) == 121 and {row["optimizer"] for row in rows} == {"sgd", "adam"}
    np.testing.assert_array_equal([[float(row["x"]), float(row["y"])] for row in adam], run.positions)
    printed = json.loads(open(_download(page, "Paths (JSON)").path()).read())
    assert [r["optimizer"] for r in printed["runs"]] == ["sgd", "adam"]
    assert [row["loss"] for row in printed["runs"][1]["rows"]] == run.losses.tolist()


def test_the_script_download_is_the_training_loop_on_screen(page):
    script = open(_download(page, "PyTorch script").path()).read()
    assert script == training_script(get_surface("rosenbrock"), "sgd", 0.0022, (-1.5, 2.0), 120, schedule="cosine")


def test_the_figure_downloads_as_a_page_that_draws_it_offline(page, tmp_path):
    download = _download(page, "3-D mountain (HTML)")
    assert download.suggested_filename == "loss-mountain-rosenbrock-lr0.0022-mountain.html"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    page.goto(f"file://{path}")
    page.wait_for_function("() => document.querySelector('.js-plotly-plot') && "
                           "document.querySelector('.js-plotly-plot')._fullData")
    names = page.evaluate("() => document.querySelector('.js-plotly-plot')._fullData.map(t => t.name)")
    assert "Rosenbrock" in names[0] and "SGD" in names and "Adam" in names
    assert page.title().startswith("Loss Mountain · Rosenbrock")
    page.go_back()
    page.wait_for_function(VIEW_READY, timeout=120_000)


def test_the_gif_is_made_with_progress_and_rolls_the_balls(page):
    page.get_by_role("tab", name="Share and download").click()
    page.get_by_role("button", name="Make an animated GIF").click()
    page.get_by_role("button", name="Animated GIF", exact=True).wait_for(timeout=120_000)
    gif = Image.open(_download(page, "Animated GIF").path())
    assert gif.format == "GIF" and gif.n_frames == 72 and gif.size == (720, 560)
    frames = []
    for index in (0, 71):
        gif.seek(index)
        frames.append(np.asarray(gif.convert("RGB")).astype(int))
    assert np.abs(frames[0] - frames[1]).sum() > 0, "the balls moved"
