"""Every page driven through seeded random sequences of widget changes, as a restless learner would:
no uncaught exception ever reaches the page (issue 14)."""

import random

import pytest

from tests.pages import open_page

PAGES = [("app.explorer", "explorer_page"), ("app.explorer", "formula_page"), ("app.fog_chapters", "fog_page"),
         ("app.many", "many_page"), ("app.data_page", "data_page"), ("app.network", "network_page")]
# text a learner (or a cat on the keyboard) might type into a text box
TEXTS = ["x^2 + y^2", "sin(x)*cos(y)", "", "x^", "1e309*x", "log(x)+y^2", "((((x))))", "max(x, y)", "9^9^9"]
GESTURES = 8
SEQUENCES = 3


def _number_label(label: str) -> float | None:
    try:
        return float(label.replace("−", "-"))
    except ValueError:
        return None


def _gesture(app, rng: random.Random) -> str:
    """One random change to one widget on the page, by its own kind's rules; returns what was done.
    (AppTest shows a select slider's, a multiselect's and a button group's options as their labels:
    those are set by value where the value can be told from the label, or through session state.)"""
    kinds = [("slider", app.slider), ("select_slider", app.select_slider), ("selectbox", app.selectbox),
             ("toggle", app.toggle), ("checkbox", app.checkbox), ("number_input", app.number_input),
             ("text_input", app.text_input), ("button", app.button)]
    widgets = [(kind, widget) for kind, found in kinds for widget in found if not getattr(widget, "disabled", False)]
    keyed = [key for key in ("optimizers", "many_mode") if key in app.session_state]
    widgets += [("state", key) for key in keyed]
    kind, widget = rng.choice(widgets)
    if kind == "state":
        if widget == "optimizers":
            from core.optimizers import every_optimizer

            value = rng.sample(sorted(every_optimizer()), rng.randint(0, 4))
        else:
            from app.many import MODES

            value = rng.choice(list(MODES))
        app.session_state[widget] = value
        return f"{widget} = {value}"
    if kind == "slider":
        low, high = widget.min, widget.max
        value = rng.choice([low, high, low + (high - low) * rng.random()])
        if isinstance(widget.value, (tuple, list)):
            value = tuple(sorted((value, rng.uniform(low, high))))
        widget.set_value(value)
    elif kind == "select_slider":
        values = [_number_label(label) for label in widget.options]
        if None in values:
            return "nothing (a select slider of words)"
        if isinstance(widget.value, (tuple, list)):
            widget.set_value(tuple(sorted(rng.sample(values, 2))))
        else:
            widget.set_value(rng.choice(values))
    elif kind == "selectbox":
        widget.select_index(rng.randrange(len(widget.options)))
    elif kind in ("toggle", "checkbox"):
        widget.set_value(not widget.value)
    elif kind == "number_input":
        low = widget.min if widget.min is not None else -1e6
        high = widget.max if widget.max is not None else 1e6
        widget.set_value(rng.choice([low, high, (low + high) / 2]))
    elif kind == "text_input":
        widget.input(rng.choice(TEXTS))
    else:
        widget.click()
    return f"{kind} {getattr(widget, 'key', None) or getattr(widget, 'label', '')} = {getattr(widget, 'value', '')}"


@pytest.mark.parametrize("module, function", PAGES, ids=[function for _, function in PAGES])
def test_random_gestures_never_reach_the_page_as_an_exception(module, function):
    for sequence in range(SEQUENCES):
        rng = random.Random(f"{function}-{sequence}")
        app = open_page(module, function)
        done = []
        for _ in range(GESTURES):
            done.append(_gesture(app, rng))
            app.run(timeout=120)
            assert not app.exception, (done, [e.value for e in app.exception])
