"""The data page through AppTest."""

import numpy as np
import pytest

from core.data_fit import fit, noisy_points
from pages import open_page, view_payload
from plotly_json import decode, traces_with_role


@pytest.fixture
def page():
    return open_page("app.data_page", "data_page")


def map_path(page):
    paths = traces_with_role(view_payload(page)["figures"]["map"], "path")
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
    ghost = traces_with_role(view_payload(page)["figures"]["map"], "path")[1]
    done_right = fit(noisy_points("quadratic"), "quadratic", "sgd", 0.02, 300, batch_size=8, mode="accumulate")
    np.testing.assert_array_equal(decode(ghost["x"]), done_right.coefficients[:, 0])
    assert ghost["name"].startswith("ghost: accumulate")
