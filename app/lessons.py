"""The lessons under the view: one step up close, curvature, the code, and the zero_grad bug."""

from __future__ import annotations

import shlex

import numpy as np
import streamlit as st

from core import Run, get_optimizer
from core.codegen import training_script
from core.curvature import nearest_minimum, stability_sentence
from core.accumulation import north_and_south, pile
from core.paper import RULES
from core.paper_figures import paper_figure
from core.schedules import SCHEDULES
from core.steps import step_numbers
from core.wording import number, point

from app.controls import classic_mistake_preset
from app.mountains import mountain_of
from app.mountain_view import PLOT_CONFIG
from app.scene import accumulation, curvature, lr_scale, paper_comparison, stability_limit
from app.settings import Settings

# how each optimizer turns p.grad (g) into the step it takes, with PyTorch's names for its state
UPDATE_RULES = {
    "sgd": "update = −lr · g",
    "momentum": "momentum_buffer ← μ · momentum_buffer + g,  update = −lr · momentum_buffer",
    "nesterov": "momentum_buffer ← μ · momentum_buffer + g,  update = −lr · (g + μ · momentum_buffer)",
    "adagrad": "sum ← sum + g²,  update = −lr · g / (√sum + eps)",
    "rmsprop": "square_avg ← α · square_avg + (1 − α) · g²,  update = −lr · g / (√square_avg + eps)",
    "adam": "exp_avg ← β1 · exp_avg + (1 − β1) · g,  exp_avg_sq ← β2 · exp_avg_sq + (1 − β2) · g²,  "
            "update = −lr · m̂ / (√v̂ + eps), m̂ and v̂ corrected for their start at 0",
    "adamw": "first p ← p − lr · weight_decay · p, then the Adam step",
    "adadelta": "square_avg ← ρ · square_avg + (1 − ρ) · g²,  delta = √(acc_delta + eps) / √(square_avg + eps) · g,  "
                "acc_delta ← ρ · acc_delta + (1 − ρ) · delta²,  update = −lr · delta",
    "adamax": "exp_avg ← β1 · exp_avg + (1 − β1) · g,  exp_inf ← max(β2 · exp_inf, |g| + eps),  "
              "update = −lr / (1 − β1ᵗ) · exp_avg / exp_inf",
    "asgd": "eta = lr / (1 + λ · lr · t)^α,  p ← p · (1 − λ · eta) − eta · g,  ax: the average of p from step t0 on",
    "nadam": "Adam's moments;  update = −lr · [(1 − μₜ) / (1 − Πμ) · g + μₜ₊₁ / (1 − Πμ · μₜ₊₁) · exp_avg] / (√v̂ + eps), "
             "with μₜ = β1 · (1 − ½ · 0.96^(t · momentum_decay))",
    "radam": "Adam's moments;  while the rectification ρₜ ≤ 5: update = −lr · m̂ (momentum SGD);  "
             "after: update = −lr · m̂ · rₜ / (√v̂ + eps)",
    "rprop": "same sign of g as last step: step_size ← min(step_size · η+, largest);  flipped: step_size ← "
             "max(step_size · η−, smallest) and g ← 0;  update = −step_size · sign(g)",
    "lbfgs": "d = −H · g, H estimated from the last history_size steps (two-loop recursion);  p ← p + lr · d, "
             "repeated up to max_iter times in one step, each evaluating the loss through the closure",
    "newton": "H = ∇²f(p),  λ = damping − (smallest eigenvalue of H) where that is below damping, else 0,  "
              "update = −(H + λI)⁻¹ · g",
}
# the explorer's tab for the zero_grad() lesson: the classic-mistake button opens the scene on it
FORGOT_TAB = "🧭 Forgot zero_grad()?"


def lr_picture(settings: Settings) -> None:
    """Under the learning-rate slider: the regimes around 2/λmax, and one sentence."""
    limit = stability_limit(settings)
    st.html(lr_scale(settings.lr, limit))
    caveat = ("" if settings.zero_grad else " With zero_grad() forgotten this no longer holds: plain SGD's "
              "summed gradients overshoot at any learning rate.")
    st.caption(stability_sentence(settings.lr, limit, mountain_of(settings).no_minimum).replace("Your learning rate", "Your lr")
               + " (The limit is for plain SGD near the minimum closest to the start.)" + caveat)


def _scene_key(settings: Settings) -> str:
    return repr(settings)


def step_controls(settings: Settings) -> int:
    """Reset / Step buttons above the view; returns the step on show."""
    state = st.session_state
    if state.get("step_scene") != _scene_key(settings):
        # a session's first scene keeps the step its link names (a page back from a replica that
        # died); a new scene starts at step 0
        first = "step_scene" not in state
        state.step_scene, state.step = _scene_key(settings), min(state.get("step", 0), settings.steps) if first else 0
    k = state.step

    def move(to: int) -> None:
        state.step = min(max(to, 0), settings.steps)

    reset, step, ten, where, ahead = st.columns([1, 1, 1, 2.2, 1.6], vertical_alignment="center")
    reset.button("⏮ Reset", on_click=move, args=(0,), width="stretch", disabled=k == 0)
    step.button("Step ▶", on_click=move, args=(k + 1,), width="stretch", type="primary",
                disabled=k >= settings.steps)
    ten.button("10 steps ⏭", on_click=move, args=(k + 10,), width="stretch", disabled=k >= settings.steps)
    where.markdown(f"**Step {k} of {settings.steps}** · the paths so far; the arrows show the step that "
                   f"leaves position {k}.")
    ahead.toggle("Show the rest of each path", key="step_future",
                 help="Draw where each ball will go, faintly: the future the ball cannot see.")
    return k


def _pair(values) -> str:
    return point(values, digits=4)


def step_panel(runs: tuple[Run, ...], k: int) -> None:
    """The numbers of step k for each run, beside the view."""
    st.markdown(f"##### Step {k}")
    st.html("<style>.lm-step-numbers { font-size: 0.82rem; width: 100%; border-collapse: collapse; }"
            ".lm-step-numbers td { padding: 0.15rem 0.4rem; border-bottom: 1px solid #e6e9ef; }"
            ".lm-step-numbers td:first-child { color: #5a6170; white-space: nowrap; }</style>")
    st.caption("⬛ black arrow: the compass, `p.grad`, pointing uphill (drawn at a fixed length).  \n"
               "Coloured arrow: the step the optimizer actually took, against it.")
    for run in runs:
        spec = get_optimizer(run.optimizer)
        numbers = step_numbers(run, k)
        st.markdown(f"<span style='color:{spec.color}'>●</span> **{spec.label}**", unsafe_allow_html=True)
        if numbers is None:
            st.caption(f"No step {k}: the run ended at step {len(run.positions) - 1}"
                       + ("" if run.diverged_at is None else " (it diverged)") + ".")
            continue
        rows = [
            ("position", _pair(numbers.position)), ("loss", number(numbers.loss, 6)),
            ("p.grad", _pair(numbers.grad)), ("lr", number(numbers.lr, 4)),
            ("update", _pair(numbers.update)), ("new position", _pair(numbers.new_position)),
            ("new loss", number(numbers.new_loss, 6)),
        ]
        if numbers.evaluations != 1:
            rows.append(("loss evaluations", f"{numbers.evaluations} (closure calls in this step)"))
        rows += [(key, _pair(value) if len(value) == 2 else number(value[0], 6))
                 for key, value in numbers.state.items()]
        cells = "".join(f"<tr><td>{name}</td><td>{value}</td></tr>" for name, value in rows)
        st.markdown(f"<table class='lm-step-numbers'>{cells}</table>", unsafe_allow_html=True)
        went_up = numbers.new_loss > numbers.loss
        rule = UPDATE_RULES.get(run.optimizer, f"its rule: `{spec.class_path}`'s step (pytorch-optimizer's code)")
        st.caption(rule + (
            f"  \n**The loss went up** (from {number(numbers.loss)} to {number(numbers.new_loss)}): "
            "this step carried the ball uphill." if went_up else ""))


def paper_tab(settings: Settings) -> None:
    """One rule as its paper writes it beside torch.optim's, and both balls from the scene's start."""
    chosen = [name for name in settings.optimizers if name in RULES]
    names = chosen + [name for name in RULES if name not in chosen]
    optimizer = st.selectbox("Optimizer", names, key="paper_optimizer", format_func=lambda n: get_optimizer(n).label)
    rule = RULES[optimizer]
    left, right = st.columns(2)
    left.markdown(f"**The paper** · {rule.source}")
    left.latex(rule.paper)
    right.markdown("**PyTorch** · `torch.optim." + get_optimizer(optimizer).cls.__name__ + "`")
    right.latex(rule.pytorch)
    scheduled = settings.schedule != "constant"
    stepped = scheduled or st.toggle("Under a step schedule (StepLR)", key="paper_schedule",
                                     help="The learning rate drops tenfold partway: where the two rules part.")
    schedule = settings.schedule if scheduled else ("step" if stepped else "constant")
    surface = mountain_of(settings)
    found = paper_comparison(settings, optimizer, schedule)
    st.plotly_chart(paper_figure(surface, found), key="paper_chart", config=PLOT_CONFIG)
    where = f"with the {SCHEDULES[schedule].label.lower()} schedule" if schedule != "constant" else "at a constant rate"
    if found.relative <= 1e-9:  # rounding: the two rules are the same arithmetic in another order
        agree = "exactly" if found.relative == 0 else f"to {min(15, int(-np.log10(found.relative)))} digits"
        said = f"Here, {where}, they are the same path: the balls agree {agree} at every step."
    else:
        said = (f"Here, {where}, they part: the balls are {number(found.largest)} apart at step {found.largest_at} "
                f"and {number(found.final)} apart at the last step both took.")
    # a ball that flew off: said, since the distances above only cover the steps both balls took
    ends = {who: len(path) - 1 for who, path in (("PyTorch's", found.pytorch), ("the paper's", found.paper))
            if len(path) <= settings.steps}
    if len(ends) == 2 and len(set(ends.values())) == 1:
        said += f" Both balls leave the finite numbers after step {next(iter(ends.values()))}."
    elif ends:
        gone = "; ".join(f"{who} ball leaves the finite numbers after step {k}" for who, k in ends.items())
        said += f" {gone[0].upper()}{gone[1:]}."
    st.markdown(f"{said} They differ {rule.differs}.")
    st.caption(f"Both from ({number(settings.start[0])}, {number(settings.start[1])}) at lr {number(settings.lr)} "
               f"for {settings.steps} steps with {get_optimizer(optimizer).label}'s settings; the paper's rule is a "
               "plain loop in `core.paper`, PyTorch's the real `torch.optim` class.")


def _curvature_lines(title: str, at, found) -> list[str]:
    """What the curvature tab says of one place: its Hessian, eigenvalues, shape and limit."""
    lines = [f"**{title}** {_pair(at)}"]
    if not found.defined:
        return lines + ["The surface has a sharp tip here: no Hessian (the curvature is undefined)."]
    h = found.hessian
    lines.append(r"$$H = \begin{pmatrix} %.4g & %.4g \\ %.4g & %.4g \end{pmatrix}$$"
                 % (h[0, 0], h[0, 1], h[1, 0], h[1, 1]))
    low, high = found.eigenvalues
    lines.append(f"Eigenvalues λ = {number(low, 4)}, {number(high, 4)}.")
    if low < 0 < high:
        lines.append("It curves up one way and down the other: saddle-shaped here.")
    elif high <= 0:
        lines.append("It curves down every way: shaped like a hilltop here.")
    if found.stability_limit is not None:
        lines.append(f"Stability limit for plain SGD here: 2/λmax = **{number(found.stability_limit, 4)}**.")
    return lines


def curvature_tab(settings: Settings, runs: tuple[Run, ...], k: int | None) -> None:
    surface = mountain_of(settings)
    ball = tuple(runs[0].positions[min(k, len(runs[0].positions) - 1)]) if runs and k is not None \
        else settings.start
    minimum = nearest_minimum(surface, ball)
    where = f"the ball at step {k}" if runs and k is not None else "the start"
    left, right = st.columns(2)
    places = [(left, f"At {where}", ball), (right, "At the nearest minimum", minimum)]
    if surface.no_minimum:
        right.markdown(f"**No minimum in this window:** {surface.no_minimum}, so there is no valley floor "
                       "whose curvature sets a stability limit.")
        places = places[:1]
    for column, title, at in places:
        # one Markdown element per place (its matrix in KaTeX): every element is a message each rerun
        column.markdown("\n\n".join(_curvature_lines(title, at, curvature(settings, (float(at[0]), float(at[1]))))))
    st.info(stability_sentence(settings.lr, stability_limit(settings), surface.no_minimum), icon="📐")
    with st.expander("The maths"):
        st.markdown(
            "Near a minimum the loss is a bowl: f(p) ≈ f(p*) + ½ (p − p*)ᵀ H (p − p*). One plain "
            "gradient step is p ← p − lr·H(p − p*), so along each eigenvector of H the distance to the "
            "minimum is multiplied by (1 − lr·λ). It shrinks only while |1 − lr·λ| < 1, that is "
            "0 < lr < 2/λ. The steepest direction, λmax, sets the limit: past lr = 2/λmax the ball "
            "overshoots a little more on every bounce. Between 1/λmax and 2/λmax it overshoots but "
            "settles (the zig-zag); below 1/λmax it creeps in without crossing the floor."
        )


def code_tab(settings: Settings) -> None:
    if not settings.optimizers:
        st.caption("Choose an optimizer to see its training loop.")
        return
    surface = mountain_of(settings)
    optimizer = st.selectbox("Optimizer", settings.optimizers, key="code_optimizer",
                             format_func=lambda name: get_optimizer(name).label) \
        if len(settings.optimizers) > 1 else settings.optimizers[0]
    script = training_script(surface, optimizer, settings.lr, settings.start, settings.steps,
                             settings.zero_grad, hyperparameters=settings.overrides(optimizer),
                             schedule=settings.schedule, clip_norm=settings.clip_norm)
    st.caption("The exact PyTorch script for what you see: run it and it prints the same path, "
               "step by step. The copy button is at the top right of the code.")
    st.code(script, language="python")
    st.download_button("Download the script", script, file_name=f"loss_mountain_{optimizer}.py",
                       mime="text/x-python", key="download_script")
    mountain_flags = ["--surface", surface.name] if settings.bounds is None else [
        "--expr", settings.formula, "--bounds", *(repr(v) for pair in settings.bounds for v in pair)]
    flags = [*mountain_flags, "--optimizer", optimizer, "--lr", repr(settings.lr),
             "--start", *map(repr, settings.start), "--steps", str(settings.steps)]
    if not settings.zero_grad:
        flags.append("--no-zero-grad")
    if settings.schedule != "constant":
        flags += ["--schedule", settings.schedule]
    if settings.clip_norm is not None:
        flags += ["--clip-norm", repr(settings.clip_norm)]
    for name, value in settings.overrides(optimizer).items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            flags.append(flag if value else "--no-" + flag[2:])
        elif value is None or isinstance(value, str):  # a choice (L-BFGS's line search), as the CLI spells it
            flags += [flag, str(value).lower()]
        else:
            flags += [flag, *map(repr, value if isinstance(value, tuple) else (value,))]
    st.caption("The same from the command line (`descend` prints the path, `code` this script):")
    st.code("python -m core code " + shlex.join(flags), language="bash")


CLASSIC_LOOP = '''for step in range(200):
    loss = f(coeffs)
    loss.backward()                # adds this gradient to coeffs.grad
    with torch.no_grad():
        coeffs -= coeffs.grad * lr
    # coeffs.grad.zero_()          # forgotten: the next backward() adds on top
'''


def _load_classic_mistake() -> None:
    classic_mistake_preset()
    st.session_state.explorer_tab = FORGOT_TAB  # stay on this tab after the scene changes


def zero_grad_tab(settings: Settings, runs: tuple[Run, ...], results) -> None:
    st.markdown(
        "`loss.backward()` does not *replace* `p.grad`: it **adds** the new gradient to whatever is "
        "there. That is why every training loop calls `optimizer.zero_grad()` first — it wipes the "
        "compass clean. Forget it, and after n steps `p.grad` holds the sum of all n gradients: the "
        "compass points where the ball *was* as well as where it *is*.")
    left, right = st.columns(2)
    left.button("Show the classic mistake", on_click=_load_classic_mistake, width="stretch",
                help="Plain SGD on a round bowl, written as coeffs -= coeffs.grad * lr without "
                     "coeffs.grad.zero_()")
    if settings.zero_grad:
        right.button("Forget zero_grad() here", on_click=st.session_state.update,
                     kwargs={"forget_zero_grad": True}, width="stretch")
        st.caption("Switch it on to see the buggy balls beside faint ghosts that do it right.")
        return
    st.markdown("The faint dashed balls are the same optimizers **with** `zero_grad()`: the ghosts "
                "of what should have happened. On the map, the thin line at each ball is every compass "
                "arrow it has felt, laid tip to tail; the coloured arrow is their sum, `p.grad`. Below, "
                "solid lines are the |p.grad| each step used; dotted lines the fresh gradient |∇f| at the ball.")
    st.plotly_chart(accumulation(settings), key="accumulation", config=PLOT_CONFIG)
    surface = mountain_of(settings)
    st.markdown("**Does the ball get stuck, pulled north and south at once?** The lesson says it would. "
                "Here is what each ball really did:")
    for run, result in zip(runs, results):
        spec = get_optimizer(run.optimizer)
        st.markdown(f"<span style='color:{spec.color}'>●</span> **{spec.label}** "
                    f"{north_and_south(surface, run, result, pile(surface, run))}", unsafe_allow_html=True)
    st.markdown("Plain SGD without `zero_grad()` is exactly the classic hand-written loop:")
    st.code(CLASSIC_LOOP, language="python")
