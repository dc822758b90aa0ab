"""How the figures look: the standard look, and a high-contrast one for projectors.

A projector washes out light, low-contrast colours: the high-contrast look spans the whole range
from white valleys to near-black peaks, draws darker contour lines, thicker paths and bigger
balls and text. The optimizers keep their colours in both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Look:
    """name: "standard" or "contrast". terrain: a Plotly colourscale, light valleys to dark peaks."""

    name: str
    terrain: tuple[tuple[float, str], ...]
    contour_line: str
    path_width: float  # on the map; the 3-D paths are drawn three times as wide
    ball_radius: int  # pixels, on the map
    font_size: int

    @property
    def font(self) -> dict:
        return dict(family="Inter, system-ui, sans-serif", size=self.font_size)

    @property
    def colorscale(self) -> list[list]:
        return [[at, color] for at, color in self.terrain]


STANDARD = Look(
    "standard",
    terrain=((0.0, "#f7fbff"), (0.12, "#deebf7"), (0.3, "#c6dbef"), (0.5, "#a9bfd4"),
             (0.7, "#8c9fb5"), (0.85, "#6f7f94"), (1.0, "#4e5b6e")),
    contour_line="rgba(60,70,90,0.35)", path_width=2, ball_radius=7, font_size=12,
)
CONTRAST = Look(
    "contrast",
    terrain=((0.0, "#ffffff"), (0.15, "#e8e8e8"), (0.35, "#bdbdbd"), (0.55, "#8a8a8a"),
             (0.75, "#555555"), (1.0, "#1c1c1c")),
    contour_line="rgba(0,0,0,0.75)", path_width=3.5, ball_radius=9, font_size=15,
)
LOOKS = {look.name: look for look in (STANDARD, CONTRAST)}
