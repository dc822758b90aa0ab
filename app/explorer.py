"""The explorer page: pick a mountain and optimizers, watch the balls roll, then look closer."""

from __future__ import annotations

import math

import streamlit as st

from core import LossMountainError, get_optimizer
from core.budget import VIEW_BUDGET_S, seconds
from core.custom import SURFACE_NAME
from core.sweep import LR_LADDER
from core.status import LABELS
from core.verdict import DOES
from core.wording import number, steps as count_steps

from app.controls import controls_init, move_start, nearest_lr, on_surface_change, page_under_controls
from app.costs import ladder_seconds
from app.fog_chapters import walk_page
from app.lessons import code_tab, curvature_tab, lr_picture, paper_tab, step_controls, step_panel, zero_grad_tab
from app.mountains import mountain_of
from app.mountain_view import clicked_lr, clicked_start, mountain_view
from app.memo import MAX_ENTRY_BYTES
from app.scene import ladder_bytes, ladder_on_demand, ladder_too_big, scene_runs, scene_verdicts, view_payload
from app.settings import Settings
from app.share import share_tab


def _on_start_click() -> None:
    point = clicked_start()
    if point is not None:
        move_start(*point)


def _on_rate_pick() -> None:
    """The view's learning-rate preview was let go at a rate: the slider takes it."""
    lr = clicked_lr()
    if lr is not None:
        st.session_state.lr = nearest_lr(lr)


# a status as a badge colour (Streamlit's Markdown colour names)
BADGES = {"converged": "green", "creeping": "blue", "bouncing": "orange", "stuck": "violet",
          "diverged": "red", "off_domain": "gray", "schedule_ran_out": "gray"}
CAUSE_NAMES = {"zero_grad": "missing zero_grad()", "lr": "learning rate too big", "domain": "undefined formula",
               "schedule": "schedule ran down", "steps": "too few steps", "start": "start on a ridge",
               "terrain": "flat ground"}


def badges(result) -> str:
    """A verdict's status, and its cause, as Markdown badges."""
    text = f":{BADGES[result.status]}-badge[{LABELS[result.status]}]"
    return text + (f" :gray-badge[cause: {CAUSE_NAMES[result.cause]}]" if result.cause else "")


def _zero_grad_note(runs, results) -> None:
    """With zero_grad() off: what happened to each ball, from the verdicts and their counterfactuals."""
    said = "; ".join(f"**{get_optimizer(run.optimizer).label}** {_short(result)}" for run, result in zip(runs, results))
    st.info(
        "**`optimizer.zero_grad()` is switched off**, so each `loss.backward()` *adds* to `p.grad`: every "
        "step uses the sum of all the gradients so far (drawn tip to tail at each ball on the map). "
        + (f"Here: {said}. " if said else "") + "The faint dashed balls do it right.",
        icon="🧭",
    )


def _short(result) -> str:
    """A few words on a ball without zero_grad(): what it does, and what zero_grad() would change."""
    words = DOES[result.status]
    if result.cause == "zero_grad" and result.evidence is not None:
        fixed = result.evidence
        return words + " — with zero_grad() it " + (
            f"converges in {fixed.converged_at} steps" if fixed.converged_at is not None else DOES[fixed.status])
    if result.status == "converged":
        return "still " + words
    return words + f" — zero_grad() alone would not change that ({CAUSE_NAMES[result.cause]})" if result.cause else words


def leaders(runs, results, count: int = 3) -> str:
    """The first `count` finishers: the balls that converged, soonest first, then the others by lowest
    final loss (a ball that flew off last), as one Markdown line."""
    def order(pair):
        run, result = pair
        final = result.final_loss if result.final_loss is not None and run.diverged_at is None else math.inf
        return (result.converged_at is None, result.converged_at or 0, final)

    named = []
    for run, result in sorted(zip(runs, results), key=order)[:count]:
        how = (f"converged in {count_steps(result.converged_at)}" if result.converged_at is not None
               else f"loss {number(result.final_loss)}" if result.final_loss is not None and run.diverged_at is None
               else DOES[result.status])
        named.append(f"**{get_optimizer(run.optimizer).label}** ({how})")
    return "🏁 Leading: " + " · ".join(f"{k}. {name}" for k, name in enumerate(named, 1))


def _outcomes_ui(runs, results, so_far: int | None = None) -> None:
    """One line per ball: its status and cause as badges, then the verdict's sentence; with many
    balls, the leaders first."""
    if len(runs) >= 4:
        st.markdown(leaders(runs, results))
    lines = []
    for run, result in zip(runs, results):
        spec = get_optimizer(run.optimizer)
        dot = f"<span style='color:{spec.color}'>●</span>"
        lines.append(f"{dot} **{spec.label}** {badges(result)} {result.sentence}")
    if so_far is not None:
        st.caption(f"So far, after {so_far} of {runs[0].steps if runs else 0} steps:")
    st.markdown("  \n".join(lines), unsafe_allow_html=True)


def _about() -> None:
    st.markdown(
        "- **The mountain** is the loss surface: its height at (x, y) is the loss when the "
        "two weights are x and y. Golden diamonds mark the lowest points.\n"
        "- **Each ball** runs the training loop `zero_grad() → loss = f(p) → "
        "loss.backward() → step()` with a real `torch.optim` optimizer, from the white start.\n"
        "- **The gradient** is the compass: it points uphill, so each step moves against it. "
        "The **learning rate** is the stride: too small and the ball crawls; too big and it "
        "leaps over the valley, or off the mountain altogether.\n"
        "- **The charts** show the loss and the length of `p.grad` at every step on log scales "
        "(a straight descent there means the loss shrinks by the same factor each step; a typed mountain "
        "with no minimum in its window charts the loss itself), and the learning rate per step when a "
        "schedule changes it."
    )


def formula_page() -> None:
    """The explorer on a mountain of the user's own formula (the page "Type a mountain")."""
    state = st.session_state
    if state.get("page") != "formula":
        # arriving here: switch to the typed formula, with a start and stride that suit it
        state.page = "formula"
        controls_init()
        state.surface = SURFACE_NAME
        on_surface_change()
    _explorer()


def explorer_page() -> None:
    st.session_state.page = "explorer"
    _explorer()


TABS = ("📐 Curvature: why too big is too big", "🐍 Show me the code", "📜 Paper vs PyTorch",
        "🧭 Forgot zero_grad()?", "🔗 Share and download", "❔ What am I looking at?")
FORGOT_TAB = TABS[3]


def _explorer() -> None:
    page_under_controls(_title, _scene, lr_picture)


def _why_no_preview(settings: Settings) -> str:
    """Why a scene whose balls roll together has no ladder: its cost or its size ("" where it has one)."""
    dear = ladder_seconds(settings) if settings.optimizers else 0.0
    if dear > VIEW_BUDGET_S:
        return f"take about {seconds(dear)} of CPU (a view spends at most {seconds(VIEW_BUDGET_S)})"
    if ladder_too_big(settings):
        return (f"hold about {ladder_bytes(settings) / 2**20:.0f} MB on a server that keeps at most "
                f"{MAX_ENTRY_BYTES / 2**20:.0f} MB for one result")
    return ""


def _title(settings: Settings) -> None:
    """The page's header: the mountain's name, what the page is, and the way into the walk."""
    st.markdown(f"### ⛰️ Loss Mountain · {mountain_of(settings).title}")
    st.caption("The height is the loss; each ball is a real `torch.optim` optimizer rolling downhill. "
               "Drag the learning rate and the start; turn the mountain with the mouse.")
    # short enough for one line on a phone: a page link does not wrap
    st.page_link(walk_page(), label="New here? Walk into the fog · 5 min", icon="🌫️",
                 help="Feel your way down a hidden mountain, one real SGD step at a time")


def _scene(settings: Settings) -> None:
    """Everything under the controls: the view, the verdicts and the tabs."""
    state = st.session_state
    try:
        # step by step shows optimizer.state, which only a torch.optim pass records
        runs = scene_runs(settings, state=bool(state.step_mode))
    except LossMountainError as error:
        st.error(f"That setting does not work: {error}. Showing the last good scene.", icon="⚠️")
        settings, runs = state.get("last_good", (settings, ()))
    else:
        state.last_good = (settings, runs)
    step = step_controls(settings) if state.step_mode and runs else None
    if not settings.optimizers:
        st.info("Pick at least one optimizer in the sidebar to roll a ball down this mountain.")
    # the note above the view is written once the verdicts exist: the view goes out first, as soon
    # as its scene does (the verdicts' few milliseconds come after the first frame, not before)
    note = st.container() if not settings.zero_grad else None
    look = "contrast" if state.contrast else "standard"
    payload = view_payload(settings, step, bool(step is not None and state.step_future), look)
    if step is None:
        # the ladder travels only to a browser that reaches for the view's learning-rate preview
        mountain_view(payload, on_start_click=_on_start_click, on_lr_click=_on_rate_pick,
                      on_demand=ladder_on_demand(settings), rate_key="lr")
        unkept = _why_no_preview(settings)
        if unkept:
            st.caption(f"No learning-rate preview for this scene: its paths at the slider's {len(LR_LADDER)} "
                       f"rates would {unkept}, so each move of the slider rolls the balls anew. Fewer "
                       "optimizers or steps bring it back.")
    else:
        view, panel = st.columns([3, 1])
        with view:
            mountain_view(payload, on_start_click=_on_start_click, rate_key="lr")
        with panel:
            step_panel(runs, step)
    results = scene_verdicts(settings, step) if runs and step != 0 else ()
    if note is not None:
        with note:
            _zero_grad_note(runs, results)
    if step == 0:
        st.caption("Press **Step ▶** to take the first step; the verdicts follow the balls.")
    else:
        _outcomes_ui(runs, results, step)
    # the open tab is kept across reruns, and only its content is computed
    curvature, code, paper, forgot, share, about = st.tabs(TABS, key="explorer_tab", on_change="rerun")
    if curvature.open:
        with curvature:
            curvature_tab(settings, runs, step)
    if code.open:
        with code:
            code_tab(settings)
    if paper.open:
        with paper:
            paper_tab(settings)
    if forgot.open:
        with forgot:
            zero_grad_tab(settings, runs, results if step is None else scene_verdicts(settings))
    if share.open:
        with share:
            share_tab(settings, runs)
    if about.open:
        with about:
            _about()
