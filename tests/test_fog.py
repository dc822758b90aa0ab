"""core.fog: the walk is the lesson's loop with torch.optim.SGD, and the fog lifts exactly where the
walker has stood."""

import numpy as np
import pytest
import torch

from core import LossMountainError, get_surface
from core.fog import CABIN_TOLERANCE, FADE, MAX_WALK, at_cabin, uncovered, walk


def _plain_loop(surface, start, strides, by_hand=False):
    """The training loop, written out: coeffs, loss, backward, a step, zero the grad; the step by
    torch.optim.SGD, or by hand as the lesson writes it (`coeffs -= coeffs.grad * lr`)."""
    coeffs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([coeffs], lr=0.1)
    places, grads = [], []
    for stride in [*strides, None]:
        loss = surface(coeffs)
        loss.backward()
        places.append(coeffs.detach().clone().numpy())
        grads.append(coeffs.grad.detach().clone().numpy())
        if stride is None:
            break
        if by_hand:
            with torch.no_grad():
                coeffs -= coeffs.grad * stride
        else:
            optimizer.param_groups[0]["lr"] = stride
            optimizer.step()
        coeffs.grad.zero_()
    return np.array(places), np.array(grads)


@pytest.mark.parametrize("name, start, strides", [
    ("bowl", (1.5, -1.0), [0.1] * 12),
    ("himmelblau", (0.0, 0.0), [0.01, 0.02, 0.005, 0.015, 0.01]),
    ("rosenbrock", (-1.0, 1.5), [0.001] * 30),
])
def test_a_walk_is_the_lessons_loop_step_for_step(name, start, strides):
    surface = get_surface(name)
    taken = walk(surface, start, strides)
    places, grads = _plain_loop(surface, start, strides)
    np.testing.assert_array_equal(taken.positions, places)
    np.testing.assert_array_equal(taken.grads, grads)
    np.testing.assert_array_equal(taken.losses, [float(surface(torch.tensor(p))) for p in places])
    assert taken.steps == len(strides) and taken.strides == tuple(strides) and not taken.flown_off
    assert taken.here == tuple(places[-1]) and taken.compass == tuple(grads[-1])
    # the lesson's hand-written step agrees to rounding (torch.optim fuses the multiply and the add)
    np.testing.assert_allclose(taken.positions, _plain_loop(surface, start, strides, by_hand=True)[0],
                               rtol=1e-12, atol=1e-12)


def test_the_compass_points_uphill():
    # the bowl x² + y² (its formula in core.surfaces): ∇f = (2x, 2y), away from the bottom
    taken = walk(get_surface("bowl"), (1.0, -2.0), [])
    assert taken.steps == 0
    assert taken.compass == pytest.approx((2.0, -4.0))


def test_a_walk_that_flies_off_stops_at_its_last_finite_place():
    surface = get_surface("himmelblau")
    taken = walk(surface, (0.0, 0.0), [0.5] * 40)
    assert taken.flown_off
    assert taken.steps < 40 and np.isfinite(taken.positions).all() and np.isfinite(taken.losses).all()
    np.testing.assert_array_equal(taken.positions, _plain_loop(surface, (0.0, 0.0), [0.5] * taken.steps)[0])


def test_a_walk_checks_what_it_is_given():
    surface = get_surface("bowl")
    with pytest.raises(LossMountainError, match="learning rate"):
        walk(surface, (1.0, 1.0), [0.1, -0.1])
    with pytest.raises(LossMountainError, match="at most"):
        walk(surface, (1.0, 1.0), [0.1] * (MAX_WALK + 1))
    with pytest.raises(LossMountainError, match="start"):
        walk(surface, (float("nan"), 1.0), [0.1])


def test_the_cabin_is_reached_when_the_loss_gap_has_shrunk_enough():
    bowl = get_surface("bowl")  # minimum 0 at the origin; from (1, 0) the gap starts at 1
    # plain GD at stride 0.25 on x²: x halves each step, the gap is 4^-k
    steps = int(np.ceil(np.log(1 / CABIN_TOLERANCE) / np.log(4)))
    assert not at_cabin(bowl, walk(bowl, (1.0, 0.0), [0.25] * (steps - 1)))
    assert at_cabin(bowl, walk(bowl, (1.0, 0.0), [0.25] * steps))


def test_the_fog_lifts_around_every_place_stood_and_fades_at_the_edge():
    xs = np.linspace(-2, 2, 41)  # steps of 0.1
    ys = np.linspace(-1, 1, 21)
    shown = uncovered(xs, ys, np.array([[0.0, 0.0], [1.0, 0.5]]), radius=0.5)
    assert shown.shape == (21, 41)
    row, col = lambda y: int(round((y + 1) / 0.1)), lambda x: int(round((x + 2) / 0.1))
    assert shown[row(0.0), col(0.0)] == 1.0 and shown[row(0.5), col(1.0)] == 1.0
    # distance 0.4 from a place: (0.5 - 0.4) / (FADE · 0.5)
    assert shown[row(0.0), col(0.4)] == pytest.approx((0.5 - 0.4) / (FADE * 0.5))
    # at the radius and beyond: hidden
    assert shown[row(0.0), col(-0.5)] == 0.0 and shown[row(-1.0), col(-2.0)] == 0.0
    # exactly the points within the radius of some place are uncovered at all
    gx, gy = np.meshgrid(xs, ys)
    near = (np.hypot(gx, gy) < 0.5) | (np.hypot(gx - 1.0, gy - 0.5) < 0.5)
    np.testing.assert_array_equal(shown > 0, near)
    with pytest.raises(LossMountainError, match="radius"):
        uncovered(xs, ys, np.zeros((1, 2)), radius=0)
