"""Figure builders: read the traces' data (decoded from bdata) and compare with the runs."""

import numpy as np
import pytest

from core import OPTIMIZERS, descend, descend_many, get_surface
from core.figures import LOSS_FLOOR, loss_figure, map_figure, mountain_figure
from core.grid import surface_grid
from plotly_json import decode, figure_json, traces_with_role

OPTIMIZER_NAMES = ["sgd", "momentum", "adam"]


@pytest.fixture(scope="module")
def scene():
    surface = get_surface("himmelblau")
    runs = descend_many(surface, OPTIMIZER_NAMES, surface.lr, surface.start, 120)
    return surface, runs


def test_arrays_travel_as_bdata(scene):
    surface, runs = scene
    surface_trace = figure_json(mountain_figure(surface, runs))["data"][0]
    assert "bdata" in surface_trace["z"]


def test_mountain_draws_the_surface_then_each_path_and_ball(scene):
    surface, runs = scene
    fig = figure_json(mountain_figure(surface, runs))
    grid = surface_grid(surface)
    first = fig["data"][0]
    assert first["type"] == "surface"
    np.testing.assert_allclose(decode(first["z"]), grid.height, rtol=1e-6)
    np.testing.assert_allclose(decode(first["customdata"]), grid.loss, rtol=1e-6)
    paths, balls = traces_with_role(fig, "path"), traces_with_role(fig, "ball")
    assert len(paths) == len(balls) == len(runs)
    for run, path, ball in zip(runs, paths, balls):
        np.testing.assert_array_equal(decode(path["x"]), run.positions[:, 0])
        np.testing.assert_array_equal(decode(path["y"]), run.positions[:, 1])
        lift = decode(path["z"]) - surface.display_height(run.losses)
        assert np.all(lift > 0) and np.ptp(lift) < 1e-9  # drawn just above the surface
        assert path["line"]["color"] == ball["marker"]["color"] == OPTIMIZERS[run.optimizer].color
        np.testing.assert_array_equal(decode(ball["x"]), run.positions[-1:, 0])
    minima = next(t for t in fig["data"] if t.get("name") == "global minimum")
    np.testing.assert_allclose(np.column_stack((decode(minima["x"]), decode(minima["y"]))), surface.minima)
    scene_layout = fig["layout"]["scene"]
    assert scene_layout["xaxis"]["range"] == [-5, 5] and scene_layout["yaxis"]["range"] == [-5, 5]
    assert fig["layout"]["uirevision"] == "mountain"


def test_log_compressed_mountain_labels_heights_in_true_loss():
    surface = get_surface("rosenbrock")
    fig = figure_json(mountain_figure(surface, [descend(surface, "adam", 0.01, surface.start, 10)]))
    zaxis = fig["layout"]["scene"]["zaxis"]
    for value, text in zip(zaxis["tickvals"], zaxis["ticktext"]):
        assert value == pytest.approx(np.log1p(float(text)))


def test_map_draws_contours_paths_start_and_minima(scene):
    surface, runs = scene
    fig = figure_json(map_figure(surface, runs))
    assert fig["data"][0]["type"] == "contour"
    for run, path in zip(runs, traces_with_role(fig, "path")):
        np.testing.assert_array_equal(decode(path["x"]), run.positions[:, 0])
        np.testing.assert_array_equal(decode(path["y"]), run.positions[:, 1])
        assert path["line"]["color"] == OPTIMIZERS[run.optimizer].color
    balls = [shape for shape in fig["layout"]["shapes"] if shape["name"].startswith("ball:")]
    for k, (run, ball) in enumerate(zip(runs, balls)):
        assert ball["name"] == f"ball:{k}" and ball["fillcolor"] == OPTIMIZERS[run.optimizer].color
        assert (ball["xanchor"], ball["yanchor"]) == tuple(run.positions[-1])
        assert ball["xsizemode"] == ball["ysizemode"] == "pixel"
    start = next(t for t in fig["data"] if t.get("name") == "start")
    assert (decode(start["x"])[0], decode(start["y"])[0]) == surface.start
    stars = next(t for t in fig["data"] if t.get("name") == "global minimum")
    assert len(decode(stars["x"])) == 4
    assert fig["layout"]["xaxis"]["range"] == [-5, 5]


def test_loss_chart_is_log_scale_one_line_per_optimizer(scene):
    surface, runs = scene
    fig = figure_json(loss_figure(surface, runs))
    assert fig["layout"]["yaxis"]["type"] == "log"
    lines = traces_with_role(fig, "path")
    assert [line["name"] for line in lines] == ["SGD", "Momentum", "Adam"]
    for run, line in zip(runs, lines):
        np.testing.assert_array_equal(decode(line["y"]), np.maximum(run.losses, LOSS_FLOOR))
        assert line["line"]["color"] == OPTIMIZERS[run.optimizer].color


def test_loss_chart_shows_the_gap_to_a_negative_minimum():
    surface = get_surface("camel")
    run = descend(surface, "sgd", 0.01, surface.start, 50)
    fig = figure_json(loss_figure(surface, [run]))
    line = traces_with_role(fig, "path")[0]
    np.testing.assert_allclose(decode(line["y"]), np.maximum(run.losses - surface.min_value, LOSS_FLOOR))
    assert "minimum (-1.032)" in fig["layout"]["yaxis"]["title"]["text"]


def test_a_diverged_run_is_marked_and_said_in_every_view():
    surface = get_surface("bowl")
    runs = descend_many(surface, ["sgd", "adam"], 1.5, (1.0, 1.0), 2000)
    assert runs[0].diverged_at == 512 and runs[1].diverged_at is None
    loss = figure_json(loss_figure(surface, runs))
    marker = next(t for t in loss["data"] if t.get("marker", {}).get("symbol") == "x")
    assert decode(marker["x"])[0] == 512
    assert loss["layout"]["annotations"][0]["text"] == "SGD diverged at step 512"
    # the axis stops 1000× above the start, and the ✕ sits on its top edge
    top = 1e3 * 2.0
    assert loss["layout"]["yaxis"]["range"][1] == pytest.approx(np.log10(top))
    assert decode(marker["y"])[0] == pytest.approx(top)
    for figure in (mountain_figure(surface, runs), map_figure(surface, runs)):
        names = [t.get("name") for t in figure_json(figure)["data"]]
        assert "SGD · diverged at step 512" in names


def test_no_runs_still_draws_the_mountain():
    surface = get_surface("saddle")
    for figure in (mountain_figure(surface, []), map_figure(surface, []), loss_figure(surface, [])):
        assert not traces_with_role(figure_json(figure), "path")
    assert figure_json(mountain_figure(surface, []))["data"][0]["type"] == "surface"


def test_a_run_that_flies_off_is_drawn_to_the_edge_with_true_numbers_in_hover():
    surface = get_surface("himmelblau")
    (run,) = descend_many(surface, ["sgd"], 0.1, (0.0, 0.0), 50)
    assert run.diverged_at is not None and np.abs(run.positions).max() > 1e10
    for figure in (mountain_figure(surface, [run]), map_figure(surface, [run])):
        path = traces_with_role(figure_json(figure), "path")[0]
        drawn = np.column_stack((decode(path["x"]), decode(path["y"])))
        assert np.isfinite(drawn).all() and np.abs(drawn).max() == 5.0
        np.testing.assert_array_equal(drawn, np.clip(run.positions, -5, 5))
        hover = decode(path["customdata"]).reshape(-1, 4)
        np.testing.assert_array_equal(hover[:, 2:], run.positions)
        np.testing.assert_array_equal(hover[:, 1], run.losses)
    mountain = figure_json(mountain_figure(surface, [run]))
    top = mountain["layout"]["scene"]["zaxis"]["range"][1]
    assert decode(traces_with_role(mountain, "path")[0]["z"]).max() <= top
