"""Numbers written for people: three significant digits, no "e+02", no "−0"."""

from __future__ import annotations

import math

MINUS = "−"


def number(value: float, digits: int = 3) -> str:
    """`value` to `digits` significant digits: 410, 0.0243, 1.5e−7; powers of ten only when tiny or huge."""
    if value is None or not math.isfinite(value):
        return {math.inf: "∞", -math.inf: MINUS + "∞"}.get(value, "undefined")
    if value == 0:
        return "0"
    rounded = float(f"{value:.{digits - 1}e}")  # 9.996 becomes 10.0 before its size is read
    magnitude = math.floor(math.log10(abs(rounded)))
    if -4 <= magnitude < 6:
        decimals = max(digits - 1 - magnitude, 0)
        text = f"{rounded:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        text = _sci(rounded, digits)
    return text.replace("-", MINUS)


def _sci(value: float, digits: int) -> str:
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa}e{int(exponent)}".replace("-", MINUS)


def point(xy, digits: int = 3, scale: float = 0.0) -> str:
    """(x, y) with each coordinate as number() writes it; a coordinate within a millionth of
    `scale` (the map's size) of 0, or rounding noise, reads 0."""
    return "(" + ", ".join(number(_snap(float(v), scale), digits) for v in xy) + ")"


def ratio(value: float) -> str:
    """A multiple for people: 410×, 1.03×, 0.41×."""
    return number(value) + "×"


def share_of(factor: float, whose: str = "yours") -> str:
    """A learning rate as a multiple of another: "4× yours", "1/64 of yours"."""
    if 0 < factor < 1 and abs(1 / factor - round(1 / factor)) < 1e-9:
        return f"1/{round(1 / factor)} of {whose}"
    return f"{number(factor, 2)}× {whose}"


def steps(count: int) -> str:
    return f"{count:,} step" + ("" if count == 1 else "s")


def _snap(value: float, scale: float = 0.0) -> float:
    # −0.0 and a hair's breadth from zero are zero
    return 0.0 if abs(value) < max(5e-13, 1e-6 * scale) else value


def quoted(text: str, limit: int = 40) -> str:
    """Someone's text for a sentence shown as Markdown: a code span, so it is shown as typed and never
    becomes a link, an image or markup (its backticks and line breaks replaced), at most `limit` characters."""
    shown = text if len(text) <= limit else text[:limit] + "…"
    return "`" + shown.replace("`", "'").replace("\n", " ").replace("\r", " ") + "`"
