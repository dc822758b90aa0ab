"""Chapter "the zero_grad mystery": a walk without coeffs.grad.zero_() is plain PyTorch's, its
compass is the sum of every place's own, and the map lays those tip to tail up to its tip."""

import numpy as np
import torch

from core import get_surface
from core.fog import walk
from core.fog_figures import fog_ground
from core.grid import surface_grid
from core.zero_grad_figures import RECENT_ARROWS, chain, chain_scale, summed_loss_figure, summed_map_figure

HIMMELBLAU = get_surface("himmelblau")


def _plain_loop(surface, start, strides, zero_grad):
    """The lesson's loop written out, with or without the wipe."""
    coeffs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([coeffs], lr=1.0)
    positions, grads = [], []
    for k in range(len(strides) + 1):
        if zero_grad:
            optimizer.zero_grad()
        surface(coeffs).backward()
        positions.append(coeffs.detach().clone().numpy())
        grads.append(coeffs.grad.clone().numpy())
        if k < len(strides):
            optimizer.param_groups[0]["lr"] = strides[k]
            optimizer.step()
    return np.array(positions), np.array(grads)


def test_a_walk_without_zero_grad_is_plain_torch_optim_and_its_compass_sums_every_place():
    strides = [0.01] * 6
    taken = walk(HIMMELBLAU, (0.0, 0.0), strides, zero_grad=False)
    positions, grads = _plain_loop(HIMMELBLAU, (0.0, 0.0), strides, zero_grad=False)
    np.testing.assert_array_equal(taken.positions, positions)
    np.testing.assert_array_equal(taken.grads, grads)
    assert not taken.zero_grad
    # each place's own gradient, by hand: ∇f = (4x(x²+y−11) + 2(x+y²−7), 2(x²+y−11) + 4y(x+y²−7))
    x, y = taken.positions.T
    by_hand = np.column_stack((4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7), 2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)))
    np.testing.assert_allclose(taken.fresh, by_hand, rtol=1e-12)
    np.testing.assert_allclose(taken.grads, np.cumsum(taken.fresh, axis=0), rtol=1e-12)
    # with the wipe, the compass is the place's own
    right = walk(HIMMELBLAU, (0.0, 0.0), strides)
    np.testing.assert_array_equal(right.grads, right.fresh)
    np.testing.assert_array_equal(right.positions, _plain_loop(HIMMELBLAU, (0.0, 0.0), strides, zero_grad=True)[0])


def test_the_chain_lays_every_places_compass_tip_to_tail_to_the_tip_of_coeffs_grad():
    taken = walk(HIMMELBLAU, (0.0, 0.0), [0.01] * 20, zero_grad=False)
    vectors, merged = chain(taken)
    assert len(vectors) == RECENT_ARROWS + 1 and merged.tolist() == [True] + [False] * RECENT_ARROWS
    np.testing.assert_allclose(vectors[0], taken.fresh[:9].sum(axis=0))
    np.testing.assert_allclose(vectors.sum(axis=0), taken.grads[-1], rtol=1e-10)

    grid = surface_grid(HIMMELBLAU)
    right = walk(HIMMELBLAU, (0.0, 0.0), taken.strides)
    ground = fog_ground(HIMMELBLAU, grid, taken, 1.0)
    plan = summed_map_figure(HIMMELBLAU, grid, taken, ground, 0.01, right)
    arrows = plan["layout"]["annotations"]
    laid, compass, step = arrows[:-2], arrows[-2], arrows[-1]
    assert len(laid) == len(vectors)
    # tip to tail from the walker ...
    assert (laid[0]["ax"], laid[0]["ay"]) == taken.here
    for before, after in zip(laid, laid[1:]):
        assert (after["ax"], after["ay"]) == (before["x"], before["y"])
    # ... ending where the black compass (coeffs.grad, at the same scale) ends
    scale = chain_scale(HIMMELBLAU, taken)
    np.testing.assert_allclose([laid[-1]["x"], laid[-1]["y"]], [compass["x"], compass["y"]], rtol=1e-9)
    np.testing.assert_allclose([compass["x"], compass["y"]], np.array(taken.here) + scale * taken.grads[-1])
    # the step follows the sum, at its true length
    np.testing.assert_allclose([step["x"], step["y"]], np.array(taken.here) - 0.01 * taken.grads[-1])
    (dashed,) = [t for t in plan["data"] if (t.get("meta") or {}).get("role") == "right_walk"]
    np.testing.assert_array_equal(np.column_stack((dashed["x"], dashed["y"])), right.positions)


def test_the_loss_chart_sets_the_walk_beside_the_same_walk_done_right():
    taken = walk(HIMMELBLAU, (0.0, 0.0), [0.01] * 8, zero_grad=False)
    right = walk(HIMMELBLAU, (0.0, 0.0), taken.strides)
    figure = summed_loss_figure(HIMMELBLAU, taken, right)
    done_right, yours = figure["data"]
    np.testing.assert_array_equal(done_right["y"], right.losses)
    np.testing.assert_array_equal(yours["y"], taken.losses)
    assert yours["name"] == "your walk, without zero_()" and figure["layout"]["showlegend"]
