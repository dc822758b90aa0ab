"""The network page through AppTest: controls in, the landscape's figures out."""

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.landscape import landscape
from plotly_json import decode, traces_with_role

ROOT = str(Path(__file__).resolve().parent.parent)


def network_script(root):
    import sys

    sys.path.insert(0, root)
    from app.network import network_page

    network_page()


@pytest.fixture
def page():
    return AppTest.from_function(network_script, args=(ROOT,), default_timeout=120).run()


def figures(page):
    (view,) = page.get("bidi_component")
    return json.loads(json.loads(view.proto.json))["figures"]


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
