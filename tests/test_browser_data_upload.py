"""An uploaded CSV in headless Chromium: the fit is of its points, and the page says whose points it fits."""

import numpy as np
import pytest

from core.data_fit import fit, read_csv
from tests.browser import REVISION, app_page, wait_for_new_revision

pytestmark = pytest.mark.browser

# y = 3x − 2 exactly: least squares lands on (3, −2)
CSV = "x,y\n" + "".join(f"{k / 10},{3 * k / 10 - 2}\n" for k in range(40))
MAP_PATH = ("() => { const t = document.querySelector('.lm-map')._fullData.find((t) => t.meta && t.meta.role === 'path');"
            " return [Array.from(t.x), Array.from(t.y)]; }")


def test_an_uploaded_csv_is_fitted_and_named(tmp_path):
    points = tmp_path / "my points.csv"
    points.write_text(CSV)
    with app_page("/data") as page:
        assert page.get_by_text("Fitting 60 generated points (seed 0)").count() == 1
        revision = page.evaluate(REVISION)
        page.locator("input[type=file]").set_input_files(str(points))
        wait_for_new_revision(page, revision)
        page.get_by_text("Fitting the 40 points of").wait_for()
        assert page.locator("code", has_text="my points.csv").count() >= 1
        expected = fit(read_csv(CSV.encode()), "line", "sgd", 0.02, 300).coefficients
        x, y = page.evaluate(MAP_PATH)
        np.testing.assert_allclose(np.column_stack((x, y)), expected, rtol=1e-9)
