"""The sweep chart, the basins map and the swarm views, read as the browser gets them (bdata decoded)."""

import numpy as np
import pytest

from core import get_surface
from core.basin_figures import DIVERGED_COLOR, basin_figure, class_colors
from core.basins import DIVERGED, basins
from core.grid import surface_grid
from core.status import LABELS, STATUSES
from core.sweep import lr_grid, lr_sweep
from core.sweep_figures import STATUS_COLORS, sweep_figure
from core.swarm import random_starts, swarm
from core.swarm_figures import ball_colors, swarm_frames, swarm_loss_figure, swarm_map_figure, swarm_mountain_figure
from tests.plotly_json import decode, figure_json


@pytest.fixture(scope="module")
def sweep():
    return lr_sweep(get_surface("ravine"), ["sgd", "adam"], (1.5, 0.5), 100, lr_grid(1e-3, 1.0, 20))


def test_sweep_chart_draws_each_optimizers_final_loss_steps_and_statuses(sweep):
    data = figure_json(sweep_figure(sweep, lr=0.01, limit=0.04))["data"]
    lines = [t for t in data if t.get("mode") == "lines+markers" and t.get("showlegend") is not False]
    assert [t["name"] for t in lines] == ["SGD", "Adam"]
    for k, trace in enumerate(lines):
        np.testing.assert_allclose(decode(trace["x"]), sweep.lrs)
        gap = np.maximum(sweep.final_losses[k], 1e-16)
        top = 1e3 * (sweep.losses[0, 0, 0] - sweep.floor)
        np.testing.assert_allclose(decode(trace["y"]), np.where(gap > top, np.nan, gap))
    (ribbon,) = [t for t in data if t["type"] == "heatmap"]
    np.testing.assert_array_equal(decode(ribbon["z"]).reshape(2, 20), sweep.statuses)
    assert ribbon["y"] == ["SGD", "Adam"]
    # the legend names the statuses that occur, each in its colour
    present = sorted(set(sweep.statuses.ravel().tolist()))
    assert len(present) >= 3
    assert [t["name"] for t in data if t.get("legend") == "legend2"] == [LABELS[STATUSES[c]] for c in present]
    assert [t["marker"]["color"] for t in data if t.get("legend") == "legend2"] == [STATUS_COLORS[c] for c in present]
    # the lr in use and plain GD's limit are vertical lines in the top two charts
    marks = [t for t in data if t.get("mode") == "lines" and t.get("hoverinfo") == "skip"]
    assert sorted({decode(t["x"])[0] for t in marks}) == [0.01, 0.04]
    assert all(t.get("meta", {}).get("role") == "rate" for t in data if t["type"] == "heatmap")


@pytest.mark.parametrize("lr, limit", [(0.01, 0.04), (0.05, 0.0243)])
def test_the_two_line_labels_read_away_from_each_other(sweep, lr, limit):
    labels = figure_json(sweep_figure(sweep, lr=lr, limit=limit))["layout"]["annotations"]
    # whichever rate is lower, its label extends left of its line and the other's right
    (low, high) = sorted(labels, key=lambda a: a["x"])
    assert (low["xanchor"], high["xanchor"]) == ("right", "left")
    assert [low["x"], high["x"]] == pytest.approx(sorted(np.log10([lr, limit])))


def test_basins_map_colours_every_start_by_its_ending():
    surface = get_surface("himmelblau")
    result = basins(surface, "sgd", 0.022, 100, resolution=31)
    figure = figure_json(basin_figure(surface, result, surface_grid(surface)))
    heatmap = figure["data"][0]
    z = decode(heatmap["z"]).reshape(31, 31)
    colors = class_colors(result.ends)
    order = sorted(colors)
    scale = heatmap["colorscale"]
    # each cell's value picks the colour band of its label
    for (row, col), label in np.ndenumerate(result.labels):
        assert order[z[row, col]] == label
    assert [scale[2 * i][1] for i in range(len(order))] == [colors[label] for label in order]
    names = [t["name"] for t in figure["data"] if t.get("name")]
    assert any("jumped to a farther valley" in name for name in names)
    assert any(name.startswith("ends at global minimum (3, 2) · ") for name in names)
    if result.share(DIVERGED):
        assert colors[DIVERGED] == DIVERGED_COLOR


def test_swarm_frames_follow_every_ball_and_colour_it_by_where_it_ends():
    surface, grid = get_surface("himmelblau"), None
    grid = surface_grid(surface)
    result = swarm(surface, "adam", 0.1, 60, 50, seed=2)
    frames = swarm_frames(result, surface, grid, max_values=50 * 20)
    stride = frames["steps"][1] - frames["steps"][0]
    assert stride == 4 and frames["steps"][-1] == 60
    np.testing.assert_allclose(frames["x"], result.positions[frames["steps"], :, 0].astype(np.float32))
    np.testing.assert_allclose(frames["y"], result.positions[frames["steps"], :, 1].astype(np.float32))
    assert frames["colors"] == ball_colors(result)
    mountain = figure_json(swarm_mountain_figure(result, surface, grid))
    (balls,) = [t for t in mountain["data"] if t.get("meta", {}).get("role") == "swarm"]
    np.testing.assert_allclose(decode(balls["x"]), result.positions[-1, :, 0])
    assert balls["marker"]["color"] == ball_colors(result)
    # balls that arrive sit above the minima's markers, which are smaller than they are
    minima = next(t for t in mountain["data"] if t.get("name") == "global minimum")
    arrived = np.hypot(*(result.positions[-1] - np.array(surface.minima)[:, None]).transpose(2, 0, 1)).min(axis=0) < 0.05
    assert arrived.any() and (decode(balls["z"])[arrived] > decode(minima["z"]).max()).all()
    assert minima["marker"]["size"] < balls["marker"]["size"]
    (on_map,) = [t for t in figure_json(swarm_map_figure(result, surface, grid))["data"]
                 if t.get("meta", {}).get("role") == "swarm"]
    np.testing.assert_allclose(decode(on_map["y"]), result.positions[-1, :, 1])
    loss = figure_json(swarm_loss_figure(result, surface))["data"]
    (median,) = [t for t in loss if t.get("name") == "median ball"]
    np.testing.assert_allclose(decode(median["y"]), np.maximum(np.median(result.losses, axis=1), 1e-16))


def test_random_starts_are_spread_over_the_map_and_where_the_loss_exists():
    from core.custom import formula_surface

    surface = formula_surface("log(x) + y^2", ((-1.0, 3.0), (-1.0, 1.0)))
    starts = random_starts(surface, 400, seed=1)
    assert (starts[:, 0] > 0).all() and (starts[:, 0] <= 3).all() and (np.abs(starts[:, 1]) <= 1).all()
    np.testing.assert_array_equal(starts, random_starts(surface, 400, seed=1))
    assert not np.array_equal(starts, random_starts(surface, 400, seed=2))
