"""app.memo: one byte budget for the heavy cached results, least recently used out first."""

import math
import pickle
import sys
import threading
import time
import tracemalloc
from dataclasses import replace

import numpy as np
import pytest

from app.memo import BUDGET_BYTES, MAX_ENTRY_BYTES, MEMO, Memo, key_of, memo, size_of


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def key(name: str) -> tuple[str, str]:
    return ("test", name)


def one_size(memo_: Memo, blob: bytes) -> int:
    """What one entry of `blob` weighs in a memo (the blob and its key)."""
    probe = Memo(budget=10**9, max_entry=10**9)
    probe.get(key("a"), lambda: blob)
    return probe.total


def test_an_entry_weighs_its_bytes_and_its_key():
    blob = b"x" * 10_000
    assert one_size(Memo(), blob) == sys.getsizeof(blob) + sys.getsizeof("test") + sys.getsizeof("a")


def test_entries_are_let_go_by_bytes_least_recently_used_first():
    blob = b"x" * 10_000
    each = one_size(Memo(), blob)
    cache = Memo(budget=3 * each + each // 2, max_entry=10**9)
    for name in "abc":
        cache.get(key(name), lambda: bytes(blob))
    assert len(cache) == 3 and cache.total == 3 * each
    cache.get(key("a"), lambda: pytest.fail("a is kept"))  # a is now the most recently used
    cache.get(key("d"), lambda: bytes(blob))  # a fourth does not fit: b, the least recently used, goes
    assert cache.total == 3 * each <= cache.budget
    made = []
    cache.get(key("b"), lambda: made.append("b") or bytes(blob))
    assert made == ["b"]  # b was let go, and c with it to make room
    cache.get(key("a"), lambda: pytest.fail("a is kept"))
    cache.get(key("d"), lambda: pytest.fail("d is kept"))


def test_a_big_entry_pushes_out_as_many_small_ones_as_it_needs():
    small, big = b"s" * 1_000, b"b" * 5_000
    cache = Memo(budget=6 * one_size(Memo(), small), max_entry=10**9)
    for k in range(6):
        cache.get(key(f"s{k}"), lambda: bytes(small))
    cache.get(key("big"), lambda: bytes(big))
    assert cache.total <= cache.budget and len(cache) == 1 + 6 - 5  # five of the oldest went


def test_an_entry_over_the_limit_is_returned_but_not_kept():
    cache = Memo(budget=100_000, max_entry=10_000)
    made = []
    for _ in range(2):
        assert cache.get(key("big"), lambda: made.append(1) or b"x" * 20_000) == b"x" * 20_000
    assert made == [1, 1] and len(cache) == 0 and cache.total == 0


def test_the_app_keeps_no_entry_over_a_quarter_of_its_budget():
    assert MAX_ENTRY_BYTES == BUDGET_BYTES // 4


def test_an_entry_older_than_the_ttl_is_made_again():
    clock = Clock()
    cache = Memo(ttl=60.0, clock=clock)
    made = []
    cache.get(key("a"), lambda: made.append("a") or "first")
    clock.now = 59.0
    assert cache.get(key("a"), lambda: made.append("a") or "second") == "first"
    clock.now = 61.0
    assert cache.get(key("a"), lambda: made.append("a") or "second") == "second"
    assert made == ["a", "a"]


def test_expired_entries_leave_when_another_is_kept():
    clock = Clock()
    cache = Memo(ttl=60.0, clock=clock)
    cache.get(key("old"), lambda: b"x" * 1000)
    clock.now = 100.0
    cache.get(key("new"), lambda: b"y" * 1000)
    assert len(cache) == 1 and cache.total == one_size(Memo(), b"y" * 1000) - sys.getsizeof("a") + sys.getsizeof("new")


def test_a_copied_entry_is_a_fresh_copy_each_time_and_a_shared_one_the_same_object():
    cache = Memo()
    first = cache.get(key("copied"), lambda: ["a", "b"], copied=True)
    first.pop()
    assert cache.get(key("copied"), lambda: pytest.fail("kept"), copied=True) == ["a", "b"]
    shared = cache.get(key("shared"), lambda: ("a", "b"))
    assert cache.get(key("shared"), lambda: pytest.fail("kept")) is shared


def test_a_copied_entry_weighs_its_pickle():
    value = {"x": np.arange(1000.0)}
    cache = Memo()
    cache.get(key("a"), lambda: value, copied=True)
    assert cache.total == len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) + sys.getsizeof("test") + sys.getsizeof("a")


def test_sessions_asking_for_one_key_at_once_make_it_once():
    cache = Memo()
    made, got = [], []
    start = threading.Barrier(8)

    def slow():
        made.append(threading.get_ident())
        time.sleep(0.2)
        return object()

    def ask():
        start.wait()
        got.append(cache.get(key("slow"), slow))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1 and len(got) == 8 and all(value is got[0] for value in got)


def test_a_failed_make_keeps_nothing_and_a_waiting_session_makes_it_itself():
    cache = Memo()
    started, results = threading.Event(), []

    def failing():
        started.set()
        time.sleep(0.1)
        raise ValueError("no")

    def first():
        with pytest.raises(ValueError):
            cache.get(key("k"), failing)

    thread = threading.Thread(target=first)
    thread.start()
    started.wait()
    results.append(cache.get(key("k"), lambda: "made by the second"))
    thread.join()
    assert results == ["made by the second"] and len(cache) == 1


def test_many_threads_on_many_keys_leave_the_books_right():
    blob = b"x" * 2_000
    each = one_size(Memo(), blob)
    cache = Memo(budget=20 * each, max_entry=10**9)
    errors = []

    def work(seed: int):
        rng = np.random.default_rng(seed)
        try:
            for _ in range(300):
                name = f"k{rng.integers(60)}"
                assert cache.get(("test", name), lambda: bytes(blob)) == blob
        except Exception as error:  # noqa: BLE001 -- reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert cache.total == sum(entry.size for entry in cache._entries.values()) <= cache.budget
    assert not cache._making


@pytest.mark.parametrize("a, b", [
    (0.1, math.nextafter(0.1, 1.0)), (1, 1.0), (1, True), (0.0, -0.0), ((1, 2), [1, 2]), ("1", 1),
    ((0.1, 0.2), (0.1, math.nextafter(0.2, 0.0))), (np.float64(0.1), 0.1), (None, "None"),
])
def test_keys_tell_apart_values_that_compare_or_print_alike(a, b):
    assert key_of({"x": a}, {}) != key_of({"x": b}, {})
    assert key_of({"x": a}, {}) == key_of({"x": a}, {})


def test_a_settings_key_is_exact_to_the_last_bit_of_a_float():
    from app.settings import HASHED_BY_REPR, Settings

    settings = Settings("himmelblau", ("sgd",), 0.01, (0.5, -0.5), 100)
    nudged = replace(settings, start=(0.5, math.nextafter(-0.5, 0.0)))
    assert key_of({"s": settings}, HASHED_BY_REPR) != key_of({"s": nudged}, HASHED_BY_REPR)
    assert key_of({"s": settings}, HASHED_BY_REPR) == key_of({"s": replace(settings)}, HASHED_BY_REPR)


def test_an_argument_whose_repr_could_hide_a_difference_is_refused():
    with pytest.raises(TypeError, match="memo cannot key a ndarray"):
        key_of({"x": np.zeros(2000)}, {})


def test_the_decorator_keys_by_bound_arguments_and_keeps_copies_apart():
    calls = []

    @memo(copied=True)
    def listed(n: int, scale: float = 1.0) -> list:
        calls.append((n, scale))
        return [n * scale]

    tag = time.perf_counter()  # a key of this run only: MEMO is the process's
    assert listed(tag) == listed(tag, 1.0) == listed(n=tag) == [tag]
    listed(tag).append("scribbled")
    assert listed(tag) == [tag] and calls == [(tag, 1.0)]
    listed(tag, math.nextafter(1.0, 2.0))  # one bit more: another key
    assert calls == [(tag, 1.0), (tag, math.nextafter(1.0, 2.0))]


def test_size_of_counts_what_tracemalloc_sees_numpy_allocate():
    def build():
        return (np.ones((300, 200)), {"a": np.arange(5000.0), "b": "t" * 20_000}, [np.zeros(3)] * 10)

    build()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    value = build()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert 0.9 * grown <= size_of(value) <= 1.1 * grown


def test_size_of_counts_a_view_once_and_a_tensors_storage():
    import torch

    base = np.zeros(10_000)
    assert size_of((base, base[10:], base[:5])) < base.nbytes + 1000
    tensor = torch.zeros(10_000, dtype=torch.float64)
    assert 80_000 <= size_of((tensor, tensor[5:])) < 81_000


def test_size_of_a_real_scene_agrees_with_its_pickle_and_the_ladders_forecast():
    from app.scene import ladder_bytes, scene_grid, view_payload, _ladder, _runs
    from app.mountains import mountain_of
    from app.settings import Settings
    from core.sweep import LR_LADDER

    settings = Settings("rosenbrock", ("sgd", "adam"), LR_LADDER[0], (-1.25, 1.5), 150, zero_grad=False)
    for value in (_ladder(settings), _runs(settings), scene_grid(mountain_of(settings)), view_payload(settings)):
        assert 0.97 <= size_of(value) / len(pickle.dumps(value, protocol=5)) <= 1.2, type(value)
    assert abs(ladder_bytes(settings) - size_of(_ladder(settings))) < 0.01 * ladder_bytes(settings)


def test_a_ladder_too_big_to_keep_is_not_used_and_the_runs_are_rolled_alone():
    from app.scene import ladder_bytes, on_the_ladder, scene_runs
    from app.settings import Settings
    from core import descend_many, get_surface

    heavy = Settings("himmelblau", ("sgd", "momentum", "nesterov", "adam", "nadam", "radam", "rprop", "adamax"),
                     0.01, (0.5, -0.5), 2000)
    assert ladder_bytes(heavy) > MAX_ENTRY_BYTES and not on_the_ladder(heavy)
    light = replace(heavy, steps=300)
    assert ladder_bytes(light) <= MAX_ENTRY_BYTES and on_the_ladder(light)
    (run, *_) = scene_runs(replace(heavy, steps=40))
    (alone,) = descend_many(get_surface("himmelblau"), ["sgd"], 0.01, (0.5, -0.5), 40)
    np.testing.assert_array_equal(run.positions, alone.positions)


def test_many_distinct_heavy_scenes_leave_the_cache_within_its_budget():
    from app.scene import ladder_bytes, ladder_json, scene_ladder, view_payload
    from app.settings import Settings

    optimizers = ("sgd", "momentum", "adam", "nadam", "radam")
    steps = int(0.8 * MAX_ENTRY_BYTES / (40 * 121 * len(optimizers)))  # ladders of about 80% of the most kept
    kept = 0
    for k in range(10):
        settings = Settings("himmelblau", optimizers, 0.01, (0.5 - 0.25 * k, -0.5), steps, zero_grad=k % 2 == 0)
        assert ladder_bytes(settings) <= MAX_ENTRY_BYTES
        scene_ladder(settings)
        view_payload(settings)
        ladder_json(settings)
        kept += ladder_bytes(settings)
        assert MEMO.total <= BUDGET_BYTES
    assert kept > 1.5 * BUDGET_BYTES  # the scenes asked for more than it holds
    assert MEMO.total > BUDGET_BYTES / 2  # and it kept what fits


def test_a_spinner_turns_only_while_a_result_is_made(monkeypatch):
    import contextlib

    import streamlit

    shown = []

    @contextlib.contextmanager
    def spinner(text):
        shown.append(text)
        yield

    monkeypatch.setattr(streamlit, "spinner", spinner)

    @memo(spinner="Rolling…")
    def rolled(tag: float) -> float:
        return tag * 2

    tag = time.perf_counter()  # a key of this run only: MEMO is the process's
    assert rolled(tag) == rolled(tag) == rolled(tag) == tag * 2
    assert shown == ["Rolling…"]  # made once; the two reads of the kept result turn no spinner
    rolled(tag + 1)
    assert shown == ["Rolling…"] * 2  # another key is made, under its own spinner


def test_a_drawing_function_holds_one_place_on_the_page_made_or_not():
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        from app.memo import memo

        @memo(draws=True)
        def slow(tag: str) -> str:
            bar = st.progress(0.0, text="working")
            bar.empty()
            return tag

        st.markdown("before")
        slow(st.session_state.setdefault("tag", str(__import__("time").perf_counter())))
        st.markdown("after")

    app = AppTest.from_function(script).run()
    made = [type(element).__name__ for element in app.main]
    app.run()
    assert [type(element).__name__ for element in app.main] == made
    assert len(app.main.children) == 3
