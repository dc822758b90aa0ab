"""Read figures the way the browser gets them: JSON with Plotly 7's base64 `bdata` arrays."""

import base64
import json

import numpy as np


def decode(value):
    """A Plotly JSON array ({dtype, bdata, shape} or a plain list) as a numpy array."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape is not None:
            array = array.reshape([int(n) for n in str(shape).split(",")] if isinstance(shape, str) else shape)
        return array
    return np.asarray(value, dtype=float)


def figure_json(figure):
    """The figure as the browser receives it (a go.Figure or one of core.figures' dicts)."""
    from core.figure_json import figure_json as to_json

    return json.loads(to_json(figure))


def traces_with_role(figure_data, role):
    """The traces a viewer animates, in run order."""
    found = [t for t in figure_data["data"] if t.get("meta", {}).get("role") == role]
    return sorted(found, key=lambda t: t["meta"]["run"])
