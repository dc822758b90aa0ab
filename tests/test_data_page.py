"""The data page through AppTest."""

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.data_fit import fit, noisy_points
from plotly_json import decode, traces_with_role

ROOT = str(Path(__file__).resolve().parent.parent)


def data_script(root):
    import sys

    sys.path.insert(0, root)
    from app.data_page import data_page

    data_page()


@pytest.fixture
def page():
    return AppTest.from_function(data_script, args=(ROOT,), default_timeout=120).run()


def map_path(page):
    (view,) = page.get("bidi_component")
    paths = traces_with_role(json.loads(json.loads(view.proto.json))["figures"]["map"], "path")
    return np.column_stack((decode(paths[0]["x"]), decode(paths[0]["y"])))


def test_the_line_fit_and_its_centring(page):
    assert not page.exception
    np.testing.assert_array_equal(map_path(page), fit(noisy_points(), "line", "sgd", 0.02, 300).coefficients)
    assert any("long, narrow ravine" in info.value for info in page.info)
    page.toggle(key="data_centre").set_value(True).run()
    expected = fit(noisy_points(), "line", "sgd", 0.02, 300, centre=True)
    np.testing.assert_array_equal(map_path(page), expected.coefficients)
    assert "height at mean x" in " ".join(m.value for m in page.markdown)


def test_the_quadratic_slice_mini_batches_and_the_bug(page):
    page.radio(key="data_model").set_value("quadratic").run()
    page.radio(key="data_pair").set_value("a, c").run()
    page.select_slider(key="data_batch").set_value(8).run()
    page.radio(key="data_mode").set_value("forget").run()
    assert not page.exception
    expected = fit(noisy_points("quadratic"), "quadratic", "sgd", 0.02, 300, batch_size=8, mode="forget")
    np.testing.assert_array_equal(map_path(page), expected.coefficients[:, [0, 2]])
    assert any("sum of all the mini-batch gradients" in info.value for info in page.info)
    (view,) = page.get("bidi_component")
    ghost = traces_with_role(json.loads(json.loads(view.proto.json))["figures"]["map"], "path")[1]
    done_right = fit(noisy_points("quadratic"), "quadratic", "sgd", 0.02, 300, batch_size=8, mode="accumulate")
    np.testing.assert_array_equal(decode(ghost["x"]), done_right.coefficients[:, 0])
    assert ghost["name"].startswith("ghost: accumulate")
