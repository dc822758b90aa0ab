"""The link is the state: every control as a URL query parameter.

A session that opens a link reads it once, before any widget exists: each parameter is checked
against what its control accepts, and whatever is unknown or out of range falls back to its
default with a notice. After every run the URL is rewritten from the controls, so the address bar
always holds a link that reproduces the view.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core import OPTIMIZERS, LossMountainError, get_surface
from core.custom import DEFAULT_BOUNDS, SURFACE_NAME
from core.data_fit import MODELS
from core.optimizers import HYPERPARAMETERS, PLAIN_STEP, TUNABLE, check_hyperparameters, every_optimizer
from core.fog import MAX_WALK
from core.seeded import MAX_SEED
from core.schedules import SCHEDULES
from core.wording import quoted

from app.controls import (BOUND_KEYS, LR_OPTIONS, MAX_APP_STEPS, MOUNTAIN_CHOICES, control_defaults, nearest_lr,
                          placed)
from app.mountains import mountain
from app.tuning import EPS_OPTIONS, SCHEDULE_DEFAULTS, hyperparameter_key

# the scene itself always travels in the link, even at its defaults, so a link reads on its own
ALWAYS = ("surface", "optimizers", "lr", "start_x", "start_y", "steps")
MAX_SHOWN = 40  # characters of a bad value quoted back in a notice


@dataclass(frozen=True)
class Field:
    """How one control travels: `parse` turns the URL text into its value (ValueError says why)."""

    parse: Callable[[str], Any]
    text: Callable[[Any], str]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value == int(value) and abs(value) < 1e15 else repr(value)
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    return str(value)


def choice(options) -> Field:
    options = tuple(options)

    def parse(raw: str) -> Any:
        for option in options:
            if raw == _text(option):
                return option
        listed = ", ".join(_text(o) for o in options[:12]) + (", …" if len(options) > 12 else "")
        raise ValueError(f"is not one of {listed}")

    return Field(parse, _text)


def number(low: float, high: float, *, whole: bool = False, step: float | None = None) -> Field:
    def parse(raw: str) -> Any:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("is not a number") from None
        if not math.isfinite(value):
            raise ValueError("is not a finite number")
        if not low <= value <= high:
            raise ValueError(f"is outside {low:g} … {high:g}")
        if step is not None:
            value = low + round((value - low) / step) * step
        if whole:
            if value != int(value):
                raise ValueError("is not a whole number")
            return int(value)
        return value

    return Field(parse, _text)


def flag() -> Field:
    def parse(raw: str) -> bool:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError("is not 1 or 0")

    return Field(parse, _text)


def rate() -> Field:
    """A learning rate: any number on the slider's range, moved to the slider's nearest stop."""
    low, high = LR_OPTIONS[0], LR_OPTIONS[-1]
    inner = number(low, high)
    return Field(lambda raw: nearest_lr(inner.parse(raw)), _text)


def rates(most: int) -> Field:
    """A list of learning rates (a walk's strides), each moved to the slider's nearest stop."""
    one = rate()

    def parse(raw: str) -> list[float]:
        parts = [part for part in raw.split(",") if part.strip()]
        if len(parts) > most:
            raise ValueError(f"holds more than {most} steps")
        return [one.parse(part.strip()) for part in parts]

    return Field(parse, _text)


def moves(most: int, lengths: tuple[float, ...]) -> Field:
    """A walk by hand: "heading:length" pairs (whole degrees 0 … 359; a length of the chapter's
    slider), kept as [[heading, length], …]."""

    def parse(raw: str) -> list[list[float]]:
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        if len(parts) > most:
            raise ValueError(f"holds more than {most} steps")
        taken = []
        for part in parts:
            heading, _, length = part.partition(":")
            try:
                move = [float(int(heading)), float(length)]
            except (ValueError, OverflowError):  # a heading of 400 digits is no float either
                raise ValueError("is not a list of heading:length steps") from None
            if not 0 <= move[0] < 360 or move[1] not in lengths:
                raise ValueError(f"has a step {_text(move[0])}:{_text(move[1])} that no click could take")
            taken.append(move)
        return taken

    return Field(parse, lambda value: ",".join(f"{_text(h)}:{_text(length)}" for h, length in value))


def names(options) -> Field:
    def parse(raw: str) -> list[str]:
        chosen = [name.strip() for name in raw.split(",") if name.strip()]
        unknown = [name for name in chosen if name not in options]
        if unknown:
            listed = ", ".join(options) if len(options) <= 20 else "them (`python -m core optimizers` lists every one)"
            # the name as typed, in a code span: a link's text never becomes the page's own words or links
            raise ValueError(f"names {_quoted(unknown[0])}, not one of {listed}")
        return [name for name in options if name in chosen]  # the sidebar's order, no repeats

    return Field(parse, _text)


def text(limit: int) -> Field:
    def parse(raw: str) -> str:
        if len(raw) > limit:
            raise ValueError(f"is longer than {limit} characters")
        if not raw.isprintable():
            raise ValueError("holds characters that cannot be typed")
        return raw

    return Field(parse, _text)


def _hyperparameter_fields() -> dict[str, Field]:
    fields = {}
    for name, spec in OPTIMIZERS.items():
        for h in spec.hyperparameters():
            if h.kind == "switch":
                fields[hyperparameter_key(name, h.name)] = flag()
            elif h.name == "eps":
                fields[hyperparameter_key(name, h.name)] = choice(EPS_OPTIONS)
            elif h.kind == "choice":
                fields[hyperparameter_key(name, h.name)] = choice(h.choices)
            elif h.kind == "pair":
                for part, (_, low, high) in enumerate(h.parts):
                    fields[hyperparameter_key(name, h.name, part)] = number(low, high)
            else:
                fields[hyperparameter_key(name, h.name)] = number(*h.bounds, whole=h.kind == "whole")
    return fields


def _page_fields() -> dict[str, Field]:
    # imported here: the pages import app.controls, which this module also needs first
    from app.data_page import MODE_LABELS
    from app.fog import FOG_MOUNTAINS, RADII
    from app.fog_chapters import CHAPTER_NAMES
    from app.fog_optimizer import HAND_LENGTHS
    from app.many import BASIN_RESOLUTIONS, MAX_SWARM, MODES, RACE_BALLS, SWEEP_COUNTS, TOLERANCES

    return {
        "many_mode": choice(MODES), "sweep_low": rate(), "sweep_high": rate(), "sweep_count": choice(SWEEP_COUNTS),
        "sweep_tolerance": choice(TOLERANCES), "basin_optimizer": choice(list(every_optimizer())),
        "basin_resolution": choice(BASIN_RESOLUTIONS), "basin_jumps": flag(), "swarm_optimizer": choice(list(every_optimizer())),
        "swarm_size": number(10, MAX_SWARM, whole=True, step=10), "swarm_seed": number(0, 10_000, whole=True),
        "race_balls": choice(RACE_BALLS), "race_seed": number(0, 10_000, whole=True),
        "data_model": choice(MODELS), "data_optimizer": choice(PLAIN_STEP), "data_lr": rate(),
        "data_steps": number(10, 2000, whole=True, step=10), "data_batch": choice((0, 1, 2, 4, 8, 16, 32)),
        "data_mode": choice(MODE_LABELS), "data_centre": flag(), "data_pair": choice(("a, b", "a, c", "b, c")),
        "data_seed": number(0, 10_000, whole=True),
        "net_optimizer": choice(PLAIN_STEP), "net_lr": rate(), "net_steps": number(10, 2000, whole=True, step=10),
        "net_directions": choice(("pca", "random")), "net_resolution": choice(range(11, 82, 2)),
        "net_seed": number(0, 10_000, whole=True),
        "fog_surface": choice(FOG_MOUNTAINS), "fog_stride": rate(), "fog_radius": choice(RADII),
        "fog_lifted": flag(), "fog_x": number(-1e6, 1e6), "fog_y": number(-1e6, 1e6), "fog_walk": rates(MAX_WALK),
        "fog_chapter": choice(CHAPTER_NAMES), "fog_button_x": number(-1e6, 1e6), "fog_button_y": number(-1e6, 1e6),
        "fog_zeroing": flag(), "fog_sum_walk": rates(MAX_WALK), "fog_rate_blue": rate(), "fog_rate_green": rate(),
        "fog_rate_red": rate(), "fog_rate_x": number(-5, 5), "fog_rate_y": number(-5, 5),
        "fog_seed": number(0, MAX_SEED, whole=True), "fog_hand_length": choice(HAND_LENGTHS),
        "fog_hand": moves(MAX_WALK, HAND_LENGTHS), "fog_hand_lifted": flag(),
    }


@functools.cache  # the same for every run: built once (it was a seventh of a learning-rate move's CPU)
def fields() -> dict[str, Field]:
    """Every control that travels in a link, by its session-state key (also its URL name)."""
    return {
        "surface": choice(MOUNTAIN_CHOICES), "formula": text(300),
        **{key: number(-1e6, 1e6) for key in BOUND_KEYS},
        "optimizers": names(list(every_optimizer())), "lr": rate(),
        "start_x": number(-1e6, 1e6), "start_y": number(-1e6, 1e6),
        "steps": number(1, MAX_APP_STEPS, whole=True), "forget_zero_grad": flag(), "step_mode": flag(),
        "step": number(0, MAX_APP_STEPS, whole=True), "step_future": flag(), "contrast": flag(), "presenter": flag(),
        "schedule": choice(SCHEDULES), "clip": flag(), "clip_norm": number(0.001, 1000.0),
        **_hyperparameter_fields(), **_page_fields(),
    }


def defaults() -> dict[str, Any]:
    """What a fresh session shows: a link leaves out whatever equals it."""
    return dict(_defaults())


@functools.cache
def _defaults() -> dict[str, Any]:
    from app.data_page import DATA_DEFAULTS
    from app.fog import fog_defaults
    from app.many import DEFAULTS as MANY_DEFAULTS
    from app.network import NETWORK_DEFAULTS

    values = {**control_defaults(), **SCHEDULE_DEFAULTS, **MANY_DEFAULTS, **DATA_DEFAULTS, **NETWORK_DEFAULTS,
              **fog_defaults(), "presenter": False}
    for name, spec in OPTIMIZERS.items():
        for setting, value in spec.defaults().items():
            if HYPERPARAMETERS[setting].kind == "pair":
                for part in (0, 1):
                    values[hyperparameter_key(name, setting, part)] = value[part]
            else:
                values[hyperparameter_key(name, setting)] = value
    return values


def _quoted(raw: str) -> str:
    return quoted(raw, MAX_SHOWN)


def read_link(params: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The session values a link asks for, checked; and a notice for each part that was refused."""
    known = fields()
    values: dict[str, Any] = {}
    notices: list[str] = []
    for key, raw in params.items():
        field = known.get(key)
        if field is None:
            notices.append(f"{_quoted(key)} is not a setting here")
            continue
        try:
            values[key] = field.parse(raw)
        except ValueError as error:
            notices.append(f"{_quoted(key)}: {_quoted(raw)} {error}")
    _check_scene(values, notices)
    return values, notices


def _check_scene(values: dict[str, Any], notices: list[str]) -> None:
    """The checks that span several controls: the typed mountain, the start, the hyperparameters."""
    fresh = control_defaults()
    surface_name = values.get("surface", fresh["surface"])
    if surface_name == SURFACE_NAME:
        formula = values.get("formula", fresh["formula"])
        bounds = tuple(values.get(key, fresh[key]) for key in BOUND_KEYS)
        pairs = (bounds[:2], bounds[2:])
        try:
            surface = mountain(SURFACE_NAME, formula, pairs)
        except LossMountainError as error:
            notices.append(f"the formula or its bounds do not work ({error}); showing the default formula")
            for key in ("formula", *BOUND_KEYS):
                values.pop(key, None)
            surface = mountain(SURFACE_NAME, fresh["formula"], DEFAULT_BOUNDS)
        else:
            values["good_custom"] = (formula, pairs)
    else:
        surface = get_surface(surface_name)
    values.setdefault("lr", nearest_lr(surface.lr))
    (x0, x1), (y0, y1) = surface.bounds
    x, y = values.get("start_x", surface.start[0]), values.get("start_y", surface.start[1])
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        notices.append(f"the start ({x:g}, {y:g}) is off this mountain; starting at its usual start")
        x, y = surface.start
    values["start_x"], values["start_y"] = placed(x, x0, x1), placed(y, y0, y1)
    for name, spec in OPTIMIZERS.items():
        overrides = {setting: values[hyperparameter_key(name, setting)] for setting in TUNABLE[spec.cls]
                     if hyperparameter_key(name, setting) in values}
        for setting in TUNABLE[spec.cls]:
            if HYPERPARAMETERS[setting].kind == "pair" and any(
                    hyperparameter_key(name, setting, p) in values for p in (0, 1)):
                pair = spec.defaults()[setting]
                overrides[setting] = tuple(values.get(hyperparameter_key(name, setting, p), pair[p]) for p in (0, 1))
        try:
            check_hyperparameters(spec, overrides)
        except LossMountainError as error:
            notices.append(f"{spec.label}'s settings do not work together ({error}); using its defaults")
            for key in [key for key in values if key.startswith(f"hp:{name}:")]:
                del values[key]
    if not values.get("step_mode"):
        values.pop("step", None)  # a step means something only step by step
    _check_walk(values, notices)
    if values.get("sweep_low", 0) >= values.get("sweep_high", math.inf):
        notices.append("the sweep's lowest learning rate must be below its highest; using the default range")
        values.pop("sweep_low"), values.pop("sweep_high")


def _check_walk(values: dict[str, Any], notices: list[str]) -> None:
    """A walk in the fog from a link: its start on its mountain, and a walk that can be taken."""
    from app.fog import fog_defaults

    fresh = fog_defaults(values.get("fog_surface"))
    surface = get_surface(fresh["fog_surface"])
    if any(key in values for key in ("fog_x", "fog_y")):
        (x0, x1), (y0, y1) = surface.bounds
        x, y = values.get("fog_x", fresh["fog_x"]), values.get("fog_y", fresh["fog_y"])
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            notices.append(f"the walk's start ({x:g}, {y:g}) is off this mountain; starting at its usual start")
            x, y = fresh["fog_x"], fresh["fog_y"]
        values["fog_x"], values["fog_y"] = round(x, 2), round(y, 2)
    if any(key in values for key in ("fog_button_x", "fog_button_y")):
        (x0, x1), (y0, y1) = surface.bounds
        x, y = values.get("fog_button_x"), values.get("fog_button_y")
        if x is None or y is None or not (x0 <= x <= x1 and y0 <= y <= y1):
            notices.append("the magic button's place is off this mountain (or half given); pressing it where you stand")
            values["fog_button_x"], values["fog_button_y"] = None, None
        else:
            values["fog_button_x"], values["fog_button_y"] = round(x, 2), round(y, 2)
    if "fog_surface" in values:
        for key, value in fresh.items():
            values.setdefault(key, value)


def write_link(state: Mapping[str, Any]) -> dict[str, str]:
    """The query parameters for the controls in `state`: the scene, and every other setting that
    differs from a fresh session's."""
    fresh = defaults()
    params = {}
    for key, field in fields().items():
        if key not in state:
            continue
        value = state[key]
        if key in ALWAYS or value != fresh.get(key):
            params[key] = field.text(value)
    if state.get("surface") != SURFACE_NAME:
        for key in ("formula", *BOUND_KEYS):
            params.pop(key, None)
    if not state.get("step_mode"):
        params.pop("step", None)
    return params

