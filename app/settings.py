"""What the controls say, as one hashable value that cached core calls take."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Settings:
    """One scene: the mountain, the optimizers and everything that shapes their runs.

    hyperparameters: per optimizer, only the settings that differ from its defaults,
    as nested (name, value) pairs so the value stays hashable.
    """

    surface: str
    optimizers: tuple[str, ...]
    lr: float
    start: tuple[float, float]
    steps: int
    zero_grad: bool = True
    hyperparameters: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    schedule: str = "constant"
    clip_norm: float | None = None
    formula: str = ""  # with surface "custom": the typed f(x, y) and its bounds
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None

    def overrides(self, optimizer: str) -> dict[str, Any]:
        """The hyperparameters changed for `optimizer`."""
        return dict(dict(self.hyperparameters).get(optimizer, ()))

    def options(self) -> dict[str, Any]:
        """Keyword options for core.descend_many."""
        return dict(
            hyperparameters={name: dict(pairs) for name, pairs in self.hyperparameters},
            schedule=self.schedule, clip_norm=self.clip_norm,
        )

    def with_zero_grad(self) -> Settings:
        """The same scene with zero_grad() called: the ghosts beside a forgetful run."""
        return replace(self, zero_grad=True)


# st.cache_data / st.cache_resource hash a Settings by its repr (every field, floats exactly): their
# own hashing (dataclasses.asdict, then each value) took 0.15 ms a call, about ten calls a rerun
HASHED_BY_REPR = {Settings: repr}
