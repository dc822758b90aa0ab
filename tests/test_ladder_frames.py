"""The ladder the browser morphs (core.ladder_frames): each rung is what the figures draw for that rate."""

import numpy as np
import pytest

from core import descend, get_surface
from core.custom import formula_surface
from core.figures import loss_figure, map_figure
from core.ladder_frames import ladder_frames
from core.sweep import LR_LADDER, lr_sweep

OPTIMIZERS = ["sgd", "momentum", "adam"]
RATES = np.array(LR_LADDER)


def _traces(figure: dict, role: str) -> list[dict]:
    return [trace for trace in figure["data"] if (trace.get("meta") or {}).get("role") == role]


def _as_drawn(values) -> np.ndarray:
    """What float32 keeps of a drawn value (the ladder travels as float32)."""
    top = float(np.finfo(np.float32).max)
    return np.minimum(np.asarray(values, dtype=np.float64), top).astype(np.float32)


@pytest.mark.parametrize("surface, settings", [
    (get_surface("himmelblau"), {"zero_grad": False, "schedule": "step"}),
    (get_surface("rosenbrock"), {"clip_norm": 2.0}),
    (formula_surface("x + y"), {}),  # no minimum: the chart draws the loss itself
])
def test_every_rung_is_what_the_figures_draw_at_that_rate(surface, settings):
    zero_grad = settings.pop("zero_grad", True)
    ladders = [lr_sweep(surface, OPTIMIZERS, surface.start, 60, RATES, zero_grad, paths=True, **settings)]
    if not zero_grad:
        ladders.append(lr_sweep(surface, OPTIMIZERS, surface.start, 60, RATES, True, paths=True, **settings))
    frames = ladder_frames(surface, ladders)
    assert frames["plain"] == bool(surface.no_minimum)
    assert len(frames["runs"]) == len(OPTIMIZERS) * len(ladders)
    for i in (0, 40, 80, 100, 120):  # creeping, moving, bouncing and flying off, for these mountains
        runs = [descend(surface, name, LR_LADDER[i], surface.start, 60, zero_grad, **settings) for name in OPTIMIZERS]
        ghosts = [descend(surface, name, LR_LADDER[i], surface.start, 60, True, **settings)
                  for name in OPTIMIZERS] if not zero_grad else []
        drawn_map = map_figure(surface, runs, ghosts=ghosts)
        drawn_loss = loss_figure(surface, runs, ghosts=ghosts)
        paths, curves, norms = (_traces(drawn_map, "path"), _traces(drawn_loss, "path"),
                                _traces(drawn_loss, "grad_norm"))
        lrs = _traces(drawn_loss, "lr")
        for k, run in enumerate([*runs, *ghosts]):
            rung = {key: values[i] for key, values in frames["runs"][k].items()}
            kept = len(run.positions)
            for key, drawn in (("x", paths[k]["x"]), ("y", paths[k]["y"]), ("curve", curves[k]["y"])):
                np.testing.assert_array_equal(rung[key][:kept], _as_drawn(drawn), err_msg=f"{run.optimizer} {i} {key}")
                assert np.isnan(rung[key][kept:]).all()
            np.testing.assert_array_equal(rung["norm"][:kept - 1], _as_drawn(norms[k]["y"]))
            assert np.isnan(rung["norm"][kept - 1:]).all()
            if lrs and k < len(runs):
                np.testing.assert_array_equal(frames["lrs"][i][:kept - 1], _as_drawn(lrs[k]["y"]))


def test_a_rung_that_diverges_ends_where_its_run_does():
    surface = get_surface("bowl")
    ladder = lr_sweep(surface, ["sgd"], (1.0, 1.0), 400, RATES, paths=True)
    frames = ladder_frames(surface, [ladder])
    i = len(RATES) - 1  # 10, far past the bowl's 2/λ = 1: it flies off and overflows
    run = descend(surface, "sgd", LR_LADDER[i], (1.0, 1.0), 400)
    assert run.diverged_at is not None
    row = frames["runs"][0]["x"][i]
    assert np.isfinite(row[:run.diverged_at]).all() and np.isnan(row[run.diverged_at:]).all()
    assert frames["runs"][0]["x"].dtype == np.float32 and frames["runs"][0]["x"].shape == (len(RATES), 401)
