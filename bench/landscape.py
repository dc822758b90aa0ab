"""Network landscape speed: the loss of the 2-16-16-1 MLP on a 41×41 plane of weights.

    python -m bench.landscape [--quick]

The batched grid (torch.func.functional_call under vmap) against a plain Python loop that
evaluates one grid point at a time, timed on a sample of points and scaled, in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from core.landscape import _flatten, _loss, _unflatten, filter_normalized_direction, landscape, make_mlp, two_moons


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
    landscape(steps=10, resolution=5)  # warm-up
    whole, grid_only = [], []
    for _ in range(repeats):
        began = time.perf_counter()
        landscape(optimizer="adam", lr=0.05, steps=300, directions="random", resolution=41)
        whole.append(time.perf_counter() - began)
        began = time.perf_counter()
        landscape(optimizer="adam", lr=0.05, steps=1, directions="random", resolution=41)
        grid_only.append(time.perf_counter() - began)
    model, (points, labels) = make_mlp(0), two_moons()
    center = {k: v.detach() for k, v in model.named_parameters()}
    generator = torch.Generator().manual_seed(1)
    d1 = _flatten(filter_normalized_direction(center, generator))
    d2 = _flatten(filter_normalized_direction(center, generator))
    sample = 100
    began = time.perf_counter()
    with torch.no_grad():
        for k in range(sample):
            a, b = (k % 10) / 5 - 1, (k // 10) / 5 - 1
            _loss(model, _unflatten(_flatten(center) + a * d1 + b * d2, center), points, labels)
    loop = (time.perf_counter() - began) / sample * 41 * 41
    grid = statistics.median(grid_only)
    print(f"{'measure':<58}{'value':>10}")
    print(f"{'41×41 grid + 300 Adam training steps (median of ' + str(repeats) + ')':<58}{statistics.median(whole):>9.2f}s")
    print(f"{'41×41 grid + 1 training step, i.e. the grid (median)':<58}{grid:>9.2f}s")
    print(f"{'baseline: one point at a time, 100 timed, scaled to 1681':<58}{loop:>9.2f}s")
    print(f"{'ratio baseline / batched grid':<58}{loop / grid:>9.1f}x")
    print(f"threads: {torch.get_num_threads()}, target: the grid in at most 3 s on a 2-core CPU")


if __name__ == "__main__":
    main()
