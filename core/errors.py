"""The one error type for problems a user can fix (bad names, bad numbers)."""

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


class LossMountainError(ValueError):
    """A problem with the user's input, with a message a learner understands."""


def lookup(registry: Mapping[str, T], name: str, kind: str) -> T:
    """registry[name], or a LossMountainError naming the valid choices."""
    try:
        return registry[name]
    except (KeyError, TypeError):
        raise LossMountainError(
            f"unknown {kind} {name!r}; choose one of: {', '.join(registry)}"
        ) from None
