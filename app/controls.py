"""The sidebar: every control of the explorer, kept in st.session_state across reruns."""

from __future__ import annotations

import math
from dataclasses import replace

import streamlit as st

from core import SURFACES, LossMountainError, Surface, get_optimizer, get_surface
from core.optimizers import FAMILIES, every_optimizer
from core.custom import DEFAULT_BOUNDS, SURFACE_NAME
from core.sweep import LR_LADDER

from app.kept import copy_settings
from app.mountains import mountain
from app.settings import Settings
from app.tuning import (hyperparameters_in_state, hyperparameters_ui, reset_hyperparameters, schedule_in_state,
                        schedule_ui)

# 20 learning rates per decade, 1e-5 … 10, rounded to two significant digits
LR_OPTIONS = LR_LADDER
# the view finds the page's learning-rate slider by this label (app.scene.ladder_offer)
LR_LABEL = "Learning rate (log scale)"
MAX_APP_STEPS = 2000
DEFAULT_SURFACE = "himmelblau"
DEFAULT_OPTIMIZERS = ("sgd", "momentum", "adam")
DEFAULT_STEPS = 150
# the start sliders' decimals: two, more on a narrow range (so it still has about a hundred stops)
START_DECIMALS, MOST_START_DECIMALS = 2, 8
DEFAULT_FORMULA = "sin(x)*cos(y) + 0.05*(x^2 + y^2)"
MOUNTAIN_CHOICES = (*SURFACES, SURFACE_NAME)
BOUND_KEYS = ("bound_x0", "bound_x1", "bound_y0", "bound_y1")


def nearest_lr(lr: float) -> float:
    """The learning-rate option closest to `lr` on a log scale."""
    return min(LR_OPTIONS, key=lambda option: abs(math.log(option / lr)))


def start_decimals(low: float, high: float) -> int:
    """The decimals of a start slider over [low, high]: at least a hundred stops across it."""
    return min(max(START_DECIMALS, math.ceil(-math.log10(high - low)) + 2), MOST_START_DECIMALS)


def placed(value: float, low: float, high: float) -> float:
    """`value` as the start slider over [low, high] holds it: rounded to its decimals and inside it
    (rounding 0.0014 to two decimals would leave a range of 0.001 … 0.002)."""
    return min(max(round(value, start_decimals(low, high)), low), high)


def current_surface() -> Surface:
    """The chosen mountain; for a typed formula, the last one that worked."""
    state = st.session_state
    if state.surface == SURFACE_NAME:
        return mountain(SURFACE_NAME, *state.good_custom)
    return get_surface(state.surface)


def _surface_defaults() -> dict[str, object]:
    surface = current_surface()
    return {"lr": nearest_lr(surface.lr), "start_x": surface.start[0], "start_y": surface.start[1]}


def control_defaults() -> dict[str, object]:
    """Every sidebar control's value in a fresh session."""
    surface = get_surface(DEFAULT_SURFACE)
    (x0, x1), (y0, y1) = DEFAULT_BOUNDS
    return {
        "surface": DEFAULT_SURFACE, "optimizers": list(DEFAULT_OPTIMIZERS),
        "steps": DEFAULT_STEPS, "forget_zero_grad": False, "step_mode": False, "step": 0,
        "step_future": False, "contrast": False,
        "lr": nearest_lr(surface.lr), "start_x": surface.start[0], "start_y": surface.start[1],
        "formula": DEFAULT_FORMULA, "good_custom": (DEFAULT_FORMULA, DEFAULT_BOUNDS),
        **dict(zip(BOUND_KEYS, (x0, x1, y0, y1))),
    }


def controls_init() -> None:
    """Every control's first value, where the session has none yet."""
    for key, value in control_defaults().items():
        if key not in st.session_state:
            st.session_state[key] = value


def on_surface_change() -> None:
    # a new mountain has new bounds: start where it is interesting, at a stride that suits it
    st.session_state.update(_surface_defaults())


def _on_reset() -> None:
    reset_hyperparameters()
    st.session_state.update(
        optimizers=list(DEFAULT_OPTIMIZERS), steps=DEFAULT_STEPS, forget_zero_grad=False,
        schedule="constant", clip=False, **_surface_defaults(),
    )


def classic_mistake_preset() -> None:
    """The first hand-written training loop, `coeffs -= coeffs.grad * lr`, without
    `coeffs.grad.zero_()`: plain SGD with zero_grad() forgotten, on a round bowl."""
    reset_hyperparameters()
    st.session_state.update(
        surface="bowl", optimizers=["sgd"], lr=0.05, start_x=1.5, start_y=-1.0, steps=200,
        forget_zero_grad=True, schedule="constant", clip=False, step_mode=False,
    )


def move_start(x: float, y: float) -> None:
    """Put the start at (x, y), clamped to the surface and rounded to the sliders' step."""
    (x0, x1), (y0, y1) = current_surface().bounds
    st.session_state.start_x, st.session_state.start_y = placed(x, x0, x1), placed(y, y0, y1)


def _check_formula() -> str | None:
    """Take the typed formula and its bounds if they make a mountain (its start kept inside them);
    else keep the last good one and return what is wrong, for the sidebar to say."""
    state = st.session_state
    bounds = ((state.bound_x0, state.bound_x1), (state.bound_y0, state.bound_y1))
    try:
        surface = mountain(SURFACE_NAME, state.formula, bounds)
    except LossMountainError as error:
        return f"{error}. Still showing `{state.good_custom[0]}`."
    if (state.formula, bounds) != tuple(state.good_custom):
        state.good_custom = (state.formula, bounds)
        (x0, x1), (y0, y1) = bounds
        if not (x0 <= state.start_x <= x1 and y0 <= state.start_y <= y1):
            state.start_x, state.start_y = surface.start
        state.start_x, state.start_y = placed(state.start_x, x0, x1), placed(state.start_y, y0, y1)
    return None


def _formula_ui(sidebar, mistake: str | None) -> None:
    """The typed formula and its bounds; a mistake is shown (the last good formula is kept)."""
    sidebar.text_input(
        "f(x, y) =", key="formula", max_chars=300,
        help="Numbers, x, y, pi, e, + - * / ^, brackets and sin cos tan exp log sqrt abs tanh "
        "sigmoid relu softplus min max. Press Enter to draw it.",
    )
    columns = sidebar.columns(4)
    for column, key, label in zip(columns, BOUND_KEYS, ("x from", "x to", "y from", "y to")):
        column.number_input(label, -1e6, 1e6, key=key, step=1.0, format="%g")
    if mistake:
        sidebar.error(mistake, icon="✏️")


# the picker's order: family by family (gradient descent, adaptive, sign-based, second-order, reference)
OPTIMIZER_CHOICES = sorted(every_optimizer(), key=lambda name: FAMILIES.index(get_optimizer(name).family))


def scene_settings() -> Settings:
    """What the controls say, read from the session before they are drawn: a page can send its view
    first, and the browser, which handles a rerun's messages in order, draws it before the widgets
    (gesture_ui and setup_ui then draw them with these very values)."""
    controls_init()
    state = st.session_state
    if state.surface == SURFACE_NAME:
        _check_formula()
    optimizers = tuple(name for name in every_optimizer() if name in state.optimizers)
    schedule, clip_norm = schedule_in_state()
    return Settings(
        surface=state.surface,
        optimizers=optimizers,
        lr=float(state.lr),
        start=(float(state.start_x), float(state.start_y)),
        steps=int(state.steps),
        zero_grad=not state.forget_zero_grad,
        hyperparameters=hyperparameters_in_state(optimizers),
        schedule=schedule,
        clip_norm=clip_norm,
        **(dict(zip(("formula", "bounds"), state.good_custom)) if state.surface == SURFACE_NAME else {}),
    )


def page_under_controls(title, draw, lr_picture=None) -> None:
    """A page of a header (`title(settings)`), the controls and what `draw(settings)` puts under them.

    The lesson's gestures (the learning rate, the start, the zero_grad() switch) and everything they
    change — the page's body and the sidebar's learning-rate picture — are one fragment: a move reruns
    only it, not the page's thirty other widgets, nor the sidebar that does not depend on it. The
    controls' values are read first and their widgets drawn last: the browser handles a rerun's
    messages in order, so the page's view goes out before the widgets'."""
    # read once for the whole full run: its widgets' values and callbacks are in the session before it
    # starts (the fragment reads them again for its own reruns)
    settings = scene_settings()
    # the header shows the setup (the mountain's name), not the gestures: a move does not send it again
    title(settings)
    bar, body = st.container(), st.container()
    sidebar = st.sidebar
    setup, lr_slot, more = sidebar.container(), sidebar.container(), sidebar.container()
    st.session_state.pop(SETUP_DRAWN, None)  # a full run draws the setup (below) after the fragment
    _gestures_and_scene(draw, lr_picture, bar, body, lr_slot)
    setup_ui(settings, setup, more)
    st.session_state[SETUP_DRAWN] = _setup_shown(settings)


# the sidebar's setup as the last full run drew it (see _gestures_and_scene)
SETUP_DRAWN = "setup_drawn"


def _setup_shown(settings: Settings) -> tuple:
    """Everything the sidebar's setup shows: the scene but for its gestures, and the setup's own
    switches and folds."""
    state = st.session_state
    unmoved = replace(settings, lr=LR_OPTIONS[0], start=(0.0, 0.0), zero_grad=True)
    return (repr(unmoved), state.get("formula"), *(state.get(key) for key in BOUND_KEYS), state.get("step_mode"),
            state.get("contrast"), state.get("optimizer_family"), state.get("open_tuning"), state.get("open_schedule"))


@st.fragment
def _gestures_and_scene(draw, lr_picture, bar, body, lr_slot) -> None:
    """The page's body and gestures, rerun alone when one of its widgets moves."""
    state = st.session_state
    settings = scene_settings()
    drawn = state.get(SETUP_DRAWN)
    if drawn is not None and drawn != _setup_shown(settings):
        # a button in the body changed the setup (a preset): the sidebar must show it too
        st.rerun()
    with body:
        draw(settings)
    gesture_ui(bar)
    if lr_picture is not None:
        with lr_slot:
            lr_picture(settings)
    # a fragment's rerun does not reach the end of app/main.py, which does these too
    show_link()
    copy_settings()


def show_link() -> None:
    """Put the link to what is on screen in the address bar."""
    from app.link import write_link  # app.link reads this module's constants: imported when first used

    st.query_params.from_dict(write_link(st.session_state))


def gesture_ui(bar) -> None:
    """The three gestures of the lesson — the learning rate, the start and the zero_grad() switch —
    on the page itself, so that a phone reaches them without opening the sidebar."""
    (x0, x1), (y0, y1) = current_surface().bounds
    lr_column, x_column, y_column, switch_column = bar.columns([3, 2, 2, 2], vertical_alignment="bottom")
    lr_column.select_slider(
        LR_LABEL, LR_OPTIONS, key="lr", format_func=lambda v: f"{v:g}",
        help="The stride: how far each step moves along the slope.",
    )
    for column, label, key, low, high in ((x_column, "Start x", "start_x", x0, x1), (y_column, "Start y", "start_y", y0, y1)):
        decimals = start_decimals(low, high)
        column.slider(label, low, high, key=key, step=10.0**-decimals, format=f"%.{decimals}f")
    switch_column.toggle(
        "Forget zero_grad()", key="forget_zero_grad",
        help="Skip optimizer.zero_grad() in the loop, so p.grad keeps adding up, "
        "as it does in PyTorch when you forget it.",
    )


def setup_ui(settings: Settings, top, bottom) -> None:
    """The sidebar's setup, showing `settings` (what scene_settings() read this rerun): the mountain and
    the optimizers in `top`; the steps, the modes and the optimizers' settings in `bottom` (the
    learning-rate picture goes between them)."""
    top.selectbox(
        "Mountain", MOUNTAIN_CHOICES, key="surface", on_change=on_surface_change,
        format_func=lambda name: SURFACES[name].title if name in SURFACES else "✏️ Type your own formula",
        help="The loss surface the balls roll on. Its height at (x, y) is the loss.",
    )
    if st.session_state.surface == SURFACE_NAME:
        _formula_ui(top, _check_formula())  # taken already: this only says what is wrong, if anything
    surface = current_surface()
    top.caption(f"`{surface.formula}`  \n{surface.blurb}")
    family = top.pills("Optimizer families", FAMILIES, key="optimizer_family",
                       help="Pick a family to list only its optimizers below (the chosen ones stay).")
    chosen = st.session_state.optimizers
    top.multiselect(
        "Optimizers (one ball each)",
        [name for name in OPTIMIZER_CHOICES if family in (None, get_optimizer(name).family) or name in chosen],
        key="optimizers", format_func=lambda name: get_optimizer(name).label,
        help="Type to search. Each is the real torch.optim class with PyTorch's defaults (momentum and "
        "Nesterov use momentum 0.9); Newton is a reference: exact Newton steps with the true Hessian. "
        "L-BFGS may evaluate the loss many times in one step.",
    )
    bottom.slider("Steps", 1, MAX_APP_STEPS, key="steps", help="How many optimizer steps to take.")
    bottom.toggle("Step by step", key="step_mode",
                  help="Take one optimizer step at a time and see its numbers and arrows.")
    bottom.toggle("High contrast (for projectors)", key="contrast",
                  help="Darker contour lines, a black-to-white mountain, thicker paths and bigger text.")
    # folded away, the settings' widgets are not built (or sent): their values live in the session
    tuning = bottom.expander("Optimizer settings", key="open_tuning", on_change="rerun")
    if tuning.open:
        with tuning:
            hyperparameters_ui(st, settings.optimizers)
            if not settings.optimizers:
                st.caption("Choose an optimizer to tune it.")
    scheduling = bottom.expander("Schedule and clipping", key="open_schedule", on_change="rerun")
    if scheduling.open:
        with scheduling:
            schedule_ui(st)
    bottom.button("Reset to this mountain's defaults", on_click=_on_reset, width="stretch")
