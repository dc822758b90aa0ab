"""Chapter "the magic button": the lesson's lines at a place print exactly what they say, and the
compass drawn is that coeffs.grad."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from core import LossMountainError, get_surface
from core.button_figures import button_figures, slice_figure
from core.grid import surface_grid
from core.magic_button import press_button

from app.fog import FOG_MOUNTAINS


@pytest.mark.parametrize("name", FOG_MOUNTAINS)
def test_the_lines_shown_print_what_the_page_says_they_print(name):
    press = press_button(get_surface(name), (1.25, -0.5))
    printed = subprocess.run([sys.executable, "-c", press.code], capture_output=True, text=True, check=True).stdout
    assert printed == f"{press.printed_loss}\n{press.printed_grad}\n"
    assert "coeffs = torch.tensor([1.25, -0.5], requires_grad=True)" in press.code


def test_the_numbers_are_a_float32_backward_at_the_place():
    press = press_button(get_surface("himmelblau"), (0.0, 0.0))
    # by hand: f = (x² + y − 11)² + (x + y² − 7)²; at (0, 0): 121 + 49, ∇f = (4x(x²+y−11) + 2(x+y²−7), 2(x²+y−11) + 4y(x+y²−7))
    assert press.loss == 170.0
    assert press.grad == (-14.0, -22.0)
    assert press.printed_grad == "tensor([-14., -22.])"
    assert press.tilt == pytest.approx(np.hypot(14, 22))


def test_a_formula_in_the_whole_vector_or_a_bad_place_is_refused_with_a_reason():
    with pytest.raises(LossMountainError, match="no formula in x and y"):
        press_button(get_surface("rastrigin"), (0.0, 0.0))
    with pytest.raises(LossMountainError, match="finite"):
        press_button(get_surface("bowl"), (float("nan"), 0.0))
    with pytest.raises(LossMountainError, match="two numbers"):
        press_button(get_surface("bowl"), "here")


def test_the_map_draws_the_compass_along_coeffs_grad_and_labels_it_with_the_printout():
    surface = get_surface("rosenbrock")
    press = press_button(surface, (-1.0, 2.0))
    figures = button_figures(surface, surface_grid(surface), press)
    arrows = figures["map"]["layout"]["annotations"]
    (compass,) = [a for a in arrows if a.get("showarrow")]  # no step arrow: this chapter takes no step
    drawn = np.array([compass["x"] - compass["ax"], compass["y"] - compass["ay"]])
    grad = np.array(press.grad)
    assert (compass["ax"], compass["ay"]) == press.point
    np.testing.assert_allclose(drawn / np.linalg.norm(drawn), grad / np.linalg.norm(grad), rtol=1e-12)
    (label,) = [a for a in arrows if (a.get("meta") or {}).get("role") == "grad_label"]
    assert label["text"] == f"black arrow, coeffs.grad =<br>{press.printed_grad}"
    # the whole mountain: the fog is lifted in this chapter
    assert any(t["type"] == "surface" for t in figures["mountain"]["data"])


def test_the_slice_is_the_ground_along_the_compass_and_its_slope_at_the_feet_is_the_tilt():
    surface = get_surface("camel")
    press = press_button(surface, (0.5, 0.5))
    figure = slice_figure(surface, press)
    ground, tangent, you = figure["data"]
    along = np.asarray(ground["x"])
    direction = np.array(press.grad) / press.tilt
    expected = surface(torch.tensor(np.asarray(press.point) + along[:, None] * direction)).numpy()
    np.testing.assert_allclose(ground["y"], expected)
    np.testing.assert_allclose(np.diff(tangent["y"]) / np.diff(along), press.tilt)
    # the ground's own slope at the feet (a central difference) is that tilt
    middle = len(along) // 2
    assert along[middle] == 0 and you["y"] == [press.loss]
    slope = (expected[middle + 1] - expected[middle - 1]) / (along[middle + 1] - along[middle - 1])
    assert slope == pytest.approx(press.tilt, rel=1e-3)


def test_at_a_minimum_the_slice_says_there_is_no_compass_to_follow():
    surface = get_surface("himmelblau")
    press = press_button(surface, (3.0, 2.0))
    assert press.tilt == 0
    figure = slice_figure(surface, press)
    assert figure["layout"]["xaxis"]["title"]["text"] == "distance along x (flat here: the compass points nowhere)"
    np.testing.assert_allclose(figure["data"][1]["y"], 0.0)  # the tangent is flat
