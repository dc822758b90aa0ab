"""The lesson's magic button: `loss.backward()` at one place on a mountain, as the learner's own
lines of PyTorch and what they print there (chapter 4 of the walk in the fog)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .descent import check_point
from .errors import LossMountainError
from .surfaces import Point, Surface


@dataclass(frozen=True)
class ButtonPress:
    """What pressing the button at `point` gave: the loss and coeffs.grad (as the lesson's float32
    tensor holds them), the lines that do it (runnable as they stand), and what their two print()
    calls print."""

    surface: str
    point: Point
    loss: float
    grad: Point
    code: str
    printed_loss: str
    printed_grad: str

    @property
    def tilt(self) -> float:
        """|coeffs.grad|: how steep the ground is there."""
        return math.hypot(*self.grad)


def _literal(value: float) -> str:
    return repr(float(value))


def press_button(surface: Surface, point: Sequence[float]) -> ButtonPress:
    """The lesson's lines at `point` (x, y), run: a leaf tensor that requires grad, the loss,
    backward(), and coeffs.grad."""
    # the lesson unpacks x, y = coeffs: a formula written in the whole vector p does not fit
    if not surface.code or re.search(r"\bp\b", surface.code):
        raise LossMountainError(f"{surface.title} has no formula in x and y to show")
    x, y = check_point(point)
    # exactly what the shown lines do: a float32 tensor, as torch.tensor makes from Python floats
    coeffs = torch.tensor([x, y], requires_grad=True)
    loss = surface(coeffs)
    if not torch.isfinite(loss):
        raise LossMountainError(f"the loss of {surface.title} at ({x:g}, {y:g}) is not a number")
    loss.backward()
    # each comment on a line of its own: the lines stay short enough to read on a phone
    code = "\n".join([
        "import torch",
        "",
        "# where you stand: x and y",
        f"coeffs = torch.tensor([{_literal(x)}, {_literal(y)}], requires_grad=True)",
        "x, y = coeffs",
        "# how high the ground is there",
        f"loss = {surface.code}",
        "# the magic button: it fills coeffs.grad",
        "loss.backward()",
        "print(loss)",
        "# the compass: it points uphill",
        "print(coeffs.grad)",
    ])
    grad = coeffs.grad
    return ButtonPress(surface.name, (x, y), float(loss.detach()), (float(grad[0]), float(grad[1])), code,
                       str(loss), str(grad))
