"""The data page through AppTest."""

import numpy as np
import pytest

from core.data_fit import fit, noisy_points
from pages import open_page, open_with_link, view_payload
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
    # the ravine's stretch is the Hessian's λmax/λmin; at lr 0.02 no zig-zag shows, and the text says so
    (ravine,) = [info.value for info in page.info if "narrow ravine" in info.value]
    assert "309× steeper across than along" in ravine and "no zig-zag shows on the map" in ravine
    # which points are fitted is always said (a page moved to another replica keeps a file's name, not its file)
    assert "Fitting 60 generated points (seed 0); a CSV of your own replaces them." in [c.value for c in page.caption]
    assert "from lr 0.027 on, half its stability limit 2/λmax = 0.054" in ravine
    page.toggle(key="data_centre").set_value(True).run()
    expected = fit(noisy_points(), "line", "sgd", 0.02, 300, centre=True)
    np.testing.assert_array_equal(map_path(page), expected.coefficients)
    assert any("1.11× steeper one way than the other" in info.value for info in page.info)
    assert "height at mean x" in " ".join(m.value for m in page.markdown)


def test_the_quadratic_slice_mini_batches_and_the_bug(page):
    page.radio(key="data_model").set_value("quadratic").run()
    page.radio(key="data_pair").set_value("a, c").run()
    page.select_slider(key="data_batch").set_value(8).run()
    page.radio(key="data_mode").set_value("forget").run()
    assert not page.exception
    expected = fit(noisy_points("quadratic"), "quadratic", "sgd", 0.02, 300, batch_size=8, mode="forget")
    np.testing.assert_array_equal(map_path(page), expected.coefficients[:, [0, 2]])
    # without zero_grad() this fit flies off, and the counterfactual fit names the cause
    done_right_alone = fit(noisy_points("quadratic"), "quadratic", "sgd", 0.02, 300, batch_size=8)
    (warning,) = page.warning
    assert "It flies off" in warning.value and "The missing zero_grad() is the cause" in warning.value
    assert f"ends at loss {done_right_alone.losses[-1]:.3g}" in warning.value
    rises = int(np.sum(np.diff(expected.losses) > 0))
    assert any(f"Here the loss went up on {rises} of its 300 steps" in info.value for info in page.info)
    ghost = traces_with_role(view_payload(page)["figures"]["map"], "path")[1]
    done_right = fit(noisy_points("quadratic"), "quadratic", "sgd", 0.02, 300, batch_size=8, mode="accumulate")
    np.testing.assert_array_equal(decode(ghost["x"]), done_right.coefficients[:, 0])
    assert ghost["name"].startswith("ghost: accumulate")


def test_a_fit_that_flies_off_is_told_its_cause(page):
    # plain SGD past the ravine's limit 2/λmax = 0.054: the loss grows without bound
    page.select_slider(key="data_lr").set_value(0.063).run()
    assert not page.exception
    (warning,) = page.warning
    assert "It flies off" in warning.value and "The learning rate is too big for this mountain: at lr 0.0315" in warning.value
    assert "Centring the data would also keep it on the mountain" in warning.value


def test_the_ravine_zig_zag_is_counted_where_the_map_shows_it():
    from core.fit_verdicts import crossings, shape

    data = noisy_points()
    across = shape(data, "line", False).across
    assert crossings(fit(data, "line", "sgd", 0.02, 300), across) == 0
    assert crossings(fit(data, "line", "sgd", 0.05, 300), across) >= 3


def test_a_forgotten_zero_grad_that_flies_far_draws_its_overflowing_mountain():
    # found by bench.memory: Nesterov with zero_grad() forgotten, 1,550 full-batch steps, seed 7850. The
    # loss stays finite along the path, but 15% past it the grid's loss overflows float64: the page
    # crashed turning an infinite height into a tick
    page = open_with_link("app.data_page", "data_page", {
        "data_model": "line", "data_optimizer": "nesterov", "data_lr": "0.02", "data_steps": "1550",
        "data_batch": "0", "data_mode": "forget", "data_centre": "0", "data_seed": "7850"})
    assert not page.exception
    mountain = view_payload(page)["figures"]["mountain"]
    heights = decode(mountain["data"][0]["z"])
    assert np.isfinite(heights).all()
    assert heights.max() == pytest.approx(np.log10(np.finfo(np.float64).max), rel=1e-6)  # overflow drawn at the top
    ticks = mountain["layout"]["scene"]["zaxis"]["tickvals"]
    assert 2 <= len(ticks) <= 9 and ticks[-1] >= heights.max() - (ticks[1] - ticks[0])
    # the coarse grid lies at 1e300 and more, the path it samples around from 1e0: the ticks name the path's
    # decades too (they named only 1e300 … 1e308, all crowded at the top of the 3-D box), 50 decades apart
    # from the first multiple of 50 over the lowest point
    path_z = decode(traces_with_role(mountain, "path")[0]["z"])  # the fit's own (the ghost's is run 1)
    assert heights.min() > 300 and path_z.min() < 2
    assert ticks == list(range(50, 301, 50)) and mountain["layout"]["scene"]["zaxis"]["ticktext"][0] == "1e50"
    # the map's far-flown ticks (−1×10¹⁵²) get the room they need
    map_layout = view_payload(page)["figures"]["map"]["layout"]
    assert map_layout["xaxis"]["automargin"] and map_layout["yaxis"]["automargin"]
