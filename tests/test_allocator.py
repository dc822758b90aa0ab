"""The replica's allocator: tuned once, and a thread that hands freed memory back to the system."""

import threading

from app.allocator import _libc, give_memory_back


def test_the_trimming_thread_runs_and_stops():
    if _libc() is None:
        assert give_memory_back() is None  # not glibc: nothing to tune
        return
    stop = give_memory_back()
    assert any(t.name == "malloc-trim" and t.is_alive() for t in threading.enumerate())
    assert _libc().malloc_trim(0) in (0, 1)
    stop.set()
