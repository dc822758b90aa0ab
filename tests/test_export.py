"""The scene's downloads: paths as the CLI writes them, a figure as a standalone page, a GIF."""

import csv
import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from core import descend_many, get_surface
from core.cli import main
from core.export import figure_html, runs_csv, runs_json
from core.figures import map_figure
from core.gif import rolling_gif, series_colors
from core.grid import surface_grid
from core.verdict import verdicts


@pytest.fixture(scope="module")
def scene():
    surface = get_surface("himmelblau")
    return surface, descend_many(surface, ["sgd", "adam"], 0.01, (0.0, 0.0), 40)


def test_paths_csv_is_the_clis_csv_for_each_optimizer(scene, capsys):
    surface, runs = scene
    rows = list(csv.reader(io.StringIO(runs_csv(runs))))
    assert rows[0] == ["optimizer", "step", "x", "y", "loss", "grad_x", "grad_y", "evaluations"]
    for run in runs:
        main(["descend", "--surface", "himmelblau", "--optimizer", run.optimizer, "--lr", "0.01",
              "--start", "0", "0", "--steps", "40"])
        cli_rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))[1:]
        assert [row[1:] for row in rows[1:] if row[0] == run.optimizer] == cli_rows


def test_paths_json_holds_the_clis_object_for_each_run(scene, capsys):
    surface, runs = scene
    saved = json.loads(runs_json(runs, verdicts(surface, runs)))["runs"]
    main(["descend", "--surface", "himmelblau", "--optimizer", "adam", "--lr", "0.01", "--start", "0", "0",
          "--steps", "40", "--format", "json"])
    assert saved[1] == json.loads(capsys.readouterr().out)
    assert [row["x"] for row in saved[0]["rows"]] == runs[0].positions[:, 0].tolist()


def test_a_figure_page_carries_plotly_and_the_figure(scene):
    surface, runs = scene
    page = figure_html(map_figure(surface, runs, surface_grid(surface)), "Loss Mountain · <Himmelblau>")
    assert page.startswith("<!doctype html>") and "<title>Loss Mountain · &lt;Himmelblau&gt;</title>" in page
    assert "Plotly.newPlot" in page and len(page) > 3_000_000  # plotly.js itself is inside: it works offline
    # and nothing in its toolbar sends the chart to an outside website
    assert '"showSendToCloud": false' in page and '"displaylogo": false' in page
    assert len(re.findall(r'"meta":\s*\{"role":\s*"path"', page)) == 2


def test_the_gif_loops_the_balls_along_their_paths(scene):
    surface, runs = scene
    seen = []
    data = rolling_gif(surface, runs, surface_grid(surface), frames=12, size=(400, 320), progress=seen.append)
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF" and gif.n_frames == 12 and gif.size == (400, 320) and gif.info.get("loop") == 0
    assert seen[-1] == 1.0 and len(seen) == 12
    gif.seek(0)
    first = np.asarray(gif.convert("RGB")).astype(int)
    gif.seek(11)
    last = np.asarray(gif.convert("RGB")).astype(int)
    assert np.abs(first - last).sum() > 0
    with pytest.raises(ValueError, match="no runs"):
        rolling_gif(surface, [], surface_grid(surface))


def test_every_series_colour_comes_out_exact_in_every_frame():
    # one palette for the whole loop, holding each optimizer's colour exactly (no dithered orange)
    surface = get_surface("himmelblau")
    runs = descend_many(surface, ["sgd", "momentum", "adam"], 0.01, (0.0, 0.0), 60)
    picture = Image.open(io.BytesIO(rolling_gif(surface, runs, surface_grid(surface), frames=6, size=(480, 380))))
    colors = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in series_colors(runs)[:3]}
    for frame in range(picture.n_frames):
        picture.seek(frame)
        pixels = np.asarray(picture.convert("RGB")).reshape(-1, 3)
        for color in colors:
            # every ball is drawn in its colour in every frame: at least a disc's worth of exact pixels
            assert (pixels == color).all(axis=1).sum() >= 30, (frame, color)
