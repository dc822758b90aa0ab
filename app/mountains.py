"""The mountain a scene stands on: a built-in surface, or the user's typed formula."""

from __future__ import annotations

import functools

from core import Surface, get_surface
from core.custom import SURFACE_NAME, formula_surface

from app.settings import Settings


# a plain memo, not st.cache_resource: a scene asks for its mountain dozens of times a rerun, and
# Streamlit's cache hashes its arguments on every call (about 2 ms a start move, python -m bench.interaction)
@functools.lru_cache(maxsize=64)
def mountain(surface: str, formula: str = "", bounds: tuple | None = None) -> Surface:
    """The Surface by name, or built from a formula when the name is "custom" (raises LossMountainError)."""
    if surface == SURFACE_NAME:
        return formula_surface(formula, bounds)
    return get_surface(surface)


def mountain_of(settings: Settings) -> Surface:
    return mountain(settings.surface, settings.formula, settings.bounds)
