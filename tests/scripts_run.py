"""Generated scripts run as a learner would, all in one Python process (torch is imported once)."""

import json
import subprocess
import sys
from pathlib import Path

HARNESS = """
import contextlib, io, json, runpy, sys
outputs = []
for path in sys.argv[1:]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        runpy.run_path(path, run_name="__main__")
    outputs.append(buffer.getvalue())
print(json.dumps(outputs))
"""


def run_scripts(folder: Path, scripts: list[str]) -> list[str]:
    """Write each script's text to `folder` and run them all; returns what each printed."""
    paths = []
    for k, text in enumerate(scripts):
        path = folder / f"script_{k}.py"
        path.write_text(text)
        paths.append(str(path))
    done = subprocess.run([sys.executable, "-c", HARNESS, *paths], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)
