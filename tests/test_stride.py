"""Chapter "your stride": three plain-SGD balls, each stride's word read from what its ball did,
the leap to another valley explained by 2/λmax, and the figures telling the balls apart."""

import numpy as np
import pytest
import torch

from core import get_surface
from core.grid import surface_grid
from core.stride import three_strides
from core.stride_figures import STRIDE_COLORS, stride_figures
from plotly_json import decode

HIMMELBLAU = get_surface("himmelblau")


def _sgd_loop(surface, start, lr, steps):
    coeffs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([coeffs], lr=lr)
    places = [coeffs.detach().clone().numpy()]
    for _ in range(steps):
        optimizer.zero_grad()
        surface(coeffs).backward()
        optimizer.step()
        places.append(coeffs.detach().clone().numpy())
    return np.array(places)


def test_from_the_chapters_start_the_big_stride_cannot_settle_in_the_nearest_valley_and_rests_in_another():
    strides = three_strides(HIMMELBLAU, (0.5, -0.5), (0.001, 0.01, 0.02))
    assert [ball.word for ball in strides.balls] == ["too small", "about right", "too big"]
    small, right, big = strides.balls
    for ball in strides.balls:
        np.testing.assert_array_equal(ball.run.positions, _sgd_loop(HIMMELBLAU, (0.5, -0.5), ball.run.lr, 150))
    assert small.verdict.status == "creeping" and right.verdict.status == big.verdict.status == "converged"
    # 2/λmax at the minimum nearest the start, by hand: the Hessian of (x²+y−11)² + (x+y²−7)² is
    # [[12x² + 4y − 42, 4x + 4y], [4x + 4y, 12y² + 4x − 26]]
    x, y = strides.nearest
    assert (x, y) == pytest.approx((3.584428, -1.848127))
    hessian = np.array([[12 * x**2 + 4 * y - 42, 4 * x + 4 * y], [4 * x + 4 * y, 12 * y**2 + 4 * x - 26]])
    assert strides.limit == pytest.approx(2 / np.linalg.eigvalsh(hessian).max())
    assert right.valley == strides.nearest and big.valley == (3.0, 2.0)
    assert big.run.lr > strides.limit > right.run.lr
    assert big.leap.startswith("Its stride 0.02 is past 2/λmax = 0.019 of the valley nearest the start, at (3.58, −1.85)")
    assert "came to rest in another valley, at (3, 2), where 2/λmax = 0.0243 lets it." in big.leap
    assert not small.leap and not right.leap


def test_on_the_bowl_the_words_follow_what_each_ball_did():
    # x² + y²: a step multiplies x by (1 − 2 lr): lr 0.5 lands on the minimum, 1 flips sign forever, 1.5 doubles
    bowl = get_surface("bowl")
    strides = three_strides(bowl, (-1.6, 1.2), (0.0001, 0.5, 1.0))
    assert [ball.word for ball in strides.balls] == ["too small", "about right", "too big"]
    assert strides.limit == pytest.approx(1.0)
    assert strides.balls[2].verdict.status == "bouncing"
    (flown,) = three_strides(bowl, (-1.6, 1.2), (10.0,)).balls
    assert flown.word == "too big" and flown.verdict.status == "diverged"


def test_the_figures_tell_the_balls_apart_and_mark_the_limit():
    strides = three_strides(HIMMELBLAU, (0.5, -0.5), (0.001, 0.01, 0.02))
    figures = stride_figures(HIMMELBLAU, surface_grid(HIMMELBLAU), strides)
    paths = [t for t in figures["map"]["data"] if (t.get("meta") or {}).get("role") == "path"]
    assert [t["line"]["color"] for t in paths] == list(STRIDE_COLORS)
    assert [t["name"] for t in paths] == ["blue: lr 0.001", "green: lr 0.01", "red: lr 0.02"]
    for trace, ball in zip(paths, strides.balls):
        np.testing.assert_allclose(np.column_stack((decode(trace["x"]), decode(trace["y"]))), ball.run.positions)
    balls = [s for s in figures["map"]["layout"]["shapes"] if (s.get("name") or "").startswith("ball:")]
    assert [s["fillcolor"] for s in balls] == list(STRIDE_COLORS)
    strip = figures["feature"]
    (limit,) = [s for s in strip["layout"]["shapes"] if s["name"] == "limit"]
    assert limit["x0"] == strides.limit
    assert [t["text"][0] for t in strip["data"]] == ["blue: 0.001 · too small", "green: 0.01 · about right",
                                                     "red: 0.02 · too big"]


def test_a_word_needs_its_computed_cause():
    # on the bowl from (−1.6, 1.2), 0.0001 creeps and the verdict's bigger stride (3.2×) gets further in
    # the same 150 steps: too small, because that run was made
    bowl = get_surface("bowl")
    (crawl,) = three_strides(bowl, (-1.6, 1.2), (0.0001,)).balls
    assert crawl.word == "too small"
    assert crawl.verdict.evidence.final_loss < crawl.run.losses[-1]
    # on Rastrigin's bumps a bouncing or flying ball is "too big" only where a smaller rate was run and settled it
    balls = three_strides(get_surface("rastrigin"), (2.5, 2.5), (0.001, 0.05, 0.3)).balls
    for ball in balls:
        if ball.verdict.status in ("bouncing", "diverged"):
            assert (ball.word == "too big") == (ball.verdict.cause == "lr")
