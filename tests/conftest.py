"""Settings for every test process."""

import os

# AppTest runs the app inside this process: its allocator tuning (app/allocator.py) would then hold for
# every later test too, which costs them about a tenth more CPU in page faults; tests/test_allocator.py
# checks the tuning in a process of its own
os.environ.setdefault("LOSS_MOUNTAIN_ALLOCATOR", "default")
