"""An animated GIF of the balls rolling on the map, for slides: drawn with matplotlib, saved with
Pillow, no browser needed."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from PIL import Image

from .descent import Run
from .figures import MINIMUM_COLOR, TERRAIN, framed
from .grid import Grid
from .optimizers import get_optimizer
from .surfaces import Surface

MAX_FRAMES = 240


def rolling_gif(
    surface: Surface, runs: Sequence[Run], grid: Grid, *, frames: int = 72, seconds: float = 5.0,
    size: tuple[int, int] = (720, 560), progress: Callable[[float], None] | None = None,
) -> bytes:
    """The map with every run's ball rolling along its path, as GIF bytes that loop forever.

    frames: pictures in the loop (the run's steps are spread over them); seconds: the loop's length
    before a pause on the last frame. progress: called with the fraction of frames drawn.
    """
    if not runs:
        raise ValueError("there are no runs to animate")
    frames = max(2, min(int(frames), MAX_FRAMES))
    figure = Figure(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    terrain = LinearSegmentedColormap.from_list("terrain", [(at, color) for at, color in TERRAIN])
    height = np.ma.masked_invalid(grid.height)
    axes.contourf(grid.xs, grid.ys, height, levels=28, cmap=terrain)
    axes.contour(grid.xs, grid.ys, height, levels=28, colors="#3c465a", linewidths=0.4, alpha=0.4)
    minima = np.array(surface.minima)
    axes.plot(minima[:, 0], minima[:, 1], "*", color=MINIMUM_COLOR, markersize=16, markeredgecolor="#5c4500")
    (x0, x1), (y0, y1) = surface.bounds
    paths = [framed(run.positions, surface) for run in runs]
    axes.plot(*paths[0][0], "o", color="white", markeredgecolor="#222", markersize=9, zorder=4)
    drawn = []
    for run, path in zip(runs, paths):
        color = get_optimizer(run.optimizer).color
        line, = axes.plot(path[:1, 0], path[:1, 1], "-", color=color, linewidth=2, zorder=3,
                          label=get_optimizer(run.optimizer).label)
        ball, = axes.plot(path[:1, 0], path[:1, 1], "o", color=color, markeredgecolor="#111", markersize=11, zorder=5)
        drawn.append((line, ball, path))
    axes.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x", ylabel="y", aspect="equal")
    axes.legend(loc="upper right", framealpha=0.85)
    last = max(run.steps for run in runs)
    title = axes.set_title(f"{surface.title} · lr {runs[0].lr:g} · step {last} / {last}")
    figure.tight_layout()  # with the longest title in place, so none is cut off
    palette = None
    pictures = []
    for frame in range(frames):
        step = round(frame * last / (frames - 1))
        for line, ball, path in drawn:
            shown = path[:min(step, len(path) - 1) + 1]
            line.set_data(shown[:, 0], shown[:, 1])
            ball.set_data(shown[-1:, 0], shown[-1:, 1])
        title.set_text(f"{surface.title} · lr {runs[0].lr:g} · step {step} / {last}")
        canvas.draw()
        picture = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
        if palette is None:
            palette = _palette(surface, runs, grid, axes, drawn, canvas, title, last)
        # one palette for every frame, every series colour in it exactly, no dithering between them
        pictures.append(picture.quantize(palette=palette, dither=Image.Dither.NONE))
        if progress is not None:
            progress((frame + 1) / frames)
    out = io.BytesIO()
    pause = [round(seconds * 1000 / frames)] * (frames - 1) + [1500]
    pictures[0].save(out, format="GIF", save_all=True, append_images=pictures[1:], duration=pause, loop=0)
    return out.getvalue()


def series_colors(runs: Sequence[Run]) -> list[str]:
    """The colours that must come out exact: each optimizer's, the start, the minima and the edges."""
    colors = [get_optimizer(run.optimizer).color for run in runs]
    return list(dict.fromkeys([*colors, MINIMUM_COLOR, "#ffffff", "#111111", "#222222", "#5c4500", "#000000"]))


def _palette(surface, runs, grid, axes, drawn, canvas, title, last) -> Image.Image:
    """A 256-colour palette: the series colours exactly, the rest fitted to the finished picture
    (every path drawn), so the terrain keeps its shades."""
    for line, ball, path in drawn:
        line.set_data(path[:, 0], path[:, 1])
        ball.set_data(path[-1:, 0], path[-1:, 1])
    title.set_text(f"{surface.title} · lr {runs[0].lr:g} · step {last} / {last}")
    canvas.draw()
    finished = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    exact = [tuple(int(color[i:i + 2], 16) for i in (1, 3, 5)) for color in series_colors(runs)]
    rest = finished.quantize(256 - len(exact)).getpalette()[: 3 * (256 - len(exact))]
    palette = Image.new("P", (1, 1))
    palette.putpalette([value for rgb in exact for value in rgb] + rest)
    return palette
