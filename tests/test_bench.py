"""The benchmarks' own computations still run: CI runs them whole, this catches a broken one in seconds."""

from bench.explorer import baseline_scene, shared_scene


def test_the_explorer_bench_builds_the_same_view_both_ways():
    # both sides build the default view's three figures as JSON; the batched side must send the same bytes
    shared, baseline = shared_scene(), baseline_scene()
    assert 50_000 < shared < 1_000_000
    assert shared == baseline
