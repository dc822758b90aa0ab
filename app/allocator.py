"""Memory a replica gives back. A heavy view (a basins map, the network page) allocates hundreds of
megabytes for a moment; glibc's malloc keeps what is freed for reuse, in one arena per thread that
ever contended, so a server that served a few heavy views stays that big. Fewer arenas, blocks
over 64 kB from the system (handed back when freed), and a trim every few seconds keep a replica near
what it holds (python -m bench.memory)."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import threading

# mallopt's parameters (malloc.h)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8
TRIM_EVERY_S = 5.0
MAPPED_FROM = 64 * 1024


def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None  # not glibc (another system): memory is left to its allocator


def _trim_forever(libc, stop: threading.Event) -> None:
    while not stop.wait(TRIM_EVERY_S):
        libc.malloc_trim(0)


@functools.cache  # every rerun of the app calls it: the first tunes, the others return at once
def give_memory_back() -> threading.Event | None:
    """Tune this process's malloc once and start its trimming thread; returns the event that stops
    it (None where malloc is not glibc's, or where LOSS_MOUNTAIN_ALLOCATOR=default asks to leave it)."""
    libc = _libc()
    if libc is None or os.environ.get("LOSS_MOUNTAIN_ALLOCATOR") == "default":
        return None
    libc.mallopt(M_ARENA_MAX, 2)
    # 64 kB: a view's arrays come from the system and go back when freed. It costs a 121-rate ladder
    # about a tenth more CPU in page faults (18.5 → 20 ms; 256 kB the same); at 1 MB it costs nothing,
    # but a replica held 585-637 MB over bench.memory's 1,000 moves, against 536-604 MB at 64 kB
    libc.mallopt(M_MMAP_THRESHOLD, MAPPED_FROM)
    libc.mallopt(M_TRIM_THRESHOLD, MAPPED_FROM)
    stop = threading.Event()
    threading.Thread(target=_trim_forever, args=(libc, stop), name="malloc-trim", daemon=True).start()
    return stop
