"""Figures as the browser gets them, built for speed: plain dicts, numpy arrays as Plotly's typed
arrays ({"dtype", "bdata", "shape"}), big arrays sent once however often they appear, and the
parts a browser already holds (the terrain of a mountain, Plotly's default template) sent as
references it resolves from its own cache.

A figure is a dict {"data": [...], "layout": {...}} (core.figures builds them so, skipping
plotly's validation on the hot path) or a plotly go.Figure (turned into one).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

CODES = {np.dtype(np.float64): "f8", np.dtype(np.float32): "f4", np.dtype(np.int32): "i4",
         np.dtype(np.int64): "f8", np.dtype(np.uint8): "u1", np.dtype(np.int8): "i1"}
# arrays with at least this many numbers travel once, in the payload's table, referenced as {"$array": id}
SHARED_SIZE = 64
TEMPLATE_KEY = "template:plotly"


def default_template() -> dict:
    """Plotly's default template as plain JSON (what go.Figure puts in every layout)."""
    return json.loads(go.Figure().to_json())["layout"]["template"]


def typed(values: np.ndarray) -> dict[str, Any]:
    """A numeric array as Plotly sends one: dtype code, base64 bytes, and its shape if not flat."""
    values = np.asarray(values)
    if values.dtype == np.int64:
        values = values.astype(np.float64)  # plotly.js has no 64-bit integers
    elif values.dtype == np.bool_:
        values = values.astype(np.uint8)
    elif values.dtype not in CODES:
        values = values.astype(np.float64)
    values = np.ascontiguousarray(values)
    out = {"dtype": CODES[values.dtype], "bdata": base64.b64encode(values.tobytes()).decode()}
    if values.ndim > 1:
        out["shape"] = ", ".join(str(n) for n in values.shape)
    return out


def plain(figure) -> dict:
    """A figure as a dict of plain values and numpy arrays (a go.Figure is converted)."""
    if isinstance(figure, go.Figure):
        return figure.to_plotly_json()
    return figure


class Encoder:
    """Turns figures into JSON-ready values; `arrays` collects the shared big arrays (by content)."""

    def __init__(self, share: bool = True):
        self.share = share
        self.arrays: dict[str, dict] = {}
        self._ids: dict[tuple, str] = {}

    def value(self, value: Any) -> Any:
        if isinstance(value, np.ndarray):
            if value.dtype == object:
                return [self.value(item) for item in value.tolist()]
            encoded = typed(value)
            if not self.share or value.size < SHARED_SIZE:
                return encoded
            key = (encoded["dtype"], encoded.get("shape"), encoded["bdata"])
            if key not in self._ids:
                self._ids[key] = f"a{len(self._ids)}"
                self.arrays[self._ids[key]] = encoded
            return {"$array": self._ids[key]}
        if isinstance(value, Mapping):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(item) for item in value]
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, float) and not np.isfinite(value):
            return None  # JSON has no NaN or infinity; plotly.js reads null as a gap
        return value


def figure_json(figure) -> str:
    """One figure as standalone JSON text (every array inline)."""
    return json.dumps(Encoder(share=False).value(plain(figure)))
