"""Figure builders: read the traces' data (decoded from bdata) and compare with the runs."""

import numpy as np
import pytest

from core import OPTIMIZERS, descend, descend_many, get_surface
from core.figures import LOSS_FLOOR, loss_figure, map_figure, mountain_figure
from core.grid import surface_grid
from core.lesson_figures import accumulation_figure, lr_scale_svg
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
        # a path drawn where it truly is hovers its drawn x and y, the true loss and the step
        np.testing.assert_array_equal(decode(path["customdata"]), run.losses)
        assert "%{pointNumber}" in path["hovertemplate"] and "%{x:.4g}" in path["hovertemplate"]
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
    assert fig["layout"]["yaxis"]["title"]["text"] == "loss − min (-1.032)"


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


def test_ghosts_follow_the_correct_run_beside_the_buggy_one():
    surface = get_surface("bowl")
    buggy = descend_many(surface, ["sgd", "adam"], 0.05, (1.5, -1.0), 80, zero_grad=False)
    ghosts = descend_many(surface, ["sgd", "adam"], 0.05, (1.5, -1.0), 80)
    mountain = figure_json(mountain_figure(surface, buggy, ghosts=ghosts))
    paths, balls = traces_with_role(mountain, "path"), traces_with_role(mountain, "ball")
    assert len(paths) == len(balls) == 4
    assert [p["name"] for p in paths[2:]] == ["SGD with zero_grad()", "Adam with zero_grad()"]
    for path, ghost in zip(paths[2:], ghosts):
        np.testing.assert_array_equal(decode(path["x"]), ghost.positions[:, 0])
        assert path["opacity"] < 1 and path["line"]["dash"] == "dash"
    shapes = figure_json(map_figure(surface, buggy, ghosts=ghosts))["layout"]["shapes"]
    assert [s["name"] for s in shapes] == ["ball:0", "ball:1", "ball:2", "ball:3"]
    loss = figure_json(loss_figure(surface, buggy, ghosts=ghosts))
    assert [t["name"] for t in traces_with_role(loss, "path")][2:] == ["SGD with zero_grad()",
                                                                       "Adam with zero_grad()"]


def test_step_focus_puts_balls_at_the_step_and_draws_both_arrows():
    surface = get_surface("ravine")
    runs = descend_many(surface, ["sgd", "momentum"], 0.035, surface.start, 50)
    k = 3
    fig = figure_json(map_figure(surface, runs, focus=k))
    for run, ball in zip(runs, fig["layout"]["shapes"]):
        assert (ball["xanchor"], ball["yanchor"]) == tuple(run.positions[k])
    arrows = fig["layout"]["annotations"]
    assert len(arrows) == 4
    for run, (compass, update) in zip(runs, zip(arrows[::2], arrows[1::2])):
        start = tuple(run.positions[k])
        assert (compass["ax"], compass["ay"]) == start == (update["ax"], update["ay"])
        # the update arrow ends where the ball goes next; the compass is p.grad itself, pointing uphill
        assert (update["x"], update["y"]) == tuple(run.positions[k + 1])
        compass_direction = np.array([compass["x"], compass["y"]]) - start
        cosine = compass_direction @ run.grads[k] / np.linalg.norm(compass_direction) / np.linalg.norm(run.grads[k])
        assert cosine == pytest.approx(1.0)
        assert update["arrowcolor"] == OPTIMIZERS[run.optimizer].color
    mountain = figure_json(mountain_figure(surface, runs, focus=k))
    assert sum(t["type"] == "cone" for t in mountain["data"]) == 4
    assert [t["name"] for t in mountain["data"] if t["type"] == "cone"][0] == "compass: p.grad, pointing uphill"
    for run, ball in zip(runs, traces_with_role(mountain, "ball")):
        assert (decode(ball["x"])[0], decode(ball["y"])[0]) == tuple(run.positions[k])


def test_the_charts_show_gradient_norms_and_a_changing_learning_rate():
    surface = get_surface("bowl")
    constant = descend_many(surface, ["sgd"], 0.1, (1.0, 1.0), 20)
    fig = figure_json(loss_figure(surface, constant))
    (norms,) = traces_with_role(fig, "grad_norm")
    np.testing.assert_allclose(decode(norms["y"]), np.hypot(*constant[0].grads.T))
    assert fig["layout"]["yaxis2"]["type"] == "log" and not traces_with_role(fig, "lr")
    cosine = descend_many(surface, ["sgd"], 0.1, (1.0, 1.0), 20, schedule="cosine")
    (lrs,) = traces_with_role(figure_json(loss_figure(surface, cosine)), "lr")
    np.testing.assert_array_equal(decode(lrs["y"]), cosine[0].lrs)


def test_accumulation_chart_compares_p_grad_with_the_fresh_gradient():
    surface = get_surface("bowl")
    (run,) = descend_many(surface, ["sgd"], 0.05, (1.5, -1.0), 30, zero_grad=False)
    fig = figure_json(accumulation_figure(surface, [run]))
    held, fresh = fig["data"][:2]
    # a short legend: the optimizer, then what solid and dotted mean
    assert [t["name"] for t in fig["data"] if t.get("showlegend") is not False] == [
        "SGD", "|p.grad|: what the step used", "|∇f|: the fresh gradient"]
    np.testing.assert_allclose(decode(held["y"]), np.hypot(*run.grads.T))
    np.testing.assert_allclose(decode(fresh["y"]), np.hypot(*(2 * run.positions[:-1]).T))
    # p.grad is the running sum of the fresh gradients
    np.testing.assert_allclose(run.grads, np.cumsum(2 * run.positions[:-1], axis=0))


def test_lr_scale_marks_the_limit_and_the_learning_rate():
    import re

    from core.lesson_figures import _svg_x

    svg = lr_scale_svg(0.03, 0.04)
    assert svg.startswith("<svg") and svg.endswith("</svg>") and len(svg) < 2500
    # the limit's line and label, and the learning rate's triangle, where a log scale puts them
    (line,) = re.findall(r'<line x1="([\d.]+)" x2="([\d.]+)"', svg)
    assert float(line[0]) == float(line[1]) == _svg_x(0.04)
    assert "2/λmax = 0.04</text>" in svg and "your learning rate: 0.03" in svg
    tip = float(re.search(r'<path d="M [\d.]+ [\d.]+ L [\d.]+ [\d.]+ L ([\d.]+)', svg).group(1))
    assert tip == _svg_x(0.03)
    # smooth below half the limit, zig-zag up to it, overshooting past it: three bands, left to right
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="\d+" width="([\d.]+)"', svg)]
    assert len(widths) == 3 and abs(sum(widths) - (_svg_x(10) - _svg_x(1e-5))) < 0.05
    assert "<line" not in lr_scale_svg(0.03, None)
    # 1e-5 … 10 is six decades: 0.001 sits exactly a third of the way
    assert _svg_x(1e-3) == round(8 + (2 / 6) * 224, 2)



def test_step_mode_draws_only_the_path_so_far_and_the_future_on_request():
    surface = get_surface("himmelblau")
    runs = descend_many(surface, ["sgd", "adam"], 0.01, (0.0, 0.0), 150)
    for build in (mountain_figure, map_figure):
        fig = figure_json(build(surface, runs, focus=3))
        for run, path in zip(runs, traces_with_role(fig, "path")):
            np.testing.assert_array_equal(decode(path["x"]), run.positions[:4, 0])
        assert not traces_with_role(fig, "future")
        ahead = figure_json(build(surface, runs, focus=3, future=True))
        for run, future in zip(runs, [t for t in ahead["data"] if t.get("meta", {}).get("role") == "future"]):
            np.testing.assert_array_equal(decode(future["x"]), run.positions[:, 0])
            assert future["opacity"] < 0.5
    loss = figure_json(loss_figure(surface, runs, focus=3))
    for run, line in zip(runs, traces_with_role(loss, "path")):
        np.testing.assert_array_equal(decode(line["y"]), np.maximum(run.losses[:4], LOSS_FLOOR))
    assert loss["layout"]["xaxis"]["range"] == [0, 10]  # the axis grows with the steps taken


def test_a_run_that_flies_off_cannot_flatten_the_gradient_chart():
    # Momentum without zero_grad() reaches |p.grad| ~ 1e30; SGD's summed gradients stay near 1e2
    surface = get_surface("himmelblau")
    runs = descend_many(surface, ["sgd", "momentum"], 0.01, (0.0, 0.0), 150, zero_grad=False)
    fig = figure_json(loss_figure(surface, runs))
    peaks = [np.hypot(*run.grads.T).max() for run in runs]
    assert peaks[1] > 1e20 and peaks[0] < 1e4
    top = 10 ** fig["layout"]["yaxis2"]["range"][1]
    assert peaks[0] < top < 10 * peaks[0]
    said = [a["text"] for a in fig["layout"]["annotations"] if a["yref"] == "y2"]
    assert said == [f"Momentum ↑ off the chart ({peaks[1]:.2g})"]
    assert fig["layout"]["yaxis2"]["nticks"] == 4
    # one legend row: the optimizers, no ghost names
    assert [t["name"] for t in fig["data"] if t.get("showlegend") is not False and t["name"]] == ["SGD", "Momentum"]


def test_a_mountain_without_a_minimum_charts_the_loss_itself():
    from core.custom import formula_surface

    surface = formula_surface("1/x + y^2")
    run = descend(surface, "sgd", 0.05, surface.start, 40)
    fig = figure_json(loss_figure(surface, [run]))
    assert fig["layout"]["yaxis"]["type"] == "linear" and fig["layout"]["yaxis"]["title"]["text"] == "loss"
    np.testing.assert_array_equal(decode(traces_with_role(fig, "path")[0]["y"]), run.losses)


def test_lbfgs_paths_carry_a_dot_at_every_loss_evaluation():
    from core.figures import framed, map_figure

    surface = get_surface("rosenbrock")
    runs = descend_many(surface, ["lbfgs", "adam"], 1.0, (-1.2, 1.0), 4)
    figure = map_figure(surface, runs)
    (dots,) = [t for t in figure["data"] if t.get("meta", {}).get("role") == "evaluations"]
    # where its line search tried far off, the dot sits at the map's edge, as paths do
    np.testing.assert_array_equal(np.column_stack([dots["x"], dots["y"]]), framed(runs[0].evaluated, surface))
    assert len(dots["x"]) == runs[0].loss_evaluations > 4  # only L-BFGS evaluates more than once a step


def test_a_surface_with_holes_has_no_contour_lines_on_the_3d_mountain():
    # Plotly traced them for over three minutes on sqrt(sin(20x) sin(20y)) (a checkerboard of holes),
    # freezing the page; the map's contours stay
    from core.custom import formula_surface
    from core.figures import terrain_3d
    from core.grid import surface_grid

    holed = formula_surface("sqrt(sin(20*x)*sin(20*y))", ((0.1, 3), (0.1, 3)))
    assert terrain_3d(holed, surface_grid(holed))["contours"]["z"]["show"] is False
    smooth = get_surface("himmelblau")
    assert terrain_3d(smooth, surface_grid(smooth))["contours"]["z"]["show"] is True
