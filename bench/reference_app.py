"""A bare reference for the slider benchmark: the same surface and paths in a plain st.plotly_chart.

    streamlit run bench/reference_app.py   (bench.explorer starts it by itself)
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
import streamlit as st  # noqa: E402

from app.controls import LR_OPTIONS  # noqa: E402
from core import descend_many, get_surface  # noqa: E402
from core.grid import surface_grid  # noqa: E402

surface = get_surface("himmelblau")
lr = st.select_slider("Learning rate", LR_OPTIONS, value=0.01)
start_x = st.slider("Start x", -5.0, 5.0, 0.0, 0.01)
grid = surface_grid(surface)
runs = descend_many(surface, ("sgd", "momentum", "adam"), lr, (start_x, 0.0), 150)
traces = [go.Surface(x=grid.xs, y=grid.ys, z=grid.height.astype(np.float32), showscale=False)]
for run in runs:
    z = surface.display_height(run.losses)
    traces.append(go.Scatter3d(x=run.positions[:, 0], y=run.positions[:, 1], z=z, mode="lines", name=run.optimizer))
figure = go.Figure(traces)
figure.update_layout(title=dict(text=f"lr {lr:g} · start x {start_x:.2f}"), height=600)
st.plotly_chart(figure)
