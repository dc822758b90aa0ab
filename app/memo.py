"""One memory budget, in bytes, for the app's heavy cached results, shared by every session.

st.cache_data and st.cache_resource bound a cache by its count of entries, but a scene's ladder or a
swarm's view is megabytes: sixteen of them grew a server by a gigabyte (issue 14). Here every entry
is weighed as it is kept, and the least recently used go until the whole fits BUDGET_BYTES.

    @memo(keys=HASHED_BY_REPR)                 # the shared object, as st.cache_resource gives
    def view_payload(settings: Settings) -> Payload: ...

    @memo(copied=True, spinner="Rolling…")     # a fresh copy per call, as st.cache_data gives
    def _runs(settings: Settings) -> tuple[Run, ...]: ...
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import hashlib
import inspect
import pickle
import sys
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import streamlit as st
import torch

# a replica that has shown every page holds about 380 MB before it keeps anything (torch, with the
# torch._dynamo that torch.optim imports for its first optimizer; pytorch-optimizer; plotly; Streamlit):
# 64 MB of results beside it leave room for two heavy views' own work under 600 MB (python -m bench.memory)
BUDGET_BYTES = 64 * 2**20
# a result bigger than this is made for its caller and not kept: four would fill the budget, and one
# would push out everything every session was using (app.scene keeps its ladders under it)
MAX_ENTRY_BYTES = BUDGET_BYTES // 4
# how long a result is kept (a class's hour, then made afresh), here and in every st.cache_data: in
# seconds, since Streamlit reads a ttl given as text ("1h") with pandas, which a replica would then
# hold for good (about 60 MB with the pyarrow it brings)
ONE_HOUR = 3600.0

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class _Entry:
    value: Any  # the result itself, or with copied=True its pickle
    size: int
    made: float  # the memo's clock when it was kept
    copied: bool


class Memo:
    """Results by key, least recently used first, weighing at most `budget` bytes together."""

    def __init__(self, budget: int = BUDGET_BYTES, max_entry: int = MAX_ENTRY_BYTES, ttl: float = ONE_HOUR,
                 clock: Callable[[], float] = time.monotonic):
        self.budget, self.max_entry, self.ttl, self.clock = budget, max_entry, ttl, clock
        self.total = 0
        self._entries: collections.OrderedDict[tuple[str, str], _Entry] = collections.OrderedDict()
        self._making: dict[tuple[str, str], threading.Event] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[str, str], make: Callable[[], Any], copied: bool = False) -> Any:
        """The kept result for `key` (a fresh copy of it with `copied`), else make() kept; while one
        session makes a key, another asking for it waits and reads it rather than making it twice."""
        while True:
            with self._lock:
                entry = self._fresh(key)
                if entry is not None:
                    self._entries.move_to_end(key)
                    break
                making = self._making.get(key)
                if making is None:
                    self._making[key] = threading.Event()
                    break
            making.wait()  # made, or failed: look again (a failed make is made here)
        if entry is not None:
            return pickle.loads(entry.value) if entry.copied else entry.value
        try:
            value = make()
            self._keep(key, value, copied)
        finally:
            with self._lock:
                self._making.pop(key).set()
        return value

    def holds(self, key: tuple[str, str]) -> bool:
        """Whether a fresh result for `key` is kept now (one being made is not)."""
        with self._lock:
            return self._fresh(key) is not None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.total = 0

    def _fresh(self, key: tuple[str, str]) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None and self.clock() - entry.made > self.ttl:
            self._drop(key)
            return None
        return entry

    def _keep(self, key: tuple[str, str], value: Any, copied: bool) -> None:
        kept = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL) if copied else value
        size = (len(kept) if copied else size_of(value)) + sys.getsizeof(key[0]) + sys.getsizeof(key[1])
        if size > self.max_entry:
            return  # made for its caller, not kept (see MAX_ENTRY_BYTES)
        with self._lock:
            if key in self._entries:
                self._drop(key)
            now = self.clock()
            self._entries[key] = _Entry(kept, size, now, copied)
            self.total += size
            for old in [k for k, e in self._entries.items() if now - e.made > self.ttl]:
                self._drop(old)
            while self.total > self.budget:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple[str, str]) -> None:
        self.total -= self._entries.pop(key).size


MEMO = Memo()  # one per process: every session of a replica shares it
_nested = threading.local()  # how deep this thread is in memo'd calls: only the outermost shows a spinner


def memo(*, copied: bool = False, spinner: str | None = None, draws: bool = False,
         keys: Mapping[type, Callable[[Any], Any]] | None = None) -> Callable[[F], F]:
    """Keep a function's results in MEMO, keyed exactly by its arguments.

    copied: each call gets its own copy (kept pickled, weighed by the pickle's length), as
    st.cache_data gives; else every caller shares the kept object, as st.cache_resource does, so it
    must never be written to. spinner: shown while the result is made (not when it is kept, nor inside
    another memo'd call). draws: the function draws a progress bar: every call holds one empty place on the page,
    made or not, as st.cache_data's replay did, so the elements after it keep their places. keys:
    how to key arguments of other types (their repr must tell every value apart), like hash_funcs.
    """
    def decorate(function: F) -> F:
        signature = inspect.signature(function)
        name = f"{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        def cached(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            key = (name, key_of(bound.arguments, keys or {}))
            place = st.empty() if draws else None
            depth = getattr(_nested, "depth", 0)
            _nested.depth = depth + 1
            # a kept result needs no spinner: each st.spinner starts a timer thread and sends a message
            # to clear itself, which every read of a scene's ladder paid (three a move)
            shown = spinner and not depth and not MEMO.holds(key)
            try:
                with place if place is not None else nullcontext(), (st.spinner(spinner) if shown else nullcontext()):
                    return MEMO.get(key, lambda: function(*args, **kwargs), copied)
            finally:
                _nested.depth = depth

        return cached  # type: ignore[return-value]

    return decorate


def key_of(arguments: Mapping[str, Any], keys: Mapping[type, Callable[[Any], Any]]) -> str:
    """An exact key for the arguments: the repr of each (repr tells 0.1 from 0.1 + 2**-56, 1 from
    1.0 and True), hashed with SHA-256 so a long argument costs 64 characters to keep."""
    text = repr(_keyable(dict(arguments), keys))
    return hashlib.sha256(text.encode()).hexdigest()


def _keyable(value: Any, keys: Mapping[type, Callable[[Any], Any]]) -> Any:
    kind = type(value)
    if kind in keys:
        return (kind.__qualname__, keys[kind](value))
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes, np.generic)):
        return value
    if kind in (tuple, list):
        return kind(_keyable(item, keys) for item in value)
    if kind is dict:
        return {_keyable(k, keys): _keyable(v, keys) for k, v in value.items()}
    # anything else might repr two different values alike (an array's repr elides)
    raise TypeError(f"memo cannot key a {kind.__qualname__}: give it keys={{{kind.__qualname__}: ...}}")


def size_of(value: Any, seen: set | None = None) -> int:
    """The bytes a result holds: its arrays' and tensors' buffers, its texts, and the Python objects
    around them, each counted once (tests/test_memo.py checks it against tracemalloc)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        # an array that owns its data counts it in getsizeof; a view counts its base, once
        return sys.getsizeof(value) + (size_of(value.base, seen) if value.base is not None else 0)
    if isinstance(value, torch.Tensor):
        storage = value.untyped_storage()
        shared = ("storage", storage.data_ptr()) in seen
        seen.add(("storage", storage.data_ptr()))
        return sys.getsizeof(value) + (0 if shared else storage.nbytes())
    if isinstance(value, (str, bytes, int, float, bool, complex, type(None), np.generic)):
        return sys.getsizeof(value)
    if isinstance(value, (tuple, list, set, frozenset)):
        return sys.getsizeof(value) + sum(size_of(item, seen) for item in value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(size_of(k, seen) + size_of(v, seen) for k, v in value.items())
    if dataclasses.is_dataclass(value):
        fields = (getattr(value, field.name) for field in dataclasses.fields(value))
        return sys.getsizeof(value) + sum(size_of(field, seen) for field in fields)
    return sys.getsizeof(value) + (size_of(vars(value), seen) if hasattr(value, "__dict__") else 0)
