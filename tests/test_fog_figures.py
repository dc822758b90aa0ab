"""core.fog_figures: the fog is a real occlusion. No surface value outside the uncovered ground is
in a fogged figure (read from the figure's own data, as the browser would), the uncovered ground
grows exactly with the places walked, and the arrows are the walk's own p.grad and step."""

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from core import get_surface
from core.figure_json import Encoder
from core.fog import uncovered, walk
from core.fog_figures import FOG_COLOR, fog_ground, fog_loss_figure, fog_map_figure, fog_mountain_figure
from core.grid import surface_grid
from core.steps import COMPASS_LENGTH

SURFACE = get_surface("himmelblau")
GRID = surface_grid(SURFACE)
DIAGONAL = float(np.hypot(*(np.diff(np.array(SURFACE.bounds), axis=1).ravel())))
RADIUS = 0.08 * DIAGONAL


def _png_pixels(source: str) -> np.ndarray:
    """A PNG data URI as (h, w, 3) RGB, read by Pillow (row 0 first)."""
    assert source.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))).convert("RGB"))


def _ground(taken, lifted=False):
    return fog_ground(SURFACE, GRID, taken, RADIUS, lifted)


def _traces(figure, kind):
    return [trace for trace in figure["data"] if trace["type"] == kind]


def _sent(figure) -> str:
    """The figure as the browser receives it (core.figure_json)."""
    return json.dumps(Encoder(share=False).value(figure))


@pytest.mark.parametrize("strides", [[], [0.01] * 3, [0.01] * 12])
def test_no_surface_value_outside_the_uncovered_ground_is_in_a_fogged_figure(strides):
    taken = walk(SURFACE, SURFACE.start, strides)
    shown = uncovered(GRID.xs, GRID.ys, taken.positions, RADIUS)
    assert 0 < (shown > 0).mean() < 0.5  # some ground shows, most is hidden

    mountain = fog_mountain_figure(SURFACE, GRID, taken, _ground(taken), 0.01)
    assert not _traces(mountain, "surface")  # the whole terrain never travels in the fog
    (mesh,) = _traces(mountain, "mesh3d")
    gx, gy = np.meshgrid(GRID.xs, GRID.ys)
    # the mesh's points are exactly the uncovered grid points, with their true heights
    np.testing.assert_array_equal(mesh["x"], gx[shown > 0])
    np.testing.assert_array_equal(mesh["y"], gy[shown > 0])
    np.testing.assert_array_equal(mesh["z"], GRID.height[shown > 0].astype(np.float32))
    # the z range is the uncovered ground's
    low, high = float(GRID.height[shown > 0].min()), float(GRID.height[shown > 0].max())
    z_range = mountain["layout"]["scene"]["zaxis"]["range"]
    assert z_range[0] == pytest.approx(low - 0.05 * (high - low)) and z_range[1] == pytest.approx(high + 0.1 * (high - low))

    map_ = fog_map_figure(SURFACE, GRID, taken, _ground(taken), 0.01)
    assert not [t for t in _traces(map_, "contour") if np.isfinite(np.asarray(t["z"], dtype=float)[shown == 0]).any()]
    (contour,) = _traces(map_, "contour")
    np.testing.assert_array_equal(np.isfinite(contour["z"]), shown > 0)
    (image,) = _traces(map_, "image")
    pixels = _png_pixels(image["source"])  # row i at ys[i]: plotly.js stacks rows up a y axis going up
    assert pixels.shape == (len(GRID.ys), len(GRID.xs), 3)
    assert (pixels[shown == 0] == FOG_COLOR).all()
    assert (pixels[shown == 1] != FOG_COLOR).any(axis=1).mean() > 0.9
    # the picture is placed on the grid: first column at the first x, first row at the first y
    assert (image["x0"], image["y0"]) == (GRID.xs[0], GRID.ys[0]) and image["dy"] > 0
    # a cabin (a minimum) shows only once the walk came within the radius of it
    near = [m for m in SURFACE.minima if np.hypot(*(taken.positions - m).T).min() < RADIUS]
    for figure in (mountain, map_):
        cabins = [t for t in figure["data"] if (t.get("meta") or {}).get("role") == "cabin"]
        shown_cabins = sorted(zip(cabins[0]["x"], cabins[0]["y"])) if cabins else []
        assert shown_cabins == sorted(near)
    for figure in (mountain, map_):
        _sent(figure)  # it serialises as the browser gets it


def test_the_uncovered_ground_grows_exactly_with_the_places_walked():
    shorter = walk(SURFACE, SURFACE.start, [0.01] * 4)
    longer = walk(SURFACE, SURFACE.start, [0.01] * 8)
    before = _traces(fog_mountain_figure(SURFACE, GRID, shorter, _ground(shorter), 0.01), "mesh3d")[0]
    after = _traces(fog_mountain_figure(SURFACE, GRID, longer, _ground(longer), 0.01), "mesh3d")[0]
    seen_before = set(zip(before["x"], before["y"]))
    seen_after = set(zip(after["x"], after["y"]))
    gx, gy = np.meshgrid(GRID.xs, GRID.ys)
    new = uncovered(GRID.xs, GRID.ys, longer.positions[5:], RADIUS) > 0
    assert seen_before < seen_after
    assert seen_after - seen_before == set(zip(gx[new], gy[new])) - seen_before


def test_lifting_the_fog_shows_the_whole_mountain_with_the_walk_on_it():
    taken = walk(SURFACE, SURFACE.start, [0.01] * 40)
    mountain = fog_mountain_figure(SURFACE, GRID, taken, _ground(taken, lifted=True), 0.01)
    (terrain,) = _traces(mountain, "surface")
    np.testing.assert_array_equal(terrain["z"], GRID.height.astype(np.float32))
    map_ = fog_map_figure(SURFACE, GRID, taken, _ground(taken, lifted=True), 0.01)
    assert _traces(map_, "contour")[0]["z"].shape == GRID.height.shape and not _traces(map_, "image")
    (path,) = [t for t in map_["data"] if (t.get("meta") or {}).get("role") == "walk"]
    np.testing.assert_array_equal(path["x"], taken.positions[:, 0])
    cabins = [t for t in map_["data"] if (t.get("meta") or {}).get("role") == "cabin"]
    assert len(cabins) == 1 and len(cabins[0]["x"]) == len(SURFACE.minima)


def test_the_compass_is_p_grad_pointing_uphill_and_the_step_goes_against_it():
    taken = walk(SURFACE, SURFACE.start, [0.01] * 3)
    compass, step = fog_map_figure(SURFACE, GRID, taken, _ground(taken), 0.02)["layout"]["annotations"]
    here, grad = np.array(taken.here), np.array(taken.compass)
    assert (compass["ax"], compass["ay"]) == tuple(here) == (step["ax"], step["ay"])
    tip = np.array([compass["x"], compass["y"]]) - here
    np.testing.assert_allclose(tip, grad / np.linalg.norm(grad) * COMPASS_LENGTH * DIAGONAL)
    np.testing.assert_allclose([step["x"], step["y"]], here - 0.02 * grad)
    # and one press of Step lands exactly there
    np.testing.assert_allclose(walk(SURFACE, SURFACE.start, [0.01] * 3 + [0.02]).here, [step["x"], step["y"]],
                               rtol=1e-12)


def test_the_loss_chart_has_one_point_per_place_stood():
    taken = walk(SURFACE, SURFACE.start, [0.01] * 5)
    (line,) = fog_loss_figure(SURFACE, taken)["data"]
    np.testing.assert_array_equal(line["x"], np.arange(6))
    np.testing.assert_array_equal(line["y"], taken.losses)
