"""The landscape of a real network: filter normalisation, the grid's centre, projections."""

import numpy as np
import pytest
import torch

from core import LossMountainError
from core.landscape import filter_normalized_direction, landscape, make_mlp, two_moons, _loss, _unflatten


def test_two_moons_is_seeded_and_balanced():
    points, labels = two_moons(n=100, seed=3)
    again, _ = two_moons(n=100, seed=3)
    assert points.shape == (100, 2) and labels.sum() == 50
    assert torch.equal(points, again)


def test_filter_normalised_directions_match_the_weights_filter_norms():
    params = dict(make_mlp(seed=1).named_parameters())
    direction = filter_normalized_direction({k: v.detach() for k, v in params.items()},
                                            torch.Generator().manual_seed(0))
    for name, weight in params.items():
        if weight.dim() == 2:
            torch.testing.assert_close(direction[name].norm(dim=1), weight.detach().norm(dim=1))
            assert not torch.allclose(direction[name], weight.detach())
        else:
            assert torch.count_nonzero(direction[name]) == 0  # biases stay put


@pytest.fixture(scope="module")
def random_plane():
    return landscape(optimizer="adam", lr=0.05, steps=200, directions="random", resolution=21, seed=0)


def test_the_grid_centre_is_the_trained_models_loss(random_plane):
    centre = random_plane.losses[10, 10]
    assert random_plane.alphas[10] == 0 and random_plane.betas[10] == 0
    assert centre == pytest.approx(random_plane.center_loss, rel=1e-9)
    assert random_plane.path_losses[-1] == pytest.approx(random_plane.center_loss, rel=1e-9)
    # training descended: the trained weights sit lower than most of the plane around them
    assert random_plane.path_losses[-1] < random_plane.path_losses[0]
    assert (random_plane.losses > centre).mean() > 0.9


def test_the_batched_grid_equals_one_point_at_a_time(random_plane):
    again = landscape(optimizer="adam", lr=0.05, steps=200, directions="random", resolution=21, seed=0)
    np.testing.assert_array_equal(again.losses, random_plane.losses)  # seeded and reproducible
    model = make_mlp(0)
    points, labels = two_moons(seed=0)
    # rebuild the plane by hand and check two off-centre points
    from core.landscape import train, _flatten
    train(model, "adam", 0.05, 200, points, labels)
    center = {k: v.detach().clone() for k, v in model.named_parameters()}
    generator = torch.Generator().manual_seed(1)
    d1 = _flatten(filter_normalized_direction(center, generator))
    d2 = _flatten(filter_normalized_direction(center, generator))
    for i, j in ((3, 17), (20, 0)):
        weights = _flatten(center) + random_plane.alphas[j] * d1 + random_plane.betas[i] * d2
        with torch.no_grad():
            value = float(_loss(model, _unflatten(weights, center), points, labels))
        assert random_plane.losses[i, j] == pytest.approx(value, rel=1e-9)


def test_pca_plane_holds_the_whole_trajectory():
    plane = landscape(optimizer="sgd", lr=0.5, steps=150, directions="pca", resolution=15, seed=2)
    assert np.allclose(plane.path[-1], 0, atol=1e-5)
    assert np.abs(plane.path).max() <= np.abs(plane.alphas).max()
    assert plane.parameter_count == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(directions="diagonal"), "unknown directions 'diagonal'"),
    (dict(resolution=500), "the grid must be 5 to 81 points a side"),
    (dict(steps=0), "training steps must be from 1 to 2000"),
    (dict(lr=-1.0), "learning rate must be a positive number"),
])
def test_bad_landscape_settings_are_refused(kwargs, message):
    with pytest.raises(LossMountainError, match=message):
        landscape(**kwargs)
