"""The replica's allocator, in a process of its own (the tuning is process-wide): tuned once, and a
thread that hands freed memory back to the system; left alone when asked to."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK = """
import threading
from app.allocator import _libc, give_memory_back
stop = give_memory_back()
if _libc() is None:
    print("not glibc", stop is None)
else:
    print("trimming", any(t.name == "malloc-trim" and t.is_alive() for t in threading.enumerate()))
"""


def _run(**env) -> str:
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_trimming_thread_runs_in_a_replica():
    assert _run(LOSS_MOUNTAIN_ALLOCATOR="") in ("trimming True", "not glibc True")


def test_the_allocator_is_left_alone_when_asked():
    assert _run(LOSS_MOUNTAIN_ALLOCATOR="default") in ("trimming False", "not glibc True")
