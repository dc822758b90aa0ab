"""The network page through AppTest: controls in, the landscape's figures out."""

import numpy as np
import pytest

from core.landscape import landscape
from pages import open_page, view_payload
from plotly_json import decode, traces_with_role


@pytest.fixture
def page():
    return open_page("app.network", "network_page")


def figures(page):
    return view_payload(page)["figures"]


def test_the_page_trains_and_draws_the_landscape(page):
    assert not page.exception
    expected = landscape("adam", 0.05, 300, "pca", 41, seed=0)
    surface = figures(page)["mountain"]["data"][0]
    np.testing.assert_allclose(decode(surface["customdata"]).reshape(41, 41), expected.losses, rtol=1e-6)
    (path,) = traces_with_role(figures(page)["map"], "path")
    np.testing.assert_allclose(np.column_stack((decode(path["x"]), decode(path["y"]))), expected.path)
    assert "Training took the loss from" in " ".join(m.value for m in page.markdown)


def test_changing_the_directions_and_grid_redraws(page):
    page.radio(key="net_directions").set_value("random").run()
    page.slider(key="net_resolution").set_value(21).run()
    assert not page.exception
    expected = landscape("adam", 0.05, 300, "random", 21, seed=0)
    surface = figures(page)["mountain"]["data"][0]
    np.testing.assert_allclose(decode(surface["customdata"]).reshape(21, 21), expected.losses, rtol=1e-6)
    assert any("almost perpendicular" in info.value for info in page.info)


def test_training_that_overruns_the_cpu_deadline_stops_with_the_pages_own_message(page, monkeypatch):
    from app import work

    good, words = figures(page), [m.value for m in page.markdown]
    monkeypatch.setattr(work, "DEADLINE_S", 0.0)
    page.session_state["net_seed"] = 5  # not a cached landscape
    page.run()
    assert not page.exception
    assert page.error[0].value.startswith("This view stopped after 0 ms of CPU time")
    assert "choose fewer training steps or grid points" in page.error[0].value
    # the last view that finished stays, with its sentences
    assert page.error[0].value.endswith("Showing the last view that finished.")
    assert figures(page) == good and [m.value for m in page.markdown] == words
