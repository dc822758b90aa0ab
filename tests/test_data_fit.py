"""Fitting real data: the runs equal plain torch.optim loops, centring rounds the ravine,
mini-batches and accumulation do what they say, uploads are checked."""

import numpy as np
import pytest
import torch

from core import LossMountainError
from core.data_fit import features, fit, mse, noisy_points, read_csv
from core.fit_figures import data_figure, fit_figures
from plotly_json import decode, figure_json, traces_with_role


def plain_fit(data, lr, steps, batch=None, mode="zero_grad", accumulate=4, centre=0.0, seed=0):
    """The loop as a tutorial writes it, for a line."""
    x, y = torch.tensor(data.x) - centre, torch.tensor(data.y)
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr)
    generator = torch.Generator().manual_seed(seed)
    path = [w.detach().clone()]
    for _ in range(steps):
        if mode != "forget":
            opt.zero_grad()
        for _ in range(accumulate if mode == "accumulate" else 1):
            rows = slice(None) if batch is None else torch.randperm(len(x), generator=generator)[:batch]
            loss = ((w[0] * x[rows] + w[1] - y[rows]) ** 2).mean()
            (loss / (accumulate if mode == "accumulate" else 1)).backward()
        opt.step()
        path.append(w.detach().clone())
    return torch.stack(path).numpy()


@pytest.mark.parametrize("batch, mode", [(None, "zero_grad"), (8, "zero_grad"), (None, "forget"),
                                         (5, "accumulate")])
def test_fits_equal_a_plain_loop(batch, mode):
    data = noisy_points("line")
    run = fit(data, "line", "sgd", 0.01, 40, batch_size=batch, mode=mode)
    np.testing.assert_allclose(run.coefficients, plain_fit(data, 0.01, 40, batch, mode), rtol=1e-12, atol=1e-12)


def test_the_best_fit_is_least_squares_and_adam_reaches_it():
    data = noisy_points("quadratic")
    run = fit(data, "quadratic", "adam", 0.05, 800)
    np.testing.assert_allclose(run.best, np.polyfit(data.x, data.y, 2), rtol=1e-9)
    np.testing.assert_allclose(run.coefficients[-1], run.best, atol=1e-3)


def test_centring_turns_the_ravine_into_a_bowl():
    data = noisy_points("line")
    conditions = []
    for centre in (0.0, float(data.x.mean())):
        inputs = features(torch.tensor(data.x), "line", centre)
        hessian = torch.autograd.functional.hessian(lambda w: mse(w, inputs, torch.tensor(data.y)),
                                                    torch.zeros(2, dtype=torch.float64))
        eigenvalues = torch.linalg.eigvalsh(hessian)
        conditions.append(float(eigenvalues[-1] / eigenvalues[0]))
    assert conditions[0] > 50 and conditions[1] < 3
    raw = fit(data, "line", "sgd", 0.02, 300)
    centred = fit(data, "line", "sgd", 0.02, 300, centre=True)
    assert centred.losses[-1] < raw.losses[-1] and centred.names[1] == "height at mean x"


def test_accumulation_differs_from_the_forgotten_zero_grad():
    data = noisy_points("line")
    right = fit(data, "line", "sgd", 0.01, 200, batch_size=8, mode="accumulate", centre=True)
    bug = fit(data, "line", "sgd", 0.01, 200, batch_size=8, mode="forget", centre=True)
    assert np.abs(right.coefficients[-1] - right.best).max() < 0.3
    assert np.abs(bug.coefficients[-1] - bug.best).max() > 1


def test_csv_upload_checks():
    assert read_csv(b"x,y\n1,2\n2,3\n3,5\n").y.tolist() == [2.0, 3.0, 5.0]
    for content, message in [
        (b"x,y\n1,2\n", "has 1 points; use 3 to"),
        (b"x,y\n1,2\n2,oops\n3,4\n", "row 3 should hold two numbers"),
        (b"\xff\xfe\x00", "not text"),
        (b"1,2\n3,nan\n4,5\n", "finite number"),
        (b"0" * 1_000_001, "keep it under 1 MB"),
    ]:
        with pytest.raises(LossMountainError, match=message):
            read_csv(content)


def test_bad_fit_settings_are_refused():
    data = noisy_points()
    with pytest.raises(LossMountainError, match="batch size must be from 1 to 60"):
        fit(data, batch_size=100)
    with pytest.raises(LossMountainError, match="unknown model 'cubic'"):
        fit(data, model="cubic")


def test_fit_figures_follow_the_view_conventions():
    data = noisy_points("quadratic")
    run = fit(data, "quadratic", "adam", 0.05, 100)
    figures = {name: figure_json(figure) for name, figure in fit_figures(data, run, "adam", (0, 2)).items()}
    (path,) = traces_with_role(figures["map"], "path")
    np.testing.assert_array_equal(decode(path["x"]), run.coefficients[:, 0])
    np.testing.assert_array_equal(decode(path["y"]), run.coefficients[:, 2])
    star = next(t for t in figures["map"]["data"] if t.get("name") == "best fit")
    assert (decode(star["x"])[0], decode(star["y"])[0]) == (run.best[0], run.best[2])
    assert figures["map"]["layout"]["shapes"][0]["name"] == "ball:0"
    assert len(traces_with_role(figures["mountain"], "ball")) == 1
    assert len(figure_json(data_figure(data, run, "adam"))["data"]) == 3
