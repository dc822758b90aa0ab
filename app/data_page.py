"""The data page: the mountain of a real fit — a line or a quadratic — trained on noisy points."""

from __future__ import annotations

import json

import numpy as np
import streamlit as st

from core import LossMountainError, get_optimizer
from core.optimizers import PLAIN_STEP
from core.data_fit import MAX_UPLOAD_BYTES, MODELS, Data, fit, noisy_points, read_csv
from core.fit_figures import data_figure, fit_figures
from core.fit_verdicts import flies_off, forgotten_sentence, ravine_sentence, trouble_sentence
from core.wording import number, quoted

from app.controls import LR_OPTIONS
from app.memo import ONE_HOUR, memo
from app.mountain_view import PLOT_CONFIG, mountain_view, view_json

MODE_LABELS = {"zero_grad": "zero_grad() every step (right)",
               "forget": "zero_grad() forgotten (the bug)",
               "accumulate": "accumulate 4 mini-batches, step, zero (right)"}


DATA_DEFAULTS = {"data_model": "line", "data_optimizer": "sgd", "data_lr": 0.02, "data_steps": 300,
                 "data_batch": 0, "data_mode": "zero_grad", "data_centre": False, "data_seed": 0,
                 "data_pair": "a, b"}


@st.cache_data(max_entries=32, ttl=ONE_HOUR, show_spinner="Training…")
def _fit(x: tuple, y: tuple, source: str, settings: tuple):
    return fit(Data(np.array(x), np.array(y), source), *settings)


FIT_ARGUMENTS = ("model", "optimizer", "lr", "steps", "batch_size", "mode", "accumulate", "centre", "seed")


@st.cache_data(max_entries=32, ttl=ONE_HOUR, show_spinner=False)
def _sentences(x: tuple, y: tuple, source: str, settings: tuple) -> list[str]:
    """What this fit did, each sentence computed from the fit or a counterfactual fit (core.fit_verdicts)."""
    data, result = Data(np.array(x), np.array(y), source), _fit(x, y, source, settings)
    named = dict(zip(FIT_ARGUMENTS, settings))
    said = [trouble_sentence(data, result, named)]
    if named["model"] == "line":
        said.append(ravine_sentence(data, result, "line", named["centre"]))
    if named["mode"] == "forget":
        said.append(forgotten_sentence(data, result, named))
    return [sentence for sentence in said if sentence]


@memo()  # a shared text
def _payload(x: tuple, y: tuple, source: str, settings: tuple, shown: tuple[int, int]) -> str:
    """The view's figures for a fit, with its bug-or-fix counterpart as a ghost."""
    data = Data(np.array(x), np.array(y), source)
    result = _fit(x, y, source, settings)
    # the bug and its fix side by side: each draws the other as a faint ghost
    mode = settings[5]
    other = {"forget": "accumulate", "accumulate": "forget"}.get(mode)
    ghost = None if other is None else _fit(x, y, source, settings[:5] + (other,) + settings[6:])
    figures = fit_figures(data, result, settings[1], shown, ghost, f"ghost: {MODE_LABELS[other]}" if other else "")
    captions = {"mountain": "The mean squared error over the coefficients: the mountain this fit descends",
                "map": "From above: the star is the best fit (least squares)"}
    return view_json(figures, json.dumps([source, settings, shown]), clickable=False, captions=captions)


def _data(model: str) -> Data:
    upload = st.file_uploader("Your own points (CSV with two columns x, y; up to 1 MB)", type=["csv"],
                              key="upload_points", max_upload_size=MAX_UPLOAD_BYTES // 1_000_000)
    seed = int(st.session_state.data_seed)
    if upload is not None:
        try:
            data = read_csv(upload.getvalue())
        except LossMountainError as error:
            st.error(f"{error}. Using the generated points instead.", icon="📄")
        else:
            st.caption(f"Fitting the {len(data.x)} points of {quoted(upload.name, 40)}.")
            return data
    data = noisy_points(model, seed=seed)
    # said every time: a page moved to another server keeps its file's name but not its file
    st.caption(f"Fitting {len(data.x)} generated points (seed {seed}); a CSV of your own replaces them.")
    return data


def data_page() -> None:
    st.markdown("### 🎯 The mountain of a real fit")
    st.caption("Fitting a model is descending a mountain whose coordinates are the model's coefficients "
               "and whose height is the mean squared error on the data.")
    state = st.session_state
    for key, value in DATA_DEFAULTS.items():
        state.setdefault(key, value)
    a, b, c, d = st.columns(4)
    a.radio("Model", list(MODELS), key="data_model",
            format_func=lambda m: "a line: slope·x + intercept" if m == "line" else "a quadratic: a·x² + b·x + c")
    b.selectbox("Optimizer", PLAIN_STEP, key="data_optimizer", format_func=lambda n: get_optimizer(n).label)
    b.select_slider("Learning rate", LR_OPTIONS, key="data_lr", format_func=lambda v: f"{v:g}")
    c.slider("Steps", 10, 2000, key="data_steps", step=10)
    c.select_slider("Batch size (0 = all the data)", [0, 1, 2, 4, 8, 16, 32], key="data_batch")
    d.radio("Gradients", list(MODE_LABELS), key="data_mode", format_func=MODE_LABELS.get)
    d.toggle("Centre the data (x − mean x)", key="data_centre")
    model = state.data_model
    data = _data(model)
    names = MODELS[model]
    shown = (0, 1)  # the quadratic's pair is chosen below
    if model == "quadratic":
        pair = st.radio("Show the mountain over", ["a, b", "a, c", "b, c"], horizontal=True, key="data_pair",
                        help="The third coefficient is held at its best value on the drawn slice; "
                             "the run trains all three, and its path is projected onto the slice.")
        shown = tuple(names.index(name) for name in pair.split(", "))
    batch = None if state.data_batch == 0 else min(int(state.data_batch), len(data.x))
    settings = (model, state.data_optimizer, float(state.data_lr), int(state.data_steps), batch,
                state.data_mode, 4, bool(state.data_centre), int(state.data_seed))
    try:
        result = _fit(tuple(data.x), tuple(data.y), data.source, settings)
    except LossMountainError as error:
        st.error(f"That setting does not work: {error}.")
        return
    mountain_view(_payload(tuple(data.x), tuple(data.y), data.source, settings, shown),
                  on_start_click=lambda: None, key="data_view", rate_key="data_lr")
    left, right = st.columns([3, 2])
    left.plotly_chart(data_figure(data, result, state.data_optimizer), key="data_chart", config=PLOT_CONFIG)
    with right:
        found = ", ".join(f"{name} = {number(value, 4)}" for name, value in zip(result.names, result.coefficients[-1]))
        best = ", ".join(f"{name} = {number(value, 4)}" for name, value in zip(result.names, result.best))
        st.markdown(f"**{data.source}.** After {len(result.coefficients) - 1} steps: {found} "
                    f"(loss {number(result.losses[-1], 4)}). Best fit by least squares: {best}.")
        said = _sentences(tuple(data.x), tuple(data.y), data.source, settings)
        if flies_off(result):
            st.warning(said.pop(0), icon="💥")
        for sentence in said:
            st.info(sentence, icon="📐" if "ravine" in sentence or "bowl" in sentence else "🧭")
        if state.data_mode == "accumulate":
            st.info("Gradient accumulation done right: backward() on 4 mini-batches (each loss divided by 4), "
                    "one step, then zero_grad(): as if the batch were 4 times bigger.", icon="✅")
        if batch is not None:
            st.caption(f"Each gradient comes from {batch} random points (seeded), so the ball jitters "
                       "the way real stochastic gradient descent does.")
