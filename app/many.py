"""The page "Many balls": a learning-rate sweep, basins of attraction and a swarm, all from the
sidebar's scene, each computed as one batch of balls (core.sweep, core.basins, core.swarm)."""

from __future__ import annotations

import html
import math
from dataclasses import replace

import numpy as np
import streamlit as st

from core import LossMountainError, get_optimizer
from core.basin_figures import percent
from core.basins import DIVERGED, MIN_RESOLUTION, STILL_ROLLING
from core.budget import VIEW_BUDGET_S, Cost, seconds
from core.figures import PLOTLY_CONFIG
from core.optimizers import ELEMENTWISE
from core.race import DEFAULT_TUNING_BALLS, TUNING_RATES
from core.race_figures import race_bars, race_tuning
from core.wording import number

from app.controls import LR_OPTIONS, move_start, nearest_lr, page_under_controls
from app.lessons import lr_picture
from app.costs import batch_cost, race_cost, solo_cost
from app.many_scene import basins_of, basins_payload, race_of, swarm_view, sweep_view
from app.mountain_view import clicked_lr, clicked_start, mountain_view
from app.mountains import mountain_of
from app.scene import ladder_on_demand
from app.settings import Settings
from app.work import finished_or_last_good

MODES = {"sweep": "📈 Learning-rate sweep", "basins": "🗺️ Basins of attraction", "swarm": "🐝 Swarm",
         "race": "🏁 Fair race"}
RACE_BALLS = (16, 32, 64, 128, 256)
VIEW_KEY = "many_view"
SWEEP_COUNTS = (8, 16, 32, 64, 128, 256)
TOLERANCES = (1e-2, 1e-3, 1e-4, 1e-6)
BASIN_RESOLUTIONS = (101, 151, 201)
MAX_SWARM = 1000
MIN_SWARM = 10
DEFAULTS = {"many_mode": "sweep", "sweep_low": 1e-4, "sweep_high": 10.0, "sweep_count": 64, "sweep_tolerance": 1e-3,
            "basin_resolution": 101, "basin_jumps": True, "swarm_size": 300, "swarm_seed": 0,
            "race_balls": 64, "race_seed": 0}


def _look() -> str:
    return "contrast" if st.session_state.get("contrast") else "standard"


def _on_rate_click() -> None:
    lr = clicked_lr(VIEW_KEY)
    if lr is not None:
        st.session_state.lr = nearest_lr(lr)


def _on_start_click() -> None:
    point = clicked_start(VIEW_KEY)
    if point is not None:
        move_start(*point)


def _sweep_view(settings: Settings) -> None:
    a, b, c = st.columns([3, 1, 1])
    state = st.session_state

    def keep_range() -> None:
        state.sweep_low, state.sweep_high = state.range_of_sweep

    # a range slider turns single when its value is re-saved across pages, so the two ends are kept
    # as plain values and the slider (keyed outside the kept keys) starts from them
    a.select_slider("Learning rates from … to …", LR_OPTIONS, value=(state.sweep_low, state.sweep_high),
                    key="range_of_sweep", on_change=keep_range, format_func=lambda v: f"{v:g}")
    b.selectbox("How many rates", SWEEP_COUNTS, key="sweep_count")
    c.selectbox("Reached = loss within", TOLERANCES, key="sweep_tolerance", format_func=lambda v: f"{v:g} of the way",
                help="A ball has reached the minimum once its loss has come this close, as a fraction of "
                     "the way from the start's loss down to the minimum's.")
    low, high = float(state.sweep_low), float(state.sweep_high)
    if low >= high:
        st.warning("Choose a range of learning rates wider than one value.", icon="↔️")
        return
    count, tolerance = int(state.sweep_count), float(state.sweep_tolerance)
    solo = [name for name in settings.optimizers if not get_optimizer(name).sweeps_cheaply]
    # each rate of these is a solo run: timed at the range's ends and middle
    probes = (low, math.sqrt(low * high), high)
    taken, refused = _within_budget([solo_cost(settings, name, count, probes, settings.start) for name in solo])
    if taken:
        st.caption(f"{_labels(taken)}: one optimizer instance per rate ({count} runs one after another, about "
                   f"{seconds(sum(cost.seconds for cost in taken))} of CPU), as they have no rule for a learning "
                   "rate per ball; the others roll every rate at once.")
    if refused:
        # the most rates at which every one of them fits
        fewer = max((n for n in SWEEP_COUNTS if n * sum(c.per_run for c in taken + refused) <= VIEW_BUDGET_S),
                    default=None)
        st.warning(f"Left out: {_labels(refused)}. They need an optimizer instance per rate, about "
                   f"{_per_ball(refused)} of CPU a run here, so {count} rates would add about "
                   f"{seconds(sum(cost.seconds for cost in refused))}, and a view spends at most "
                   f"{seconds(VIEW_BUDGET_S)} on such runs. "
                   + (f"Choose {fewer} rates (How many rates)" if fewer else "Choose fewer steps in the sidebar")
                   + "".join(dict.fromkeys(_cheaper(cost.optimizer) for cost in refused))
                   + f", or run `python -m core sweep --optimizers {' '.join(c.optimizer for c in refused)} …`.",
                   icon="⏱️")
    settings = replace(settings, optimizers=tuple(n for n in settings.optimizers if n not in {c.optimizer for c in refused}))
    if not settings.optimizers:
        return
    view, (settings, *_) = finished_or_last_good("sweep", sweep_view, (settings, low, high, count, tolerance, _look()))
    mountain_view(view.payload, _on_start_click, key=VIEW_KEY, on_lr_click=_on_rate_click,
                  on_demand=ladder_on_demand(settings), rate_key="lr")
    st.markdown(view.sentences, unsafe_allow_html=True)
    st.caption("The ribbon names what each ball did, as every run's verdict does: **converged** (it ends at "
               "a minimum), **creeping** (still on its way when the steps run out), **bouncing** (its steps "
               "flip across the valley without settling), **stuck** (on a saddle or flat ground), "
               "**diverged** (it flies off), and **off the domain** or **schedule ran out** where those "
               "happen. The purple line is plain gradient descent's limit 2/λmax at the minimum nearest "
               "your start.")


def _within_budget(costs: list[Cost]) -> tuple[list[Cost], list[Cost]]:
    """The costs that fit the view's budget together, in order, and those that do not."""
    taken, refused, spent = [], [], 0.0
    for cost in costs:
        if spent + cost.seconds <= VIEW_BUDGET_S:
            taken.append(cost)
            spent += cost.seconds
        else:
            refused.append(cost)
    return taken, refused


def _per_ball(costs: list[Cost]) -> str:
    """Their measured cost a ball (or run), one figure or the range."""
    low, high = min(cost.per_run for cost in costs), max(cost.per_run for cost in costs)
    return seconds(low) if seconds(low) == seconds(high) else f"{seconds(low)} to {seconds(high)}"


def _counts(costs: list[Cost]) -> str:
    """Their balls (or runs) each, one count or the counts."""
    counts = sorted({cost.wanted for cost in costs})
    return " or ".join(f"{count:,}" for count in counts)


def _labels(costs: list[Cost]) -> str:
    return ", ".join(get_optimizer(cost.optimizer).label for cost in costs)


def _cheaper(optimizer: str) -> str:
    """What else makes this optimizer's runs cheaper, where it has such a setting."""
    defaults = get_optimizer(optimizer).defaults()
    return ", a smaller max_iter (each step may evaluate the loss that many times)" if "max_iter" in defaults else ""


def _centre(settings: Settings) -> tuple[float, float]:
    (x0, x1), (y0, y1) = mountain_of(settings).bounds
    return (x0 + x1) / 2, (y0 + y1) / 2


def _at_rate(spec, lr: float) -> str:
    """ "at lr 0.01", or, for an optimizer that takes no learning rate, that it takes none."""
    return f"at lr **{number(lr)}**" if spec.fixed_lr is None else "(it takes no learning rate)"


def _optimizer_choice(settings: Settings, key: str) -> str:
    choices = list(settings.optimizers) or list(ELEMENTWISE)
    if st.session_state.get(key) not in choices:
        st.session_state[key] = choices[0]
    return st.selectbox("Optimizer", choices, key=key, format_func=lambda name: get_optimizer(name).label)


def _basins_view(settings: Settings) -> None:
    a, b, c = st.columns([1, 1, 2], vertical_alignment="bottom")
    with a:
        optimizer = _optimizer_choice(settings, "basin_optimizer")
    b.selectbox("Starts a side", BASIN_RESOLUTIONS, key="basin_resolution",
                format_func=lambda n: f"{n} × {n} = {n * n:,}")
    c.toggle("Dot the starts that end in a farther valley", key="basin_jumps")
    state = st.session_state
    resolution = _sized(settings, optimizer, int(state.basin_resolution), "basins")
    if resolution is None:
        return
    payload, (settings, optimizer, resolution, _, _) = finished_or_last_good(
        "basins", basins_payload, (settings, optimizer, resolution, bool(state.basin_jumps), _look()))
    mountain_view(payload, _on_start_click, key=VIEW_KEY, rate_key="lr")
    result = basins_of(settings, optimizer, resolution)
    spec = get_optimizer(optimizer)
    known = sum(result.ends.known)
    in_minimum = float(np.mean((result.ends.labels >= 0) & (result.ends.labels < known)))
    st.markdown(
        f"With **{spec.label}** {_at_rate(spec, settings.lr)} for {settings.steps} steps: **{percent(in_minimum)}** of "
        f"the starts end in a global minimum, **{percent(result.share(STILL_ROLLING))}** are still moving and "
        f"**{percent(result.share(DIVERGED))}** fly off. Of those that reach a minimum, "
        f"**{percent(result.far_valley_share)}** end in one that is *not* the nearest to where they started"
        + (" (the dots): their descent carried them past the closest valley into another. " if result.far_valley_share
           else ". ") + _compare_advice(spec))


def _compare_advice(spec) -> str:
    """What to change and compare, of what this optimizer has: no learning rate to change for Newton's
    method, no momentum for Adam or Rprop."""
    if spec.fixed_lr is not None:
        return "Pick another optimizer above and compare the shares."
    has_momentum = "momentum" in spec.settings(None)
    return f"Change the learning rate{' or the momentum' if has_momentum else ''} and compare the shares."


def _sized(settings: Settings, optimizer: str, size: int, view: str) -> int | None:
    """The basins map's side or the swarm's balls that fit the view's budget, from a timed run (a batch,
    or one solo run where `optimizer` moves one ball per instance), saying so where it is cut; None (and
    why) where even the smallest does not fit."""
    spec = get_optimizer(optimizer)
    wanted = size * size if view == "basins" else size
    solo = not spec.batches
    cost = (solo_cost(settings, optimizer, wanted, (settings.lr,), _centre(settings)) if solo
            else batch_cost(settings, optimizer, wanted))
    fits = math.isqrt(cost.affordable) if view == "basins" else cost.affordable
    least = MIN_RESOLUTION if view == "basins" else MIN_SWARM
    shown = (lambda n: f"{n} × {n} starts") if view == "basins" else (lambda n: f"{n} balls")
    if solo:
        why = (f"{spec.label} moves one ball per optimizer instance (it is not elementwise), about "
               f"{seconds(cost.per_run)} of CPU a ball here")
    elif cost.fixed > 0:
        # a batch's steps cost their operations whatever its size: on a long typed formula, most of it
        why = (f"On this mountain {spec.label} costs about {seconds(cost.fixed)} of CPU over {settings.steps} steps "
               f"for a batch of any size, and {seconds(cost.per_run)} more a ball")
    else:  # the probe found no fixed part (or a noisy one was clamped): name none
        why = f"On this mountain {spec.label} costs about {seconds(cost.per_run)} of CPU a ball over {settings.steps} steps"
    why += f"; a view spends at most {seconds(cost.budget)}"
    if fits >= size:
        if solo:
            st.caption(f"{why} on such runs: these {shown(size)} take about {seconds(cost.seconds)}.")
        return size
    if fits >= least:
        st.caption(f"{why}, so this {'map' if view == 'basins' else 'swarm'} has {shown(fits)} "
                   f"(you chose {size if view == 'swarm' else f'{size} × {size}'}); fewer steps in the sidebar "
                   f"give it more.")
        return fits
    st.warning(f"{why}: even {shown(least)} would take about "
               f"{seconds(cost.fixed + cost.per_run * (least * least if view == 'basins' else least))}. "
               f"Choose fewer steps in the sidebar (now {settings.steps}){_cheaper(optimizer)}, or another "
               f"{'optimizer' if solo else 'optimizer or a simpler formula'}.", icon="⏱️")
    return None


def _swarm_view(settings: Settings) -> None:
    a, b, c = st.columns([1, 2, 1], vertical_alignment="bottom")
    with a:
        optimizer = _optimizer_choice(settings, "swarm_optimizer")
    b.slider("Balls", 10, MAX_SWARM, key="swarm_size", step=10)
    c.number_input("Seed", 0, 10_000, key="swarm_seed", help="Which random starts.")
    state = st.session_state
    size, seed = _sized(settings, optimizer, int(state.swarm_size), "swarm"), int(state.swarm_seed)
    if size is None:
        return
    view, (settings, optimizer, size, *_) = finished_or_last_good(
        "swarm", swarm_view, (settings, optimizer, size, seed, _look()))
    mountain_view(view.payload, _on_start_click, key=VIEW_KEY, rate_key="lr")
    labels = view.ends.labels
    known = sum(view.ends.known)
    shares = {"reach a global minimum": np.mean((labels >= 0) & (labels < known)),
              "stop on another flat spot": np.mean(labels >= known),
              "are still moving": np.mean(labels == STILL_ROLLING), "fly off": np.mean(labels == DIVERGED)}
    st.markdown(f"Of {size} **{get_optimizer(optimizer).label}** balls {_at_rate(get_optimizer(optimizer), settings.lr)}: "
                + ", ".join(f"**{percent(share)}** {what}" for what, share in shares.items() if share) + ". "
                "Each ball is coloured by where it ends; the chart shows the spread of their losses.")


def _race_view(settings: Settings) -> None:
    a, b = st.columns(2, vertical_alignment="bottom")
    a.selectbox("Balls per optimizer", RACE_BALLS, key="race_balls",
                help="How many seeded starts each optimizer races from (the same starts for all).")
    b.number_input("Seed", 0, 10_000, key="race_seed", help="Which random starts; tuning uses the next seed's.")
    state = st.session_state
    # every entrant's balls are timed first (the race's plain loop) and budgeted together: each of its
    # batches at its own size for those one instance moves (core.race.race_batches), solo runs across the
    # rates for those that are not elementwise
    balls = int(state.race_balls)
    wanted = len(TUNING_RATES) * DEFAULT_TUNING_BALLS + balls
    # the race's own plain loop at its own rates: the scene's learning rate plays no part (nor its moves)
    probes = TUNING_RATES[::len(TUNING_RATES) // 3]
    plain = replace(settings, lr=probes[1], zero_grad=True, hyperparameters=(), schedule="constant", clip_norm=None)
    taken, refused = _within_budget([
        race_cost(plain, name, balls) if get_optimizer(name).batches
        else solo_cost(plain, name, wanted, probes, _centre(settings)) for name in settings.optimizers])
    solo = [cost for cost in taken if not get_optimizer(cost.optimizer).batches]
    if solo:
        st.caption(f"{_labels(solo)}: one optimizer instance per ball ({wanted} runs each, one after another, "
                   f"about {seconds(sum(cost.seconds for cost in solo))} of CPU).")
    if refused:
        kept = sum(cost.seconds for cost in taken)
        added = f"add about {seconds(sum(cost.seconds for cost in refused))} of CPU to the race's {seconds(kept)}"
        if not taken:
            added = f"take about {seconds(sum(cost.seconds for cost in refused))} of CPU"
        st.warning(f"Left out: {_labels(refused)}. Timed first, their balls would {added} "
                   f"({_counts(refused)} balls each, about {_per_ball(refused)} a ball here), and a view "
                   f"spends at most {seconds(VIEW_BUDGET_S)}. Choose fewer steps in the sidebar or fewer optimizers, "
                   f"or run `python -m core race --optimizers {' '.join(c.optimizer for c in refused)} …` (the CLI "
                   "has no such limit).", icon="⏱️")
    chosen = [name for name in settings.optimizers if name not in {cost.optimizer for cost in refused}]
    if not chosen:
        return
    race, _ = finished_or_last_good("race", race_of, (settings, tuple(chosen), balls, int(state.race_seed)))
    ranked, tuned = st.columns([2, 3])
    ranked.plotly_chart(race_bars(race), config=PLOTLY_CONFIG, key="race_chart")
    tuned.plotly_chart(race_tuning(race), config=PLOTLY_CONFIG, key="race_tuning")
    st.markdown(_race_table(race), unsafe_allow_html=True)
    rates = race.rates
    st.caption(
        f"**The rules.** Budget: every optimizer tries the same {len(rates)} learning rates, {number(rates[0])} to "
        f"{number(rates[-1])}, each on {race.tuning_balls} starts drawn with seed {race.tuning_seed} (the tuning chart; ringed: the rate it "
        f"races at); it races at "
        f"{race.criterion}. Race: {race.balls} starts drawn with seed {race.seed}, {race.steps} steps, "
        f"zero_grad() every step, no schedule. A ball *reaches* when its loss ends within {race.tolerance:g} of "
        "the way from its start's loss to the global minimum's. Ranked by the share that reach, then the median "
        "steps and loss evaluations to get there, then the median final loss. Newton's method takes no "
        "learning rate (it also computes the Hessian every step). The same seeds give the same table, bit for bit.")


RACE_COLUMNS = ("#", "optimizer", "learning rate", "reached", "median steps", "median loss evaluations",
                "median final loss")
# a plain table, not st.dataframe: that loads pandas and pyarrow into the server (+73 MB for good)
RACE_TABLE_CSS = ("<style>.lm-race-table { overflow-x: auto; } .lm-race-table table { border-collapse: collapse; "
                  "font-size: 0.88rem; font-variant-numeric: tabular-nums; } .lm-race-table th, .lm-race-table td "
                  "{ padding: 0.25rem 0.7rem; border-bottom: 1px solid #e6e9ef; text-align: right; white-space: nowrap; } "
                  ".lm-race-table th { color: #5a6170; font-weight: 600; } .lm-race-table td:nth-child(2), "
                  ".lm-race-table th:nth-child(2) { text-align: left; }</style>")


def _race_rows(race) -> list[tuple[str, ...]]:
    return [(str(e.rank), get_optimizer(e.optimizer).label, number(e.lr), percent(e.reached),
             "—" if e.median_steps is None else number(e.median_steps),
             "—" if e.median_evaluations is None else number(e.median_evaluations),
             number(e.final_loss)) for e in race.entrants]


def _race_table(race) -> str:
    """The ranking as an HTML table, every cell escaped."""
    head = "".join(f"<th>{html.escape(name)}</th>" for name in RACE_COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in _race_rows(race))
    return f"{RACE_TABLE_CSS}<div class='lm-race-table'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def many_page() -> None:
    """Many descents at once, from the sidebar's scene."""
    state = st.session_state
    state.page = "many"
    for key, value in DEFAULTS.items():
        state.setdefault(key, value)
    page_under_controls(_title, _views, lr_picture)


def _title(settings: Settings) -> None:
    st.markdown(f"### 🐝 Many balls at once · {mountain_of(settings).title}")


def _views(settings: Settings) -> None:
    """The chosen view of many descents under the controls."""
    mode = st.segmented_control("View", list(MODES), key="many_mode", format_func=MODES.get, required=True,
                                label_visibility="collapsed")
    if mode != "sweep" and not settings.optimizers:
        st.caption("No optimizer is chosen in the sidebar: pick one here.")
    if mode in ("sweep", "race") and not settings.optimizers:
        st.info("Pick at least one optimizer in the sidebar to "
                + ("sweep its learning rate." if mode == "sweep" else "race it."))
        return
    try:
        {"sweep": _sweep_view, "basins": _basins_view, "swarm": _swarm_view,
         "race": _race_view}[mode or "sweep"](settings)
    except LossMountainError as error:
        st.error(f"That setting does not work here: {error}", icon="⚠️")

