"""What a scene can be saved as: its paths as CSV or JSON (the CLI's formats) and a figure as a
standalone interactive HTML page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

import plotly.graph_objects as go

from .cli import CSV_HEADER, run_record, write_csv
from .csv_safe import safe_row
from .descent import Run
from .figures import PLOTLY_CONFIG
from .verdict import Verdict


def runs_csv(runs: Sequence[Run]) -> str:
    """Every run's rows in the CLI's CSV format, after a first column naming the optimizer."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("optimizer", *CSV_HEADER))
    for run in runs:
        one = io.StringIO()
        write_csv(run, one)
        for row in list(csv.reader(io.StringIO(one.getvalue())))[1:]:
            writer.writerow(safe_row((run.optimizer, *row)))
    return out.getvalue()


def runs_json(runs: Sequence[Run], results: Sequence[Verdict] | None = None) -> str:
    """{"runs": [...]}: each run as the CLI's JSON object (settings, diverged_at, the outcome
    when its verdict is given, and the rows)."""
    results = results or [None] * len(runs)
    return json.dumps({"runs": [run_record(run, result) for run, result in zip(runs, results)]}, indent=1) + "\n"


def figure_html(figure: go.Figure | dict, title: str) -> str:
    """A standalone page that shows `figure` (a go.Figure or one of core.figures' dicts)
    interactively offline (plotly.js inside)."""
    figure = figure if isinstance(figure, go.Figure) else go.Figure(figure)  # validated here, off the hot path
    return figure.to_html(include_plotlyjs=True, full_html=True, config=PLOTLY_CONFIG,
                          default_width="100%", default_height="90vh").replace(
        "<head>", f"<head><title>{_escaped(title)}</title>", 1)


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
