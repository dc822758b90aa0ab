"""The benchmarks' own computations still run: CI runs them whole, this catches a broken one in seconds."""

from bench.explorer import baseline_scene, shared_scene


def test_the_explorer_bench_builds_the_same_view_both_ways():
    # both sides build the default view's three figures as JSON; the batched side must send the same bytes
    shared, baseline = shared_scene(), baseline_scene()
    assert 50_000 < shared < 1_000_000
    assert shared == baseline


def test_a_target_is_read_at_the_speed_the_same_runs_reference_shows():
    from bench.interaction import REFERENCE_WHEN_SET, Figures, machine_factors, target_here

    # a machine where the bare reference takes twice as long as where the targets were set
    twice = {field: [2 * value] * 3 for field, value in REFERENCE_WHEN_SET.items()}
    reference = Figures("reference", twice["lr_cpu"], [], twice["lr_frame"], [], twice["start_cpu"], [],
                        twice["start_frame"], twice["first_load"], [], [], [], [], [])
    factors = machine_factors(reference)
    assert factors == {field: 2.0 for field in REFERENCE_WHEN_SET}
    assert target_here("≤ 40 ms", "start_cpu", factors) == "≤ 80 ms"
    assert target_here("≤ 4 s", "first_load", factors) == "≤ 8.00 s"
    assert target_here("≥ 5 /s", "start_cpu", factors) == "≥ 2.5 /s"  # a rate: half as many here
    assert target_here("≤ 50 kB", None, factors) == ""  # bytes are the same on any machine


def test_a_core_bench_bound_is_read_at_the_speed_its_baseline_shows():
    from bench.explorer import bound_here

    # the baseline took 2.5 times as long here as where the bound was set: the bound stretches as much
    assert bound_here(0.1, 0.235, 0.094) == 0.1 * 0.235 / 0.094
    assert bound_here(1.0, 307.5, 307.5) == 1.0
